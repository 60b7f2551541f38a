rule sample:
    input:
        model=f"{RUN}/model.pt",
    output:
        samples=f"{RUN}/samples.npz",
        provenance=f"{RUN}/samples.json",
    params:
        n=lambda w: settings(w.experiment)["sampling"]["n_samples"],
        batch=lambda w: settings(w.experiment)["sampling"]["batch_size"],
        device=lambda w: settings(w.experiment)["training"].get("device", "cpu"),
    threads: lambda w: settings(w.experiment)["training"].get("threads", 1)
    resources:
        gpu=job_gpus,
    log:
        f"{LOGS}/sample/{RUN_LOG}.log",
    benchmark:
        f"{LOGS}/benchmarks/sample/{RUN_LOG}.tsv"
    shell:
        "qgen sample --model-file {input.model} --out {output.samples} --n-samples {params.n} "
        "--batch-size {params.batch} --device {params.device} --threads {threads} > {log} 2>&1"
