# Config validation, path patterns, input functions and the target lists every rule file uses.

import os
import shlex
from pathlib import Path

from qgen.config import (
    ConfigError,
    classes,
    dumps_slice,
    figure_slice,
    prepare_config,
    resolved_model,
    sample_slice,
    score_slice,
    section,
    target_experiments,
    train_slice,
    trained_models,
    training_experiment,
    units,
)
from qgen.data import dataset_info
from qgen.families import family_class
from qgen.paths import RUN as RUN_PATTERN, reference_tag
from qgen.sample import NOISELESS, sampling_label

# A cluster job's own Snakemake (the SLURM executor runs it twice per job) gets the config the
# submitting run has checked: it only fills defaults and expands sweeps, skipping the semantic
# checks, which import torch and PennyLane.
try:
    prepare_config(config, check=not (workflow.remote_exec or workflow.subprocess_exec))
except ConfigError as err:
    raise WorkflowError(f"invalid config: {err}")

RESULTS = config["results_dir"]
RESOURCES = config["resources_dir"]
LOGS = config["logs_dir"]
DATA = f"{RESOURCES}/data"
RUN = f"{RESULTS}/{RUN_PATTERN}"
RUN_LOG = RUN_PATTERN
ENV = "../envs/qgen.yaml"  # every rule's software (used with --sdm conda)
# Execution settings reach the jobs as threads and resources, never as params (a rerun trigger):
# changing the device or the thread count reruns nothing.
DEVICE = config["execution"]["device"]
THREADS = config["execution"]["threads"]
GPUS = 1 if DEVICE.startswith("cuda") else 0  # what a job asks a cluster scheduler for
# The data mirror reaches prepare-data through the environment (QGEN_DATA_MIRROR, which wins
# when the user sets it), not as a param: moving the mirror must not redo prepared data.
if config["data"].get("mirror") and not os.environ.get("QGEN_DATA_MIRROR"):
    os.environ["QGEN_DATA_MIRROR"] = str(Path(config["data"]["mirror"]).resolve())


wildcard_constraints:
    experiment=r"[A-Za-z0-9_.\-]+",
    dataset=r"[A-Za-z0-9_]+",
    unit=r"\d+|all",
    model=r"[A-Za-z0-9_\-]+",
    seed=r"\d+",
    feature=r"[a-z_]+",
    split=r"[a-z]+",
    ref=r"class\d+|all|classes[\d\-]+",
    validator=r"[a-z_]+",


def slice_arg(slice_):
    """A job's config slice as a shell-quoted JSON argument (also its rerun trigger)."""
    return shlex.quote(dumps_slice(slice_))


def exp(name):
    return config["experiments"][name]


def experiment_runs(experiment, models=None, all_trained=False):
    """Every run of an experiment as wildcard dicts (``all_trained``: required models too)."""
    e = exp(experiment)
    chosen = trained_models(config, experiment) if all_trained else (models or e["models"])
    return [
        dict(experiment=experiment, dataset=e["dataset"], unit=unit, model=model, seed=seed)
        for unit in units(config, experiment)
        for model in chosen
        for seed in e["seeds"]
    ]


def run_files(experiment, name, trained=False):
    """A file of every run of an experiment; ``trained``: a training output, from the run that
    trained it (a sampling-time sweep member samples its base's runs)."""
    if trained:
        return [trained_run_file(run, name) for run in experiment_runs(experiment)]
    return [f"{RUN}/{name}".format(**run) for run in experiment_runs(experiment)]


def trained_run_file(run, name):
    """A training output of a run (model.pt, train.json, ...), in the folder of the experiment
    that trains it: its own, or the sweep base whose training it shares (training_experiment)."""
    run = dict(run)
    run["experiment"] = training_experiment(config, run["experiment"], run["model"])
    return f"{RUN}/{name}".format(**run)


def required_runs(wildcards):
    """The trained runs a model requires (same experiment, unit and seed; a sweep member's from
    its base when the base trains them alike), by role."""
    model = resolved_model(config, wildcards.experiment, wildcards.model)
    return {
        f"requires_{role}": trained_run_file({**dict(wildcards), "model": required}, "model.pt")
        for role, required in model["requires"].items()
    }


def quantum_models(experiment):
    """Models that simulate a circuit (a twin has a quantum block for its sizes only)."""
    out = []
    for m in exp(experiment)["models"]:
        resolved = resolved_model(config, experiment, m)
        if resolved["quantum"] and family_class(resolved["family"]).uses_circuit(resolved["settings"]):
            out.append(m)
    return out


def sampling_of(experiment):
    """The label of how an experiment samples its quantum models: noiseless, or its noise."""
    labels = {sampling_label(section(config, experiment, m, "sampling").get("quantum")) for m in exp(experiment)["models"]}
    return ",".join(sorted(labels))


def noise_experiments(experiment):
    """A swept experiment and the members of its sampling-time axes that sample under noise or
    with shots (the noise figure's experiments); [] when it has none."""
    members = [m for axis in (exp(experiment).get("sweep_members") or {}).values() for m in axis.values()
               if m != experiment and sampling_of(m) != NOISELESS]
    return [experiment, *dict.fromkeys(members)] if members else []


def reference_name(experiment, unit):
    e = exp(experiment)
    return reference_tag(unit, classes(config, experiment), dataset_info(e["dataset"]).n_classes)


def experiment_outputs(experiments):
    """What a target builds: each experiment's tables and figures."""
    outputs = []
    for experiment in experiments:
        e = exp(experiment)
        figures = f"{RESULTS}/{experiment}/figures"
        # a sampling-time sweep member (hardware noise) trains nothing: its training figures are its base's
        trains = not e.get("sweep_of") or any(training_experiment(config, experiment, m) == experiment
                                              for m in e["models"])
        outputs += [
            f"{RESULTS}/{experiment}/tables/scores.csv",
            f"{RESULTS}/{experiment}/tables/table.md",
        ]
        outputs += [f"{figures}/loss_curves.png"] if trains else []
        outputs += [f"{figures}/samples_{unit}.png" for unit in units(config, experiment)]
        study = section(config, experiment, None, "scoring").get("sample_size_study")
        if study and study.get("class") is not None:
            name = f"fid_vs_n_{e['dataset']}_class{study['class']}"
            outputs += [f"{figures}/{name}.png", f"{RESULTS}/{experiment}/tables/{name}.csv"]
        if quantum_models(experiment) and trains:
            outputs.append(f"{figures}/quantum_grads.png")
            outputs += [f"{figures}/circuit_{m}.png" for m in quantum_models(experiment)]
        if noise_experiments(experiment):
            outputs += [f"{figures}/noise.png", f"{RESULTS}/{experiment}/tables/noise.md"]
        # the diagnostic depends on its settings only: drawn once, for the base of a sweep
        if section(config, experiment, None, "figures").get("trainability") and not e.get("sweep_of"):
            outputs += [f"{figures}/trainability.png", f"{RESULTS}/{experiment}/tables/trainability.csv"]
    return outputs


def target_outputs(target):
    return experiment_outputs(target_experiments(config, target)) + [f"{RESULTS}/claims/{target}.md"]
