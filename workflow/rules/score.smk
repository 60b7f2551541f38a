def feature_file(name, dataset):
    """Weights of a feature network: trained here (classifier) or fetched once (Inception)."""
    if name == "classifier":
        return f"{RESOURCES}/features/{dataset}/classifier.pt"
    return f"{RESOURCES}/weights/{name}.pth"


def feature_inputs(wildcards):
    scoring = settings(wildcards.experiment)["scoring"]
    names = {scoring["features"]}
    if "paper" in scoring["protocols"]:
        names.add(scoring["paper_features"])
    return {f"features_{n}": feature_file(n, wildcards.dataset) for n in sorted(names)}


def reference_feature_file(wildcards):
    """The standard protocol's reference features: extracted once per class, not per run."""
    scoring = settings(wildcards.experiment)["scoring"]
    return (
        f"{RESOURCES}/reference_features/{wildcards.dataset}/{scoring['features']}/"
        f"{scoring['reference_split']}_class{wildcards.cls}.npz"
    )


def score_reference_inputs(wildcards):
    if "standard" not in settings(wildcards.experiment)["scoring"]["protocols"]:
        return {}
    return {"reference_features": reference_feature_file(wildcards)}


def feature_args(wildcards, input):
    return " ".join(f"--features {k.removeprefix('features_')}={v}" for k, v in input.items() if k.startswith("features_"))


rule fetch_weights:
    output:
        f"{RESOURCES}/weights/{{feature}}.pth",
    params:
        local=lambda w: (
            f"--local {shlex.quote(config['metrics']['weights'][w.feature])}"
            if config["metrics"]["weights"].get(w.feature)
            else ""
        ),
    log:
        f"{LOGS}/fetch_weights/{{feature}}.log",
    shell:
        "qgen fetch-weights --name {wildcards.feature} --out {output} {params.local} > {log} 2>&1"


rule train_feature_classifier:
    input:
        prepared=f"{DATA}/{{dataset}}/prepared.json",
    output:
        f"{RESOURCES}/features/{{dataset}}/classifier.pt",
    params:
        epochs=config["metrics"]["classifier_epochs"],
    log:
        f"{LOGS}/train_feature_classifier/{{dataset}}.log",
    shell:
        "qgen train-features --dataset {wildcards.dataset} --data-root {DATA} "
        "--epochs {params.epochs} --out {output} > {log} 2>&1"


rule reference_features:
    input:
        prepared=f"{DATA}/{{dataset}}/prepared.json",
        weights=lambda w: feature_file(w.feature, w.dataset),
    output:
        f"{RESOURCES}/reference_features/{{dataset}}/{{feature}}/{{split}}_class{{cls}}.npz",
    log:
        f"{LOGS}/reference_features/{{dataset}}/{{feature}}/{{split}}_class{{cls}}.log",
    benchmark:
        f"{LOGS}/benchmarks/reference_features/{{dataset}}/{{feature}}/{{split}}_class{{cls}}.tsv"
    shell:
        "qgen reference-features --dataset {wildcards.dataset} --data-root {DATA} --split {wildcards.split} "
        "--cls {wildcards.cls} --features {wildcards.feature}={input.weights} --out {output} > {log} 2>&1"


rule score:
    input:
        unpack(feature_inputs),
        unpack(score_reference_inputs),
        samples=f"{RUN}/samples.npz",
        prepared=f"{DATA}/{{dataset}}/prepared.json",
    output:
        scores=f"{RUN}/scores.json",
    params:
        job=job_arg,
        features=feature_args,
        references=lambda w, input: (
            f"--reference-features {input.reference_features}" if "reference_features" in input.keys() else ""
        ),
    threads: lambda w: settings(w.experiment)["training"].get("threads", 1)
    log:
        f"{LOGS}/score/{RUN_LOG}.log",
    benchmark:
        f"{LOGS}/benchmarks/score/{RUN_LOG}.tsv"
    shell:
        "qgen score --job {params.job} --cls {wildcards.cls} --seed {wildcards.seed} "
        "--samples {input.samples} --data-root {DATA} {params.features} {params.references} "
        "--out {output.scores} > {log} 2>&1"
