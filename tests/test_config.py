"""Config: bad keys, names and sizes fail before any job starts, naming the culprit in a few lines;
settings merge in one documented order; sweeps expand; each job gets exactly its slice."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import pytest
import yaml

from qgen.config import (
    ConfigError,
    load_config,
    prepare_config,
    read_yaml,
    sample_slice,
    score_slice,
    section,
    target_experiments,
    train_slice,
    trained_models,
)

from conftest import SHIPPED_CONFIGS
from qgen.config import merge_files


def _raw() -> dict:
    return merge_files(SHIPPED_CONFIGS)


def test_shipped_config_is_valid() -> None:
    config = load_config(*SHIPPED_CONFIGS)
    assert set(config["targets"]) >= {"all", "quickstart"}


@pytest.mark.parametrize(
    "mutate, named",
    [
        (lambda c: c.update(epochs=3), "epochs"),
        (lambda c: c["defaults"]["training"].update(learning_rate=1.0), "learning_rate"),
        (lambda c: c["experiments"]["s1_mnist"].update(dataset="cifar10"), "cifar10"),
        (lambda c: c["experiments"]["s1_mnist"].update(classes=[0, 10]), "class 10"),
        (lambda c: c["experiments"]["s1_mnist"].update(models=["quantum", "qgan_v9"]), "qgan_v9"),
        (lambda c: c["experiments"]["s1_mnist"].update(preset="nope"), "nope"),
        (lambda c: c["experiments"]["s1_mnist"].update(study="s9"), "s9"),
        (lambda c: c["quantum"]["backend"].update(name="qiskit.aer"), "qiskit.aer"),
        (lambda c: c["models"]["quantum"]["quantum"].update(circuit="s9"), "s9"),
        (lambda c: c["models"]["quantum"].update(family="flow"), "flow"),
        (lambda c: c["models"]["quantum"]["denoiser"].update(widht=3), "widht"),
        (lambda c: c["targets"].update(all=["s1_mnist", "missing_exp"]), "missing_exp"),
        (lambda c: c["experiments"]["quickstart"].update(sampling={"n_samples": 4}), "n_samples"),
        (lambda c: c["experiments"]["s1_mnist_lowdata"]["sweep"]["n_train"].update(set="training.n_trian"),
         "n_trian"),
    ],
)
def test_bad_config_is_rejected_with_the_culprit_named(mutate, named: str) -> None:
    config = _raw()
    mutate(config)
    with pytest.raises(ConfigError, match=named) as err:
        prepare_config(config)
    assert len(str(err.value).splitlines()) <= 8  # a few lines, never a schema dump


def test_yaml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("experiments:\n  quickstart:\n    seeds: [0\n  training: x: 1\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml, line 4, column \d+: YAML syntax error"):
        read_yaml(bad)


def test_settings_merge_from_defaults_to_the_experiments_model_settings() -> None:
    config = _raw()
    config["models"]["quantum"]["training"] = {"lr": 1.0e-3, "batch_size": 16}
    config["presets"]["authors_code"]["training"]["batch_size"] = 32
    exp = config["experiments"]["s1_mnist"]
    exp.update(preset="authors_code", training={"epochs": 7},
               model_settings={"quantum": {"training": {"batch_size": 8}}})
    prepare_config(config)
    training = section(config, "s1_mnist", "quantum", "training")
    assert training["epochs"] == 7                       # experiment over defaults
    assert training["lr"] == 1.0e-3                      # model entry over defaults
    assert training["batch_size"] == 8                   # experiment's model_settings over all
    assert training["checkpoint"] == "min_batch_loss"    # preset over defaults
    classical = section(config, "s1_mnist", "classical", "training")
    assert classical["batch_size"] == 32 and classical["lr"] == 3.0e-4
    job = train_slice(config, "s1_mnist", "quantum")
    assert job["model"]["settings"]["denoiser"]["detach_input"] is True
    assert job["model"]["settings"]["denoiser"]["time_embedding"] == "authors"
    assert job["model"]["quantum"]["backend"] == {"name": "torch", "options": {}}
    assert train_slice(config, "s1_mnist", "classical")["model"]["quantum"] is None


def test_slices_hold_only_what_each_job_depends_on() -> None:
    config = load_config(*SHIPPED_CONFIGS)
    train = train_slice(config, "quickstart", "quantum")
    assert set(train) == {"experiment", "dataset", "train_on", "classes", "training", "model"}
    assert not {"sampling", "scoring", "figures", "device", "threads"} & (set(train["training"]) | set(train))
    assert set(sample_slice(config, "quickstart", "quantum")) == {"sampling"}
    assert set(score_slice(config, "quickstart", "quantum")) == {"experiment", "dataset", "classes", "scoring"}


def test_quantum_block_is_resolved_once_with_the_global_backend_as_default() -> None:
    config = _raw()
    config["quantum"]["backend"] = {"name": "lightning.qubit", "options": {}}
    config["models"]["quantum"]["quantum"]["backend"] = {"options": {"shots": 100}}
    prepare_config(config)
    block = train_slice(config, "s1_mnist", "quantum")["model"]["quantum"]
    assert block["backend"] == {"name": "lightning.qubit", "options": {"shots": 100}}
    assert block["circuit_params"] == {"n_qubits": 16, "n_layers": 3}


def test_sweep_expands_one_axis_at_a_time_and_reuses_the_base_value() -> None:
    config = _raw()
    config["experiments"]["s1_mnist"]["sweep"] = {
        "lr": {"set": "training.lr", "values": [1.0e-4, 3.0e-4]},          # 3e-4 is the base value
        "layers": {"set": "model_settings.quantum.quantum.circuit_params.n_layers", "values": [2, 4]},
    }
    prepare_config(config)
    members = config["experiments"]["s1_mnist"]["sweep_members"]
    assert members["lr"] == {"0.0001": "s1_mnist__lr-0.0001", "0.0003": "s1_mnist"}
    assert members["layers"] == {"2": "s1_mnist__layers-2", "4": "s1_mnist__layers-4"}
    assert train_slice(config, "s1_mnist__layers-2", "quantum")["model"]["quantum"]["circuit_params"]["n_layers"] == 2
    assert section(config, "s1_mnist__lr-0.0001", "quantum", "training")["lr"] == 1.0e-4
    assert target_experiments(config, "all")[:4] == ["s1_mnist", "s1_mnist__lr-0.0001", "s1_mnist__layers-2",
                                                     "s1_mnist__layers-4"]


def test_required_models_are_trained_before_the_models_that_need_them() -> None:
    from qgen.families import FAMILIES

    class NeedsTeacher(FAMILIES.get("ddpm")):
        requires_roles = ("teacher",)

    FAMILIES.register("ddpm_with_teacher")(NeedsTeacher)
    try:
        config = _raw()
        config["models"]["student"] = {**copy.deepcopy(config["models"]["classical"]), "family": "ddpm_with_teacher",
                                       "requires": {"teacher": "classical"}}
        config["experiments"]["quickstart"]["models"] = ["student"]
        prepare_config(config)
        assert trained_models(config, "quickstart") == ["classical", "student"]
        config["models"]["student"]["requires"] = {}
        with pytest.raises(ConfigError, match="teacher"):
            prepare_config(config)
    finally:
        FAMILIES._items.pop("ddpm_with_teacher")


def test_numbers_given_as_strings_by_snakemake_config_are_converted() -> None:
    config = _raw()
    config["experiments"]["quickstart"]["training"]["epochs"] = "2"
    config["experiments"]["quickstart"]["training"]["lr"] = "0.01"
    prepare_config(config)
    assert section(config, "quickstart", "quantum", "training")["epochs"] == 2
    assert section(config, "quickstart", "quantum", "training")["lr"] == 0.01


def test_snakemake_refuses_a_bad_config_before_running(tmp_path: Path, repo: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("experiments:\n  quickstart:\n    classes: [0, 42]\n")
    result = subprocess.run(
        ["snakemake", "-n", "--cores", "1", "quickstart", "--configfile", str(bad)],
        cwd=repo, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "class 42" in result.stdout + result.stderr


def test_snakemake_names_the_line_of_a_yaml_error_in_a_configfile(tmp_path: Path, repo: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("experiments:\n  quickstart: {seeds: [0}\n")
    result = subprocess.run(
        ["snakemake", "-n", "--cores", "1", "quickstart", "--configfile", str(bad)],
        cwd=repo, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "bad.yaml, line 2" in result.stdout + result.stderr


def test_grid_expands_the_product_and_adding_a_value_adds_only_its_members() -> None:
    from qgen.config import sweep_slice

    def expanded(schedules: list[str]) -> dict:
        config = _raw()
        config["experiments"]["s1_mnist_noise"]["grid"]["schedule"]["values"] = schedules
        return prepare_config(config)

    config = expanded(["cosine", "linear"])
    members = config["experiments"]["s1_mnist_noise"]["grid_members"]
    assert len(members) == 2 * 2 * 2  # noise x schedule x time-step sampling
    # The combination equal to the base is served by the base's runs.
    assert members["noise-pseudo__schedule-cosine__timesteps-uniform"] == "s1_mnist_noise"
    name = "s1_mnist_noise__noise-circuit__schedule-linear__timesteps-loss_weighted"
    assert members["noise-circuit__schedule-linear__timesteps-loss_weighted"] == name
    train = train_slice(config, name, "quantum")["model"]["settings"]["diffusion"]
    assert (train["noise_source"], train["schedule"], train["timestep_sampling"]) == ("circuit", "linear", "loss_weighted")
    assert sample_slice(config, name, "quantum")["sampling"]["noise_source"] == "circuit"
    assert not config["experiments"][name].get("grid") and config["experiments"][name]["claims"] is False
    more = expanded(["cosine", "linear", "sigmoid"])
    added = set(more["experiments"]) - set(config["experiments"])
    assert added == {f"s1_mnist_noise__noise-{n}__schedule-sigmoid__timesteps-{t}"
                     for n in ("pseudo", "circuit") for t in ("uniform", "loss_weighted")}
    # The summary slice names every member's setting, the base's from the defaults.
    job = sweep_slice(config, "s1_mnist_noise")
    assert job["members"]["s1_mnist_noise"] == {"noise": "pseudo", "schedule": "cosine", "timesteps": "uniform"}
    assert job["members"][name] == {"noise": "circuit", "schedule": "linear", "timesteps": "loss_weighted"}


def test_c5_design_and_what_enters_the_claims() -> None:
    from qgen.config import comparisons, sweep_slice

    config = load_config(*SHIPPED_CONFIGS)
    c5 = sweep_slice(config, "s1_mnist_lowdata")
    assert sorted(m["n_train"] for m in c5["members"].values()) == [10, 25, 50, 100, 250, 1000]
    base = config["experiments"]["s1_mnist_lowdata"]
    assert base["models"] == ["classical", "twin", "quantum"] and len(base["seeds"]) >= 5
    training = section(config, "s1_mnist_lowdata__n_train-10", "quantum", "training")
    assert training["data_seed"] is None and training["steps"] == 2800
    assert comparisons(config, "s1_mnist") == [["classical", "quantum"], ["twin", "quantum"]]
    assert comparisons(config, "quickstart") == [["classical", "quantum"]]  # the study's default
    assert "s1_mnist_noise" in target_experiments(config, "s1")
    assert config["experiments"]["s1_mnist_noise"]["claims"] is False


@pytest.mark.parametrize("noise, named", [
    ({"name": "qrng"}, "noise source 'qrng' is unknown"),
    ({"name": "circuit", "circuit": "nope"}, "circuit 'nope' is unknown"),
    ({"name": "pseudo", "bits_per_uniform": 8}, "takes no options"),
])
def test_a_bad_noise_source_is_named_before_any_job(noise: dict, named: str) -> None:
    config = _raw()
    config["experiments"]["quickstart"]["diffusion"]["noise_source"] = noise
    with pytest.raises(ConfigError, match=named):
        prepare_config(config)
