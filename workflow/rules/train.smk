rule train:
    input:
        unpack(required_runs),
        prepared=f"{DATA}/{{dataset}}/prepared.json",
    output:
        model=f"{RUN}/model.pt",
        losses=f"{RUN}/losses.csv",
        epochs=f"{RUN}/epochs.csv",
        quantum_grads=f"{RUN}/quantum_grads.csv",
        provenance=f"{RUN}/train.json",
    log:
        f"{LOGS}/train/{RUN_LOG}.log",
    benchmark:
        f"{LOGS}/benchmarks/train/{RUN_LOG}.tsv"
    conda:
        ENV
    threads: THREADS
    resources:
        device=DEVICE,
        gpu=GPUS,
    params:
        job=lambda w: slice_arg(train_slice(config, w.experiment, w.model)),
        requires=lambda w, input: " ".join(
            f"--requires {k.removeprefix('requires_')}={v}" for k, v in input.items() if k.startswith("requires_")
        ),
        outdir=lambda w, output: str(Path(output.model).parent),
        data_root=data_root,
    shell:
        "qgen train --job {params.job} --unit {wildcards.unit} --seed {wildcards.seed} {params.requires} "
        "--data-root {params.data_root} --outdir {params.outdir} --device {resources.device} --threads {threads} "
        "> {log} 2>&1"
