rule prepare_data:
    output:
        prepared=f"{DATA}/{{dataset}}/prepared.json",
    params:
        mirror=lambda w: f"--mirror {shlex.quote(config['data']['mirror'])}" if config["data"].get("mirror") else "",
    log:
        f"{LOGS}/prepare_data/{{dataset}}.log",
    shell:
        "qgen prepare-data --dataset {wildcards.dataset} --root {DATA} {params.mirror} "
        "--record {output.prepared} > {log} 2>&1"
