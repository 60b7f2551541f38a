def paper_table_arg(wildcards):
    stem = exp(wildcards.experiment).get("paper_table")
    if not stem:
        return ""
    return "--paper " + shlex.quote(str(Path(config["paper_results_dir"]) / f"{stem}.csv"))


rule table:
    input:
        scores=lambda w: run_files(w.experiment, "scores.json"),
    output:
        scores=f"{RESULTS}/{{experiment}}/tables/scores.csv",
        provenance=f"{RESULTS}/{{experiment}}/tables/table.json",
        markdown=report(
            f"{RESULTS}/{{experiment}}/tables/table.md",
            caption="../report/table.rst",
            category="Tables",
            subcategory="{experiment}",
        ),
    params:
        paper=paper_table_arg,
        study=lambda w: exp(w.experiment)["study"],
        outdir=lambda w, output: str(Path(output.scores).parent),
    conda:
        ENV
    log:
        f"{LOGS}/table/{{experiment}}.log",
    shell:
        "qgen table --experiment {wildcards.experiment} --study {params.study} --scores {input.scores} {params.paper} "
        "--outdir {params.outdir} > {log} 2>&1"


def unit_samples(wildcards):
    """The first seed's samples of every model of one unit."""
    e = exp(wildcards.experiment)
    return [
        f"{RUN}/samples.npz".format(
            experiment=wildcards.experiment, dataset=e["dataset"], unit=wildcards.unit, model=model, seed=e["seeds"][0]
        )
        for model in e["models"]
    ]


rule figure_samples:
    input:
        unit_samples,
    output:
        report(
            f"{RESULTS}/{{experiment}}/figures/samples_{{unit}}.png",
            caption="../report/samples.rst",
            category="Samples",
            subcategory="{experiment}",
        ),
    params:
        job=lambda w: slice_arg(figure_slice(config, w.experiment)),
        models=lambda w: " ".join(exp(w.experiment)["models"]),
    conda:
        ENV
    log:
        f"{LOGS}/figures/{{experiment}}_samples_{{unit}}.log",
    shell:
        "qgen figure samples --job {params.job} --inputs {input} --labels {params.models} "
        "--title '{wildcards.experiment}, {wildcards.unit}' --out {output} > {log} 2>&1"


rule figure_losses:
    input:
        lambda w: run_files(w.experiment, "losses.csv", trained=True),
    output:
        report(
            f"{RESULTS}/{{experiment}}/figures/loss_curves.png",
            caption="../report/training.rst",
            category="Training",
        ),
    conda:
        ENV
    log:
        f"{LOGS}/figures/{{experiment}}_loss_curves.log",
    shell:
        "qgen figure losses --inputs {input} --title '{wildcards.experiment}' --out {output} > {log} 2>&1"


rule figure_quantum_grads:
    input:
        lambda w: run_files(w.experiment, "quantum_grads.csv", trained=True),
    output:
        report(
            f"{RESULTS}/{{experiment}}/figures/quantum_grads.png",
            caption="../report/training.rst",
            category="Training",
        ),
    conda:
        ENV
    log:
        f"{LOGS}/figures/{{experiment}}_quantum_grads.log",
    shell:
        "qgen figure grads --inputs {input} --title '{wildcards.experiment}' --out {output} > {log} 2>&1"


rule figure_circuit:
    output:
        report(
            f"{RESULTS}/{{experiment}}/figures/circuit_{{model}}.png",
            caption="../report/circuit.rst",
            category="Circuit",
        ),
    params:
        job=lambda w: slice_arg({"quantum": resolved_model(config, w.experiment, w.model)["quantum"]}),
    conda:
        ENV
    log:
        f"{LOGS}/figures/{{experiment}}_circuit_{{model}}.log",
    shell:
        "qgen figure circuit --job {params.job} --out {output} > {log} 2>&1"


rule figure_noise:
    input:
        lambda w: [f"{RESULTS}/{e}/tables/scores.csv" for e in noise_experiments(w.experiment)],
    output:
        png=report(
            f"{RESULTS}/{{experiment}}/figures/noise.png",
            caption="../report/noise.rst",
            category="Hardware noise",
        ),
        markdown=f"{RESULTS}/{{experiment}}/tables/noise.md",
        csv=f"{RESULTS}/{{experiment}}/tables/noise.csv",
    params:
        job=lambda w: slice_arg(figure_slice(config, w.experiment)),
    conda:
        ENV
    log:
        f"{LOGS}/figures/{{experiment}}_noise.log",
    shell:
        "qgen figure noise --job {params.job} --inputs {input} --title '{wildcards.experiment}' "
        "--out {output.png} > {log} 2>&1"


rule figure_trainability:
    output:
        png=report(
            f"{RESULTS}/{{experiment}}/figures/trainability.png",
            caption="../report/trainability.rst",
            category="Circuit",
        ),
        csv=f"{RESULTS}/{{experiment}}/tables/trainability.csv",
    params:
        job=lambda w: slice_arg({"trainability": section(config, w.experiment, None, "figures")["trainability"]}),
    threads: THREADS
    conda:
        ENV
    log:
        f"{LOGS}/figures/{{experiment}}_trainability.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_trainability/{{experiment}}.tsv"
    shell:
        "qgen figure trainability --job {params.job} --title '{wildcards.experiment}' --out {output.png} "
        "--threads {threads} > {log} 2>&1"


def claims_experiments(wildcards):
    """Each experiment of a target as EXPERIMENT=STUDY:DATASET (stands_for if it stands in)."""
    args = []
    for experiment in target_experiments(config, wildcards.target):
        e = exp(experiment)
        args.append(f"--experiment {experiment}={e['study']}:{e.get('stands_for') or e['dataset']}")
    return " ".join(args)


rule claims:
    input:
        lambda w: [f"{RESULTS}/{e}/tables/scores.csv" for e in target_experiments(config, w.target)],
    output:
        csv=f"{RESULTS}/claims/{{target}}.csv",
        markdown=report(
            f"{RESULTS}/claims/{{target}}.md",
            caption="../report/claims.rst",
            category="Claims",
        ),
    params:
        job=lambda w: slice_arg(claims_slice(w.target)),
        paper_dir=config["paper_results_dir"],
    conda:
        ENV
    log:
        f"{LOGS}/claims/{{target}}.log",
    shell:
        "qgen claims --job {params.job} --scores {input} --paper-dir {params.paper_dir} "
        "--title {wildcards.target} --out-csv {output.csv} --out-md {output.markdown} > {log} 2>&1"


def claims_slice(target):
    """What a claims report depends on: each experiment's study, stand-in, comparisons, smoke flag."""
    out = {}
    for experiment in target_experiments(config, target):
        e = exp(experiment)
        out[experiment] = {
            "study": e["study"],
            "dataset": e.get("stands_for") or e["dataset"],
            "stands_in_for": e.get("stands_for"),
            "comparisons": e.get("comparisons"),
            "smoke": bool(e.get("smoke", False)),
        }
    return {"experiments": out, "claims": config["claims"]}


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
            category="Sample size",
        ),
    params:
        data_root=DATA,
        job=lambda w: slice_arg(score_slice(config, w.experiment)),
        models=lambda w: " ".join(exp(w.experiment)["models"]),
        feature=lambda w: section(config, w.experiment, None, "scoring")["features"],
    conda:
        ENV
    log:
        f"{LOGS}/fid_vs_n/{{experiment}}_{{dataset}}_class{{unit}}.log",
    shell:
        "qgen fid-vs-n --job {params.job} --unit {wildcards.unit} --samples {input.samples} "
        "--labels {params.models} --data-root {params.data_root} --features {params.feature}={input.features} "
        "--reference-features {input.reference_features} "
        "--out-csv {output.csv} --out-png {output.png} > {log} 2>&1"
