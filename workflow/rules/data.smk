rule prepare_data:
    output:
        prepared=f"{DATA}/{{dataset}}/prepared.json",
    params:
        root=DATA,
    conda:
        ENV
    log:
        f"{LOGS}/prepare_data/{{dataset}}.log",
    shell:
        "qgen prepare-data --dataset {wildcards.dataset} --root {params.root} "
        "--record {output.prepared} > {log} 2>&1"
