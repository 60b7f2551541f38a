rule sample:
    input:
        # the run that trained the model: this experiment's, or the sweep base's it shares
        model=lambda w: trained_run_file(w, "model.pt"),
    output:
        samples=f"{RUN}/samples.npz",
        provenance=f"{RUN}/samples.json",
    log:
        f"{LOGS}/sample/{RUN_LOG}.log",
    benchmark:
        f"{LOGS}/benchmarks/sample/{RUN_LOG}.tsv"
    conda:
        ENV
    threads: THREADS
    resources:
        device=DEVICE,
        gpu=GPUS,
    params:
        job=lambda w: slice_arg(sample_slice(config, w.experiment, w.model)),
    shell:
        "qgen sample --job {params.job} --model-file {input.model} --out {output.samples} "
        "--device {resources.device} --threads {threads} > {log} 2>&1"
