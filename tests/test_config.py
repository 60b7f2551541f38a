"""Config validation: bad keys, datasets and classes fail before any job starts, naming them."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import pytest
import yaml

from qgen.config import ConfigError, job_slice, load_config, validate_schema, check_semantics

CONFIG = Path(__file__).resolve().parents[1] / "config" / "config.yaml"


def _raw() -> dict:
    return yaml.safe_load(CONFIG.read_text())


def _check(config: dict) -> None:
    validate_schema(config)
    check_semantics(config)


def test_shipped_config_is_valid() -> None:
    config = load_config(CONFIG)
    assert set(config["targets"]) >= {"all", "quickstart"}


@pytest.mark.parametrize(
    "mutate, named",
    [
        (lambda c: c.update(epochs=3), "epochs"),
        (lambda c: c["defaults"]["training"].update(learning_rate=1.0), "learning_rate"),
        (lambda c: c["experiments"]["s1_mnist"].update(dataset="cifar10"), "cifar10"),
        (lambda c: c["experiments"]["s1_mnist"].update(classes=[0, 10]), "class 10"),
        (lambda c: c["experiments"]["s1_mnist"].update(models=["quantum", "qgan"]), "qgan"),
        (lambda c: c["experiments"]["s1_mnist"].update(preset="nope"), "nope"),
        (lambda c: c["quantum"].update(backend="qiskit.aer"), "qiskit.aer"),
        (lambda c: c["models"]["quantum"]["quantum"].update(circuit="s9"), "s9"),
        (lambda c: c["targets"].update(all=["s1_mnist", "missing_exp"]), "missing_exp"),
    ],
)
def test_bad_config_is_rejected_with_the_culprit_named(mutate, named: str) -> None:
    config = _raw()
    mutate(config)
    with pytest.raises(ConfigError, match=named):
        _check(config)


def test_preset_and_experiment_overrides_merge_into_job_slice() -> None:
    config = load_config(CONFIG)
    config = copy.deepcopy(config)
    config["experiments"]["s1_mnist"]["preset"] = "authors_code"
    config["experiments"]["s1_mnist"]["training"] = {"epochs": 7}
    job = job_slice(config, "s1_mnist", "quantum")
    assert job["training"]["epochs"] == 7
    assert job["training"]["checkpoint"] == "min_batch_loss"
    assert job["model"]["quantum"]["detach_input"] is True
    assert job["training"]["lr"] == 3e-4
    classical = job_slice(config, "s1_mnist", "classical")
    assert classical["model"]["quantum"] is None and "quantum_backend" not in classical


def test_snakemake_refuses_a_bad_config_before_running(tmp_path: Path, repo: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("experiments:\n  quickstart:\n    classes: [0, 42]\n")
    result = subprocess.run(
        ["snakemake", "-n", "--cores", "1", "quickstart", "--configfile", str(repo / "config/config.yaml"), str(bad)],
        cwd=repo, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "class 42" in result.stdout + result.stderr
