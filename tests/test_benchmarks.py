"""The benchmark scripts are run by hand, so nothing else notices when they rot: these tests load
each one as a module, check that it reads the shipped config the way the Snakefile does, and
(slow) run the S2 benchmark end to end for one step."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from conftest import REPO, SHIPPED_CONFIGS

BENCHMARKS = sorted((REPO / "benchmarks").glob("*.py"))


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.name)
def test_benchmark_imports_without_running(path: Path) -> None:
    module = _load(path)
    assert callable(getattr(module, "main", None)), f"{path.name} has no main()"


def test_s2_benchmark_reads_every_shipped_config_file() -> None:
    from qgen.config import load_config, trained_models

    module = _load(REPO / "benchmarks" / "bench_s2.py")
    assert list(module.CONFIGS) == SHIPPED_CONFIGS
    models = trained_models(load_config(*module.CONFIGS), "s2_mnist")
    assert {"vae", "qvae", "qvae_twin", "gan", "qgan", "qgan_twin", "vqvae_prior", "router"} <= set(models)


@pytest.mark.slow
def test_s2_benchmark_runs_one_step_of_every_model(tmp_path: Path) -> None:
    out = tmp_path / "b.md"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_s2.py"), "--steps", "1", "--report-batch", "0",
                    "--out", str(out)], check=True, cwd=tmp_path, capture_output=True, timeout=900)
    rows = [line.split("|")[1].strip() for line in out.read_text().splitlines() if line.startswith("| ")][1:]
    assert {"vae", "qvae", "qvae_twin", "gan", "qgan", "qgan_twin", "vqvae_prior", "router"} <= set(rows)
