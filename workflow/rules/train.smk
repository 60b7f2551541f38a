rule train:
    input:
        prepared=f"{DATA}/{{dataset}}/prepared.json",
    output:
        model=f"{RUN}/model.pt",
        losses=f"{RUN}/losses.csv",
        quantum_grads=f"{RUN}/quantum_grads.csv",
        provenance=f"{RUN}/train.json",
    params:
        job=job_arg,
        outdir=lambda w, output: str(Path(output.model).parent),
    threads: lambda w: settings(w.experiment)["training"].get("threads", 1)
    resources:
        gpu=job_gpus,
    log:
        f"{LOGS}/train/{RUN_LOG}.log",
    benchmark:
        f"{LOGS}/benchmarks/train/{RUN_LOG}.tsv"
    shell:
        "qgen train --job {params.job} --cls {wildcards.cls} --seed {wildcards.seed} "
        "--data-root {DATA} --outdir {params.outdir} > {log} 2>&1"
