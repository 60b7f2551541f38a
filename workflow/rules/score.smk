def feature_file(name, dataset):
    """Weights of a feature network: trained here (classifier) or fetched once (Inception)."""
    if name == "classifier":
        return f"{RESOURCES}/features/{dataset}/classifier.pt"
    return f"{RESOURCES}/weights/{name}.pth"


def scoring(wildcards):
    return section(config, wildcards.experiment, wildcards.model, "scoring")


def feature_inputs(wildcards):
    s = scoring(wildcards)
    names = {s["features"]} | ({s["paper_features"]} if "paper" in s["protocols"] else set())
    return {f"features_{n}": feature_file(n, wildcards.dataset) for n in sorted(names)}


def reference_feature_file(experiment, dataset, unit, model=None):
    """The standard protocol's reference features: extracted once per unit, shared by all runs."""
    s = section(config, experiment, model, "scoring")
    return (
        f"{RESOURCES}/reference_features/{dataset}/{s['features']}/"
        f"{s['reference_split']}_{reference_name(experiment, unit)}.npz"
    )


def validator_file(name, dataset):
    """A gradable validator, fitted once per dataset for every experiment (S3-C1)."""
    return f"{RESOURCES}/validators/{dataset}/{name}.pt"


def validator_inputs(wildcards):
    return {f"validator_{n}": validator_file(n, wildcards.dataset) for n in scoring(wildcards).get("gradable") or []}


def score_reference_inputs(wildcards):
    if "standard" not in scoring(wildcards)["protocols"]:
        return {}
    w = wildcards
    return {"reference_features": reference_feature_file(w.experiment, w.dataset, w.unit, w.model)}


rule fetch_weights:
    output:
        f"{RESOURCES}/weights/{{feature}}.pth",
    params:
        local=lambda w: (
            f"--local {shlex.quote(config['metrics']['weights'][w.feature])}"
            if config["metrics"]["weights"].get(w.feature)
            else ""
        ),
    conda:
        ENV
    log:
        f"{LOGS}/fetch_weights/{{feature}}.log",
    cache: "omit-software"
    shell:
        "qgen fetch-weights --name {wildcards.feature} --out {output} {params.local} > {log} 2>&1"


rule train_feature_classifier:
    input:
        prepared=f"{DATA}/{{dataset}}/prepared.json",
    output:
        f"{RESOURCES}/features/{{dataset}}/classifier.pt",
    params:
        data_root=DATA,
        epochs=config["metrics"]["classifier_epochs"],
    threads: THREADS
    conda:
        ENV
    log:
        f"{LOGS}/train_feature_classifier/{{dataset}}.log",
    shell:
        "qgen train-features --dataset {wildcards.dataset} --data-root {params.data_root} "
        "--epochs {params.epochs} --out {output} --threads {threads} > {log} 2>&1"


rule fit_validator:
    input:
        prepared=f"{DATA}/{{dataset}}/prepared.json",
    output:
        validator=f"{RESOURCES}/validators/{{dataset}}/{{validator}}.pt",
        record=f"{RESOURCES}/validators/{{dataset}}/{{validator}}.json",
    params:
        data_root=lambda w, input: str(Path(input.prepared).parent.parent),
        job=slice_arg(config["metrics"]["validators"]),
        real_split=config["defaults"]["scoring"]["reference_split"],
    threads: THREADS
    conda:
        ENV
    log:
        f"{LOGS}/fit_validator/{{dataset}}_{{validator}}.log",
    benchmark:
        f"{LOGS}/benchmarks/fit_validator/{{dataset}}_{{validator}}.tsv"
    shell:
        "qgen fit-validator --name {wildcards.validator} --dataset {wildcards.dataset} --data-root {params.data_root} "
        "--job {params.job} --real-split {params.real_split} --out {output.validator} --threads {threads} "
        "> {log} 2>&1"


rule reference_features:
    input:
        prepared=f"{DATA}/{{dataset}}/prepared.json",
        weights=lambda w: feature_file(w.feature, w.dataset),
    output:
        f"{RESOURCES}/reference_features/{{dataset}}/{{feature}}/{{split}}_{{ref}}.npz",
    threads: THREADS
    params:
        data_root=DATA,
    resources:
        device=DEVICE,
        gpu=GPUS,
    conda:
        ENV
    log:
        f"{LOGS}/reference_features/{{dataset}}/{{feature}}/{{split}}_{{ref}}.log",
    benchmark:
        f"{LOGS}/benchmarks/reference_features/{{dataset}}/{{feature}}/{{split}}_{{ref}}.tsv"
    shell:
        "qgen reference-features --dataset {wildcards.dataset} --data-root {params.data_root} --split {wildcards.split} "
        "--reference {wildcards.ref} --features {wildcards.feature}={input.weights} --out {output} "
        "--device {resources.device} --threads {threads} > {log} 2>&1"


rule score:
    input:
        unpack(feature_inputs),
        unpack(score_reference_inputs),
        unpack(validator_inputs),
        samples=f"{RUN}/samples.npz",
        train_record=lambda w: trained_run_file(w, "train.json"),
        prepared=f"{DATA}/{{dataset}}/prepared.json",
    output:
        scores=f"{RUN}/scores.json",
    params:
        data_root=DATA,
        job=lambda w: slice_arg(score_slice(config, w.experiment, w.model)),
        features=lambda w, input: " ".join(
            f"--features {k.removeprefix('features_')}={v}" for k, v in input.items() if k.startswith("features_")
        ),
        references=lambda w, input: (
            f"--reference-features {input.reference_features}" if "reference_features" in input.keys() else ""
        ),
        validators=lambda w, input: " ".join(
            f"--validator {k.removeprefix('validator_')}={v}" for k, v in input.items() if k.startswith("validator_")
        ),
    threads: THREADS
    resources:
        device=DEVICE,
        gpu=GPUS,
    conda:
        ENV
    log:
        f"{LOGS}/score/{RUN_LOG}.log",
    benchmark:
        f"{LOGS}/benchmarks/score/{RUN_LOG}.tsv"
    shell:
        "qgen score --job {params.job} --unit {wildcards.unit} --train-record {input.train_record} "
        "--samples {input.samples} --data-root {params.data_root} {params.features} {params.references} {params.validators} "
        "--out {output.scores} --device {resources.device} --threads {threads} > {log} 2>&1"
