rule table:
    input:
        scores=lambda w: run_files(w.experiment, "scores.json"),
    output:
        scores=f"{RESULTS}/{{experiment}}/tables/scores.csv",
        provenance=f"{RESULTS}/{{experiment}}/tables/table.json",
        markdown=f"{RESULTS}/{{experiment}}/tables/table.md",
        html=report(
            f"{RESULTS}/{{experiment}}/tables/table.html",
            caption="../report/table.rst",
            category="2 Tables",
            subcategory="{experiment}",
            labels={"page": "Tables I/II and per-class comparisons"},
        ),
    log:
        f"{LOGS}/table/{{experiment}}.log",
    conda:
        ENV
    params:
        paper=paper_table_arg,
        study=lambda w: exp(w.experiment)["study"],
        pairs=lambda w: " ".join(f"--pair {a},{b}" for a, b in table_pairs(w.experiment)),
        outdir=lambda w, output: str(Path(output.scores).parent),
    shell:
        "qgen table --experiment {wildcards.experiment} --study {params.study} --scores {input.scores} "
        "{params.paper} {params.pairs} --outdir {params.outdir} > {log} 2>&1"


rule figure_samples:
    input:
        samples=unit_samples,
        records=lambda w: unit_runs(w, "train.json", trained=True),
    output:
        report(
            f"{RESULTS}/{{experiment}}/figures/samples_{{unit}}.png",
            caption="../report/samples.rst",
            category="3 Samples",
            subcategory="{experiment}",
            labels={"class": "{unit}"},
        ),
    log:
        f"{LOGS}/figures/{{experiment}}_samples_{{unit}}.log",
    conda:
        ENV
    params:
        job=lambda w: slice_arg(figure_slice(config, w.experiment)),
        models=lambda w: " ".join(exp(w.experiment)["models"]),
    shell:
        "qgen figure samples --job {params.job} --inputs {input.samples} --records {input.records} "
        "--labels {params.models} --title '{wildcards.experiment}' --out {output} > {log} 2>&1"


rule figure_losses:
    input:
        lambda w: run_files(w.experiment, "losses.csv", trained=True),
    output:
        mean=report(
            f"{RESULTS}/{{experiment}}/figures/loss_curves.png",
            caption="../report/loss_curves.rst",
            category="4 Training",
            subcategory="{experiment}",
            labels={"figure": "1 training loss per model"},
        ),
        per_class=report(
            f"{RESULTS}/{{experiment}}/figures/loss_curves_per_class.png",
            caption="../report/loss_curves_per_class.rst",
            category="4 Training",
            subcategory="{experiment}",
            labels={"figure": "2 training loss per class"},
        ),
    log:
        f"{LOGS}/figures/{{experiment}}_loss_curves.log",
    conda:
        ENV
    shell:
        "qgen figure losses --inputs {input} --title '{wildcards.experiment}' --out {output.mean} "
        "--out-per-class {output.per_class} > {log} 2>&1"


rule figure_quantum_grads:
    input:
        lambda w: run_files(w.experiment, "quantum_grads.csv", trained=True),
    output:
        report(
            f"{RESULTS}/{{experiment}}/figures/quantum_grads.png",
            caption="../report/quantum_grads.rst",
            category="4 Training",
            subcategory="{experiment}",
            labels={"figure": "3 gradients of the quantum weights"},
        ),
    log:
        f"{LOGS}/figures/{{experiment}}_quantum_grads.log",
    conda:
        ENV
    shell:
        "qgen figure grads --inputs {input} --title '{wildcards.experiment}' --out {output} > {log} 2>&1"


rule figure_circuit:
    output:
        report(
            f"{RESULTS}/{{experiment}}/figures/circuit_{{model}}.png",
            caption="../report/circuit.rst",
            category="5 Circuits",
            subcategory="{experiment}",
            labels={"model": "{model}"},
        ),
    log:
        f"{LOGS}/figures/{{experiment}}_circuit_{{model}}.log",
    conda:
        ENV
    params:
        job=lambda w: slice_arg({"quantum": resolved_model(config, w.experiment, w.model)["quantum"]}),
    shell:
        "qgen figure circuit --job {params.job} --out {output} > {log} 2>&1"


rule figure_interpolations:
    input:
        models=lambda w: interpolation_runs(w.experiment),
        prepared=lambda w: f"{DATA}/{exp(w.experiment)['dataset']}/prepared.json",
    output:
        report(
            f"{RESULTS}/{{experiment}}/figures/interpolations.png",
            caption="../report/interpolations.rst",
            category="3 Samples",
            subcategory="{experiment}",
        ),
    log:
        f"{LOGS}/figures/{{experiment}}_interpolations.log",
    conda:
        ENV
    params:
        job=lambda w: slice_arg(figure_slice(config, w.experiment)),
        models=lambda w: " ".join(interpolating_models(w.experiment)),
        data_root=data_root,
    shell:
        "qgen figure interpolations --job {params.job} --inputs {input.models} --labels {params.models} "
        "--data-root {params.data_root} --title '{wildcards.experiment}: latent interpolations' --out {output} "
        "> {log} 2>&1"


rule figure_routing:
    input:
        f"{RESULTS}/{{experiment}}/tables/scores.csv",
    output:
        report(
            f"{RESULTS}/{{experiment}}/figures/routing_curve.png",
            caption="../report/routing.rst",
            category="7 Routing",
        ),
    log:
        f"{LOGS}/figures/{{experiment}}_routing_curve.log",
    conda:
        ENV
    params:
        study=lambda w: exp(w.experiment)["study"],
    shell:
        "qgen figure routing --inputs {input} --study {params.study} --title '{wildcards.experiment}' "
        "--out {output} > {log} 2>&1"


rule ablation:
    input:
        ablation_inputs,
    output:
        csv=f"{RESULTS}/{{experiment}}/tables/ablation_{{axis}}.csv",
        markdown=f"{RESULTS}/{{experiment}}/tables/ablation_{{axis}}.md",
        png=report(
            f"{RESULTS}/{{experiment}}/figures/ablation_{{axis}}.png",
            caption="../report/ablation.rst",
            category="8 Ablations",
        ),
    log:
        f"{LOGS}/ablation/{{experiment}}_{{axis}}.log",
    conda:
        ENV
    params:
        job=lambda w: slice_arg(ablation_slice(w.experiment, w.axis)),
    shell:
        "qgen ablation --job {params.job} --scores {input} --axis {wildcards.axis} --title '{wildcards.experiment}' "
        "--out-csv {output.csv} --out-md {output.markdown} --out-png {output.png} > {log} 2>&1"


rule figure_noise:
    input:
        lambda w: [f"{RESULTS}/{e}/tables/scores.csv" for e in noise_experiments(w.experiment)],
    output:
        png=report(
            f"{RESULTS}/{{experiment}}/figures/noise.png",
            caption="../report/noise.rst",
            category="9 Hardware noise",
        ),
        markdown=f"{RESULTS}/{{experiment}}/tables/noise.md",
        csv=f"{RESULTS}/{{experiment}}/tables/noise.csv",
    log:
        f"{LOGS}/figures/{{experiment}}_noise.log",
    conda:
        ENV
    params:
        job=lambda w: slice_arg(figure_slice(config, w.experiment)),
    shell:
        "qgen figure noise --job {params.job} --inputs {input} --title '{wildcards.experiment}' "
        "--out {output.png} > {log} 2>&1"


rule figure_trainability:
    output:
        png=report(
            f"{RESULTS}/{{experiment}}/figures/trainability.png",
            caption="../report/trainability.rst",
            category="5 Circuits",
        ),
        csv=f"{RESULTS}/{{experiment}}/tables/trainability.csv",
    log:
        f"{LOGS}/figures/{{experiment}}_trainability.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_trainability/{{experiment}}.tsv"
    conda:
        ENV
    threads: THREADS
    params:
        job=lambda w: slice_arg({"trainability": section(config, w.experiment, None, "figures")["trainability"]}),
    shell:
        "qgen figure trainability --job {params.job} --title '{wildcards.experiment}' --out {output.png} "
        "--threads {threads} > {log} 2>&1"


rule claims:
    input:
        lambda w: [f"{RESULTS}/{e}/tables/scores.csv" for e in claims_experiments_of(w.target)],
    output:
        csv=f"{RESULTS}/claims/{{target}}.csv",
        markdown=f"{RESULTS}/claims/{{target}}.md",
        provenance=f"{RESULTS}/claims/{{target}}.json",
    log:
        f"{LOGS}/claims/{{target}}.log",
    conda:
        ENV
    params:
        job=lambda w: slice_arg(claims_slice(w.target)),
        paper_dir=config["paper_results_dir"],
        # Where the forest plots will be (figure_forest draws them): the page shows them.
        forests=lambda w: " ".join(f"--forest {s}={p}" for s, p in forest_plots(w.target).items()),
    shell:
        "qgen claims --job {params.job} --scores {input} --paper-dir {params.paper_dir} {params.forests} "
        "--title {wildcards.target} --out-csv {output.csv} --out-md {output.markdown} "
        "--out-json {output.provenance} > {log} 2>&1"


rule figure_forest:
    input:
        f"{RESULTS}/claims/{{target}}.csv",
    output:
        report(
            FOREST,
            caption="../report/forest.rst",
            category="1 Claims",
            labels={"result": "forest plot of {study}"},
        ),
    log:
        f"{LOGS}/figures/{{target}}_forest_{{study}}.log",
    conda:
        ENV
    params:
        job=lambda w: slice_arg(forest_slice(w.target, w.study)),
    shell:
        "qgen figure forest --job {params.job} --inputs {input} --title {wildcards.target} --out {output} > {log} 2>&1"


rule claims_page:
    input:
        markdown=f"{RESULTS}/claims/{{target}}.md",
        provenance=f"{RESULTS}/claims/{{target}}.json",
        forests=lambda w: list(forest_plots(w.target).values()),
    output:
        report(
            f"{RESULTS}/claims/{{target}}.html",
            caption="../report/claims.rst",
            category="1 Claims",
            labels={"result": "claims page (every study)"},
        ),
    log:
        f"{LOGS}/claims/{{target}}_page.log",
    conda:
        ENV
    shell:
        "qgen page --markdown {input.markdown} --provenance {input.provenance} --title 'Claims: {wildcards.target}' "
        "--out {output} > {log} 2>&1"


rule fid_vs_sample_size:
    input:
        samples=unit_samples,
        prepared=f"{DATA}/{{dataset}}/prepared.json",
        features=lambda w: feature_file(section(config, w.experiment, None, "scoring")["features"], w.dataset),
        reference_features=lambda w: reference_feature_file(w.experiment, w.dataset, w.unit),
    output:
        csv=f"{RESULTS}/{{experiment}}/tables/fid_vs_n_{{dataset}}_class{{unit}}.csv",
        png=report(
            f"{RESULTS}/{{experiment}}/figures/fid_vs_n_{{dataset}}_class{{unit}}.png",
            caption="../report/fid_vs_n.rst",
            category="6 Sample size",
            subcategory="{experiment}",
            labels={"class": "{unit}"},
        ),
    log:
        f"{LOGS}/fid_vs_n/{{experiment}}_{{dataset}}_class{{unit}}.log",
    conda:
        ENV
    params:
        data_root=data_root,
        job=lambda w: slice_arg(score_slice(config, w.experiment)),
        models=lambda w: " ".join(exp(w.experiment)["models"]),
        feature=lambda w: section(config, w.experiment, None, "scoring")["features"],
    shell:
        "qgen fid-vs-n --job {params.job} --unit {wildcards.unit} --samples {input.samples} "
        "--labels {params.models} --data-root {params.data_root} --features {params.feature}={input.features} "
        "--reference-features {input.reference_features} "
        "--out-csv {output.csv} --out-png {output.png} > {log} 2>&1"


# A swept experiment (sweep: or grid:): every member's scores summarised against the axes, with
# 95% intervals, the pairs compared and each setting's effect (tables/sweep.md), and the metrics
# against the axis (figures/sweep.png): C5's FID and SSIM against the training-set size, the
# noise-strategy ablation's settings.
rule sweep_table:
    input:
        lambda w: [f"{RESULTS}/{e}/tables/scores.csv" for e in sweep_family(config, w.experiment)],
    output:
        csv=f"{RESULTS}/{{experiment}}/tables/sweep.csv",
        provenance=f"{RESULTS}/{{experiment}}/tables/sweep.json",
        markdown=report(
            f"{RESULTS}/{{experiment}}/tables/sweep.md",
            caption="../report/sweep.rst",
            category="2 Tables",
            subcategory="{experiment}",
        ),
    log:
        f"{LOGS}/table/{{experiment}}_sweep.log",
    conda:
        ENV
    params:
        job=lambda w: slice_arg(sweep_slice(config, w.experiment)),
    shell:
        "qgen sweep-table --job {params.job} --scores {input} --out-csv {output.csv} --out-md {output.markdown} "
        "> {log} 2>&1"


rule figure_sweep:
    input:
        f"{RESULTS}/{{experiment}}/tables/sweep.csv",
    output:
        report(
            f"{RESULTS}/{{experiment}}/figures/sweep.png",
            caption="../report/sweep.rst",
            category="8 Ablations",
        ),
    log:
        f"{LOGS}/figures/{{experiment}}_sweep.log",
    conda:
        ENV
    params:
        job=lambda w: slice_arg(sweep_slice(config, w.experiment)),
    shell:
        "qgen figure sweep --job {params.job} --inputs {input} --title '{wildcards.experiment}' --out {output} "
        "> {log} 2>&1"
