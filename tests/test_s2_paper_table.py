"""S2's comparison table: the report's estimates (its shipped CSV) beside our measurements."""

from __future__ import annotations

import pandas as pd
import pytest

from qgen.studies.s2 import paper_comparison

from conftest import SHARED

PAPER_CSV = SHARED / "paper_results" / "syndicate_model_comparison.csv"


def _scores() -> pd.DataFrame:
    rows = []
    for seed, (fid_vae, fid_qvae) in enumerate([(40.0, 44.0), (42.0, 47.0), (44.0, 44.0)]):
        rows += [
            {"model": "vae", "seed": seed, "protocol": "standard", "metric": "fid", "value": fid_vae,
             "features": "classifier"},
            {"model": "qvae", "seed": seed, "protocol": "standard", "metric": "fid", "value": fid_qvae,
             "features": "classifier"},
            {"model": "qvae", "seed": seed, "protocol": "training", "metric": "seconds_per_epoch", "value": 3.0,
             "features": None},
        ]
    return pd.DataFrame(rows)


def _row(table: str, model: str) -> dict[str, str]:
    lines = [line for line in table.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    for line in lines[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] == model:
            return dict(zip(header, cells))
    raise AssertionError(f"no row for {model}")


@pytest.mark.skipif(not PAPER_CSV.is_file(), reason="../shared/paper_results not beside the repository")
def test_report_estimates_sit_beside_our_means_over_seeds() -> None:
    table = paper_comparison(_scores(), PAPER_CSV)
    vae, qvae = _row(table, "vae"), _row(table, "qvae")
    assert vae["FID report (est.)"] == "30-40"
    assert vae["min/epoch report"] == "2"          # the report's "2-2": one value
    assert qvae["min/epoch report"] == "6-8"
    assert vae["FID ours (classifier)"].startswith("42 [")  # mean of 40, 42, 44 with its t interval
    assert qvae["s/epoch ours"] == "3"              # no spread: no interval
    assert vae["s/epoch ours"] == "–"               # not measured is shown as missing, not 0
    assert "gan" not in {line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| ")}
