def paper_table_arg(wildcards):
    stem = config["experiments"][wildcards.experiment].get("paper_table")
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
        outdir=lambda w, output: str(Path(output.scores).parent),
    log:
        f"{LOGS}/table/{{experiment}}.log",
    shell:
        "qgen table --experiment {wildcards.experiment} --scores {input.scores} {params.paper} "
        "--outdir {params.outdir} > {log} 2>&1"


def class_samples(wildcards):
    exp = config["experiments"][wildcards.experiment]
    return [
        f"{RUN}/samples.npz".format(experiment=wildcards.experiment, dataset=exp["dataset"],
                                     cls=wildcards.cls, model=model, seed=exp["seeds"][0])
        for model in exp["models"]
    ]


rule figure_samples:
    input:
        class_samples,
    output:
        report(
            f"{RESULTS}/{{experiment}}/figures/samples_class{{cls}}.png",
            caption="../report/samples.rst",
            category="Samples",
            subcategory="{experiment}",
        ),
    params:
        models=lambda w: " ".join(config["experiments"][w.experiment]["models"]),
    log:
        f"{LOGS}/figures/{{experiment}}_samples_class{{cls}}.log",
    shell:
        "qgen figure samples --inputs {input} --labels {params.models} "
        "--title '{wildcards.experiment}, class {wildcards.cls}' --out {output} > {log} 2>&1"


rule figure_losses:
    input:
        lambda w: run_files(w.experiment, "losses.csv"),
    output:
        report(f"{RESULTS}/{{experiment}}/figures/loss_curves.png", caption="../report/training.rst", category="Training"),
    log:
        f"{LOGS}/figures/{{experiment}}_loss_curves.log",
    shell:
        "qgen figure losses --inputs {input} --title '{wildcards.experiment}' --out {output} > {log} 2>&1"


rule figure_quantum_grads:
    input:
        lambda w: run_files(w.experiment, "quantum_grads.csv"),
    output:
        report(f"{RESULTS}/{{experiment}}/figures/quantum_grads.png", caption="../report/training.rst", category="Training"),
    log:
        f"{LOGS}/figures/{{experiment}}_quantum_grads.log",
    shell:
        "qgen figure grads --inputs {input} --title '{wildcards.experiment}' --out {output} > {log} 2>&1"


rule figure_circuit:
    output:
        report(f"{RESULTS}/{{experiment}}/figures/circuit_{{model}}.png", caption="../report/circuit.rst", category="Circuit"),
    params:
        job=job_arg,
    log:
        f"{LOGS}/figures/{{experiment}}_circuit_{{model}}.log",
    shell:
        "qgen figure circuit --job {params.job} --out {output} > {log} 2>&1"


def claims_stand_ins(wildcards):
    args = []
    for experiment in config["targets"][wildcards.target]:
        exp = config["experiments"][experiment]
        args.append(f"--stands-for {experiment}={exp.get('stands_for') or exp['dataset']}")
    return " ".join(args)


rule claims:
    input:
        lambda w: [f"{RESULTS}/{e}/tables/scores.csv" for e in config["targets"][w.target]],
    output:
        csv=f"{RESULTS}/claims/{{target}}.csv",
        markdown=report(
            f"{RESULTS}/claims/{{target}}.md",
            caption="../report/claims.rst",
            category="Claims",
        ),
    params:
        stand_ins=claims_stand_ins,
        paper_dir=config["paper_results_dir"],
    log:
        f"{LOGS}/claims/{{target}}.log",
    shell:
        "qgen claims --scores {input} {params.stand_ins} --paper-dir {params.paper_dir} "
        "--title {wildcards.target} --out-csv {output.csv} --out-md {output.markdown} > {log} 2>&1"


rule fid_vs_sample_size:
    input:
        samples=class_samples,
        prepared=f"{DATA}/{{dataset}}/prepared.json",
        features=lambda w: feature_file(settings(w.experiment)["scoring"]["features"], w.dataset),
        reference_features=reference_feature_file,
    output:
        csv=f"{RESULTS}/{{experiment}}/tables/fid_vs_n_{{dataset}}_class{{cls}}.csv",
        png=report(
            f"{RESULTS}/{{experiment}}/figures/fid_vs_n_{{dataset}}_class{{cls}}.png",
            caption="../report/fid_vs_n.rst",
            category="Sample size",
        ),
    params:
        job=lambda w: shlex.quote(dumps_slice(job_slice(config, w.experiment))),
        models=lambda w: " ".join(config["experiments"][w.experiment]["models"]),
        feature=lambda w: settings(w.experiment)["scoring"]["features"],
        sizes=lambda w: " ".join(map(str, settings(w.experiment)["scoring"]["sample_size_study"]["sizes"])),
        repeats=lambda w: settings(w.experiment)["scoring"]["sample_size_study"]["repeats"],
    log:
        f"{LOGS}/fid_vs_n/{{experiment}}_{{dataset}}_class{{cls}}.log",
    shell:
        "qgen fid-vs-n --job {params.job} --cls {wildcards.cls} --samples {input.samples} "
        "--labels {params.models} --data-root {DATA} --features {params.feature}={input.features} "
        "--reference-features {input.reference_features} "
        "--sizes {params.sizes} --repeats {params.repeats} "
        "--out-csv {output.csv} --out-png {output.png} > {log} 2>&1"
