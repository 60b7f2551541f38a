# Config validation, path patterns and the target lists every other rule file uses.

import shlex
from pathlib import Path

from snakemake.utils import validate

from qgen.config import ConfigError, check_semantics, dumps_slice, experiment_settings, job_slice

validate(config, "../schemas/config.schema.yaml")
# The semantic checks import torch and PennyLane (seconds); a cluster job's own Snakemake (run twice
# per job by the SLURM executor) gets the config the submitting run has already checked.
if not (workflow.remote_exec or workflow.subprocess_exec):
    try:
        check_semantics(config)
    except ConfigError as err:
        raise WorkflowError(f"invalid config: {err}")

RESULTS = config["results_dir"]
RESOURCES = config["resources_dir"]
LOGS = config["logs_dir"]
DATA = f"{RESOURCES}/data"
RUN = RESULTS + "/{experiment}/{dataset}/{cls}/{model}/seed{seed}"
RUN_LOG = "{experiment}/{dataset}/{cls}/{model}/seed{seed}"


wildcard_constraints:
    experiment=r"[A-Za-z0-9_\-]+",
    dataset=r"[A-Za-z0-9_]+",
    model=r"[A-Za-z0-9_\-]+",
    cls=r"\d+",
    seed=r"\d+",
    feature=r"[a-z_]+",
    split=r"[a-z]+",


def settings(experiment):
    return experiment_settings(config, experiment)


def job_gpus(wildcards):
    """GPUs a job asks a cluster scheduler for (resource `gpu`): one where it runs on CUDA."""
    return 1 if str(settings(wildcards.experiment)["training"].get("device", "cpu")).startswith("cuda") else 0


def job_arg(wildcards):
    """The job's config slice as a shell-quoted JSON argument (also its rerun trigger)."""
    return shlex.quote(dumps_slice(job_slice(config, wildcards.experiment, wildcards.model)))


def experiment_runs(experiment):
    """Every (dataset, class, model, seed) an experiment trains, as wildcard dicts."""
    exp = config["experiments"][experiment]
    return [
        dict(experiment=experiment, dataset=exp["dataset"], cls=cls, model=model, seed=seed)
        for cls in exp["classes"]
        for model in exp["models"]
        for seed in exp["seeds"]
    ]


def run_files(experiment, name):
    return [f"{RUN}/{name}".format(**run) for run in experiment_runs(experiment)]


def quantum_models(experiment):
    exp = config["experiments"][experiment]
    return [m for m in exp["models"] if config["models"][m].get("quantum")]


def experiment_outputs(experiments):
    """What a target builds: each experiment's tables and figures."""
    outputs = []
    for experiment in experiments:
        exp = config["experiments"][experiment]
        figures = f"{RESULTS}/{experiment}/figures"
        outputs += [
            f"{RESULTS}/{experiment}/tables/scores.csv",
            f"{RESULTS}/{experiment}/tables/table.md",
            f"{figures}/loss_curves.png",
        ]
        outputs += [f"{figures}/samples_class{cls}.png" for cls in exp["classes"]]
        study = settings(experiment)["scoring"].get("sample_size_study")
        if study and study.get("class") is not None:
            name = f"fid_vs_n_{exp['dataset']}_class{study['class']}"
            outputs += [f"{RESULTS}/{experiment}/figures/{name}.png", f"{RESULTS}/{experiment}/tables/{name}.csv"]
        if quantum_models(experiment):
            outputs.append(f"{figures}/quantum_grads.png")
            outputs += [f"{figures}/circuit_{m}.png" for m in quantum_models(experiment)]
    return outputs
