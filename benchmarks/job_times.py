"""Per-job times of a run from Snakemake's benchmark files (logs/benchmarks/{rule}/...tsv).

    python benchmarks/job_times.py logs/benchmarks --out job_times.md [--by-setting]

One row per (rule, experiment's base, model), or per swept setting too with ``--by-setting``:
jobs, mean and max wall seconds, mean CPU seconds
(on a shared machine wall time is an upper bound; CPU time is what the job itself cost).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd


def collect(root: Path) -> pd.DataFrame:
    rows = []
    for path in sorted(root.glob("*/**/*.tsv")):
        parts = path.relative_to(root).parts  # rule / experiment / dataset / unit / model / seed.tsv
        frame = pd.read_csv(path, sep="\t")
        if frame.empty:
            continue
        last = frame.iloc[-1]
        rule, experiment = parts[0], parts[1] if len(parts) > 2 else ""
        rows.append({"rule": rule, "experiment": experiment.split("__")[0],
                     "setting": experiment.partition("__")[2] or "base",
                     "model": parts[4] if len(parts) >= 6 else "", "wall_s": float(last["s"]),
                     "cpu_s": float(last["cpu_time"]), "max_rss_mb": float(last["max_rss"])})
    return pd.DataFrame(rows)


def summary(jobs: pd.DataFrame, by_setting: bool = False) -> pd.DataFrame:
    grouped = jobs.groupby(["rule", "experiment", *(["setting"] if by_setting else []), "model"])
    return grouped.agg(jobs=("wall_s", "size"), wall_mean_s=("wall_s", "mean"), wall_max_s=("wall_s", "max"),
                       cpu_mean_s=("cpu_s", "mean"), rss_max_mb=("max_rss_mb", "max")).round(1).reset_index()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="logs/benchmarks")
    parser.add_argument("--out", type=Path, help="Markdown table (default: print)")
    parser.add_argument("--by-setting", action="store_true", help="a row per swept setting too")
    args = parser.parse_args()
    table = summary(collect(args.root), args.by_setting).to_markdown(index=False)
    if args.out:
        args.out.write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
