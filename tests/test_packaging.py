"""environment.yml stays in step with pyproject.toml."""

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def _specs(requirements: list[str]) -> dict[str, str]:
    return {_name(r): r.replace(" ", "") for r in requirements}


def test_environment_lists_every_pyproject_dependency_with_the_same_constraint() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = _specs(project["dependencies"] + extras["full"] + extras["test"] + extras["cluster"])
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    listed: list[str] = []
    for dep in env["dependencies"]:
        listed += dep["pip"] if isinstance(dep, dict) else [dep]
    have = _specs([d for d in listed if not d.startswith("-e")])
    missing = sorted(set(wanted) - set(have))
    assert not missing, f"environment.yml lacks {missing}"
    differing = {k: (wanted[k], have[k]) for k in wanted if wanted[k] != have[k]}
    assert not differing, f"constraints differ between pyproject.toml and environment.yml: {differing}"
    extra = sorted(set(have) - set(wanted) - {"python", "pip"})
    assert not extra, f"environment.yml lists {extra}, which pyproject.toml does not"
