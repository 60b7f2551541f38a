# Config validation, path patterns, input functions and the target lists every rule file uses.

import os
import shlex
from pathlib import Path

from qgen.config import (
    ConfigError,
    circuit_models,
    classes,
    comparisons,
    dumps_slice,
    figure_slice,
    is_swept,
    measures_used,
    prepare_config,
    resolved_model,
    sample_slice,
    score_slice,
    section,
    sweep_family,
    sweep_slice,
    target_experiments,
    train_slice,
    trained_models,
    training_experiment,
    units,
)
from qgen.data import dataset_info
from qgen.families import family_class
from qgen.measures import MEASURES
from qgen.studies import STUDIES
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
# A target's claims: results/claims/{target}.csv/.md/.html/.json, and a forest plot per study.
FOREST = f"{RESULTS}/claims/{{target}}/forest_{{study}}.png"
RUN_LOG = RUN_PATTERN
ENV = "../envs/qgen.yaml"  # every rule's software (used with --sdm conda)
# Execution settings reach the jobs as threads and resources, never as params (a rerun trigger):
# changing the device or the thread count reruns nothing.
DEVICE = config["execution"]["device"]
THREADS = config["execution"]["threads"]
GPUS = 1 if DEVICE.startswith("cuda") else 0  # what a job asks a cluster scheduler for
# The data mirror reaches prepare-data as a resource, not a param: moving the mirror must not
# redo prepared data. QGEN_DATA_MIRROR, where the user sets it, wins (qgen.fetch.resolve_mirror).
MIRROR = str(Path(config["data"]["mirror"]).resolve()) if config["data"].get("mirror") else ""


wildcard_constraints:
    experiment=r"[A-Za-z0-9_.\-]+",
    dataset=r"[A-Za-z0-9_]+",
    unit=r"\d+|all",
    model=r"[A-Za-z0-9_\-]+",
    seed=r"\d+",
    feature=r"[a-z_]+",
    split=r"[a-z]+",
    ref=r"class\d+|all|classes[\d\-]+",
    target=r"[A-Za-z0-9_.\-]+",
    study=r"[A-Za-z0-9_\-]+",
    axis=r"[A-Za-z0-9_]+",
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


def claims_experiments_of(target):
    """The target's experiments whose scores enter its claims report (not descriptive ablations)."""
    return [e for e in target_experiments(config, target) if exp(e).get("claims", True)]


def table_pairs(experiment):
    """The model pairs an experiment's tables compare: its own comparisons, else its study's,
    those of its models only."""
    e = exp(experiment)
    pairs = e.get("comparisons") or STUDIES.get(e["study"]).comparisons
    return [(a, b) for a, b in pairs if a in e["models"] and b in e["models"]]


def interpolating_models(experiment):
    """Models whose family encodes to and decodes from a latent space (latent interpolations)."""
    return [
        m
        for m in exp(experiment)["models"]
        if all(
            callable(getattr(family_class(resolved_model(config, experiment, m)["family"]), a, None))
            for a in ("encode", "decode")
        )
    ]


def interpolation_runs(experiment):
    """The first unit's first-seed run of each interpolating model."""
    e = exp(experiment)
    unit = units(config, experiment)[0]
    return [
        trained_run_file(
            dict(experiment=experiment, dataset=e["dataset"], unit=unit, model=m, seed=e["seeds"][0]), "model.pt"
        )
        for m in interpolating_models(experiment)
    ]


def routes(experiment):
    """Whether a model of the experiment measures routing (the routing-curve figure)."""
    return any("routing" in measures_used(config, experiment, m) for m in exp(experiment)["models"])


def sampling_of(experiment):
    """The label of how an experiment samples its quantum models: noiseless, or its noise."""
    labels = {
        sampling_label(section(config, experiment, m, "sampling").get("quantum")) for m in exp(experiment)["models"]
    }
    return ",".join(sorted(labels))


def noise_experiments(experiment):
    """A swept experiment and the members of its sampling-time axes that sample under noise or
    with shots (the noise figure's experiments); [] when it has none."""
    members = [
        m
        for axis in (exp(experiment).get("sweep_members") or {}).values()
        for m in axis.values()
        if m != experiment and sampling_of(m) != NOISELESS
    ]
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
        trains = not e.get("sweep_of") or any(
            training_experiment(config, experiment, m) == experiment for m in e["models"]
        )
        outputs += [
            f"{RESULTS}/{experiment}/tables/scores.csv",
            f"{RESULTS}/{experiment}/tables/table.md",
        ]
        outputs += [f"{figures}/loss_curves.png", f"{figures}/loss_curves_per_class.png"] if trains else []
        outputs += [f"{figures}/samples_{unit}.png" for unit in units(config, experiment)]
        study = section(config, experiment, None, "scoring").get("sample_size_study")
        if study and study.get("class") is not None:
            name = f"fid_vs_n_{e['dataset']}_class{study['class']}"
            outputs += [f"{figures}/{name}.png", f"{RESULTS}/{experiment}/tables/{name}.csv"]
        circuits = circuit_models(config, experiment)
        if circuits and trains:
            outputs.append(f"{figures}/quantum_grads.png")
            outputs += [f"{figures}/circuit_{m}.png" for m in circuits]
        if is_swept(config, experiment):
            outputs += [f"{RESULTS}/{experiment}/tables/sweep.md", f"{figures}/sweep.png"]
        if interpolating_models(experiment) and trains:  # encoding and decoding: the trained run's
            outputs.append(f"{figures}/interpolations.png")
        if routes(experiment):
            outputs.append(f"{figures}/routing_curve.png")
        for axis in e.get("sweep_members") or {}:
            outputs += [f"{RESULTS}/{experiment}/tables/ablation_{axis}.md", f"{figures}/ablation_{axis}.png"]
        if noise_experiments(experiment):
            outputs += [f"{figures}/noise.png", f"{RESULTS}/{experiment}/tables/noise.md"]
        # the diagnostic depends on its settings only: drawn once, for the base of a sweep
        if section(config, experiment, None, "figures").get("trainability") and not e.get("sweep_of"):
            outputs += [f"{figures}/trainability.png", f"{RESULTS}/{experiment}/tables/trainability.csv"]
    return outputs


def target_studies(target):
    """The studies whose claims a target judges, in the target's order."""
    return list(dict.fromkeys(exp(e)["study"] for e in claims_experiments_of(target)))


def forest_plots(target):
    """Each study's forest plot of a target's claims, by study."""
    return {study: FOREST.format(target=target, study=study) for study in target_studies(target)}


def target_outputs(target):
    """Each experiment's tables and figures; where claims are judged, the target's claims page and
    each study's forest plot."""
    outputs = experiment_outputs(target_experiments(config, target))
    if not claims_experiments_of(target):
        return outputs
    claims = [f"{RESULTS}/claims/{target}.md", f"{RESULTS}/claims/{target}.html"]
    return outputs + claims + list(forest_plots(target).values())


def cache_key(wildcards):
    """What Snakemake's between-workflow cache must tell apart: it hashes a cached job's params,
    shell command and upstream jobs, not its wildcards (without this, digits and MNIST collide)."""
    return dict(wildcards.items())


def data_root(wildcards, input):
    """The prepared-data folder, from the job's own prepared.json (no hard-coded prefix)."""
    return str(Path(input.prepared).parent.parent)


# --- scoring: feature networks and reference features ---


def feature_file(name, dataset):
    """Weights of a feature network: trained here (classifier) or fetched once (Inception)."""
    if name == "classifier":
        return f"{RESOURCES}/features/{dataset}/classifier.pt"
    return f"{RESOURCES}/weights/{name}.pth"


def scoring(wildcards):
    return section(config, wildcards.experiment, wildcards.model, "scoring")


def feature_inputs(wildcards):
    s = scoring(wildcards)
    names = {s["features"]} | ({s["paper_features"]} if "paper" in s["protocols"] else set())
    if any(MEASURES.get(m).needs_classifier for m in measures_used(config, wildcards.experiment, wildcards.model)):
        names.add("classifier")
    return {f"features_{n}": feature_file(n, wildcards.dataset) for n in sorted(names)}


def measure_inputs(wildcards):
    """What the run's measures read besides its samples: the trainer's other outputs (from the run
    that trained it: a sampling-time sweep member's are its base's)."""
    if not measures_used(config, wildcards.experiment, wildcards.model):
        return {}
    return {
        k: trained_run_file(wildcards, f"{k}.{ext}")
        for k, ext in (("model", "pt"), ("epochs", "csv"), ("losses", "csv"))
    }


def validator_file(name, dataset):
    """A gradable validator, fitted once per dataset for every experiment (S3-C1)."""
    return f"{RESOURCES}/validators/{dataset}/{name}.pt"


def validator_inputs(wildcards):
    """The fitted validators of the run's scoring.gradable, by name."""
    return {f"validator_{n}": validator_file(n, wildcards.dataset) for n in scoring(wildcards).get("gradable") or []}


def reference_feature_file(experiment, dataset, unit, model=None):
    """The standard protocol's reference features: extracted once per unit, shared by all runs."""
    s = section(config, experiment, model, "scoring")
    return (
        f"{RESOURCES}/reference_features/{dataset}/{s['features']}/"
        f"{s['reference_split']}_{reference_name(experiment, unit)}.npz"
    )


def score_reference_inputs(wildcards):
    if "standard" not in scoring(wildcards)["protocols"]:
        return {}
    w = wildcards
    return {"reference_features": reference_feature_file(w.experiment, w.dataset, w.unit, w.model)}


# --- tables, figures and claims ---


def paper_table_arg(wildcards):
    stem = exp(wildcards.experiment).get("paper_table")
    if not stem:
        return ""
    return f"--paper {shlex.quote(str(Path(config['paper_results_dir']) / f'{stem}.csv'))}"


def unit_runs(wildcards, name, trained=False):
    """A file of the first seed's run of every model of one unit (``trained``: a training output,
    from the run that trained it, as run_files)."""
    e = exp(wildcards.experiment)
    runs = [
        dict(
            experiment=wildcards.experiment, dataset=e["dataset"], unit=wildcards.unit, model=model, seed=e["seeds"][0]
        )
        for model in e["models"]
    ]
    return [trained_run_file(run, name) if trained else f"{RUN}/{name}".format(**run) for run in runs]


def unit_samples(wildcards):
    """The first seed's samples of every model of one unit."""
    return unit_runs(wildcards, "samples.npz")


def claims_experiments(wildcards):
    """Each experiment of a target as EXPERIMENT=STUDY:DATASET (stands_for if it stands in)."""
    args = []
    for experiment in claims_experiments_of(wildcards.target):
        e = exp(experiment)
        args.append(f"--experiment {experiment}={e['study']}:{e.get('stands_for') or e['dataset']}")
    return " ".join(args)


def forest_slice(target, study):
    """What a forest plot depends on besides the claims: its study and whether the run is a smoke run."""
    names = [e for e in claims_experiments_of(target) if exp(e)["study"] == study]
    return {"study": study, "smoke": any(bool(exp(e).get("smoke", False)) for e in names)}


def claims_slice(target):
    """What a claims report depends on: each experiment's study, stand-in, comparisons, smoke flag."""
    out = {}
    for experiment in claims_experiments_of(target):
        e = exp(experiment)
        out[experiment] = {
            "study": e["study"],
            "dataset": e.get("stands_for") or e["dataset"],
            "stands_in_for": e.get("stands_for"),
            "comparisons": e.get("comparisons"),
            "smoke": bool(e.get("smoke", False)),
            "sweep_of": e.get("sweep_of"),
            "sweep_base": e.get("sweep_base"),
        }
    return {"experiments": out, "claims": config["claims"]}


def ablation_inputs(wildcards):
    """The scores of every experiment serving a value of the axis (the base's included)."""
    served = exp(wildcards.experiment)["sweep_members"][wildcards.axis]
    return [f"{RESULTS}/{name}/tables/scores.csv" for name in dict.fromkeys(served.values())]


def ablation_slice(experiment, axis):
    """What an ablation table depends on: what it shows, and where each experiment sits on the axis."""
    e = exp(experiment)
    family = dict.fromkeys(e["sweep_members"][axis].values())
    return {
        "figures": {"ablation_metrics": section(config, experiment, None, "figures")["ablation_metrics"]},
        "experiments": {
            n: {"sweep_of": exp(n).get("sweep_of"), "sweep_base": exp(n).get("sweep_base")} for n in family
        },
        "values": e["sweep"][axis]["values"],
        "base": {axis: (e.get("sweep_base") or {}).get(axis)},
    }
