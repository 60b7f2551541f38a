rule prepare_data:
    output:
        prepared=f"{DATA}/{{dataset}}/prepared.json",
    log:
        f"{LOGS}/prepare_data/{{dataset}}.log",
    conda:
        ENV
    resources:
        mirror=MIRROR,
    params:
        root=lambda w, output: str(Path(output.prepared).parent.parent),
    shell:
        "qgen prepare-data --dataset {wildcards.dataset} --root {params.root} "
        "--mirror '{resources.mirror}' --record {output.prepared} > {log} 2>&1"
