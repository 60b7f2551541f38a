rule fetch_weights:
    output:
        f"{RESOURCES}/weights/{{feature}}.pth",
    log:
        f"{LOGS}/fetch_weights/{{feature}}.log",
    cache: "omit-software"
    conda:
        ENV
    params:
        key=cache_key,
        local=lambda w: (
            f"--local {shlex.quote(config['metrics']['weights'][w.feature])}"
            if config["metrics"]["weights"].get(w.feature)
            else ""
        ),
    shell:
        "qgen fetch-weights --name {wildcards.feature} --out {output} {params.local} > {log} 2>&1"


rule train_feature_classifier:
    input:
        prepared=f"{DATA}/{{dataset}}/prepared.json",
    output:
        f"{RESOURCES}/features/{{dataset}}/classifier.pt",
    log:
        f"{LOGS}/train_feature_classifier/{{dataset}}.log",
    cache: "omit-software"
    conda:
        ENV
    threads: THREADS
    params:
        key=cache_key,
        data_root=data_root,
        epochs=config["metrics"]["classifier_epochs"],
    shell:
        "qgen train-features --dataset {wildcards.dataset} --data-root {params.data_root} "
        "--epochs {params.epochs} --out {output} --threads {threads} > {log} 2>&1"


rule fit_validator:
    input:
        prepared=f"{DATA}/{{dataset}}/prepared.json",
    output:
        validator=f"{RESOURCES}/validators/{{dataset}}/{{validator}}.pt",
        record=f"{RESOURCES}/validators/{{dataset}}/{{validator}}.json",
    log:
        f"{LOGS}/fit_validator/{{dataset}}_{{validator}}.log",
    benchmark:
        f"{LOGS}/benchmarks/fit_validator/{{dataset}}_{{validator}}.tsv"
    conda:
        ENV
    threads: THREADS
    params:
        data_root=data_root,
        job=slice_arg(config["metrics"]["validators"]),
        real_split=config["defaults"]["scoring"]["reference_split"],
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
    log:
        f"{LOGS}/reference_features/{{dataset}}/{{feature}}/{{split}}_{{ref}}.log",
    cache: "omit-software"
    conda:
        ENV
    threads: THREADS
    resources:
        device=DEVICE,
        gpu=GPUS,
    params:
        key=cache_key,
        data_root=data_root,
    shell:
        "qgen reference-features --dataset {wildcards.dataset} --data-root {params.data_root} --split {wildcards.split} "
        "--reference {wildcards.ref} --features {wildcards.feature}={input.weights} --out {output} "
        "--device {resources.device} --threads {threads} > {log} 2>&1"


rule score:
    input:
        unpack(feature_inputs),
        unpack(score_reference_inputs),
        unpack(measure_inputs),
        unpack(validator_inputs),
        samples=f"{RUN}/samples.npz",
        train_record=lambda w: trained_run_file(w, "train.json"),
        prepared=f"{DATA}/{{dataset}}/prepared.json",
    output:
        scores=f"{RUN}/scores.json",
    log:
        f"{LOGS}/score/{RUN_LOG}.log",
    benchmark:
        f"{LOGS}/benchmarks/score/{RUN_LOG}.tsv"
    conda:
        ENV
    threads: THREADS
    resources:
        device=DEVICE,
        gpu=GPUS,
    params:
        data_root=data_root,
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
    shell:
        "qgen score --job {params.job} --unit {wildcards.unit} --train-record {input.train_record} "
        "--samples {input.samples} --data-root {params.data_root} {params.features} {params.references} {params.validators} "
        "--out {output.scores} --device {resources.device} --threads {threads} > {log} 2>&1"
