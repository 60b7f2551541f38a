"""The one command-line entry point, ``qgen``: every Snakemake rule calls a subcommand.

Jobs get their config either as ``--job`` (the JSON slice the Snakefile computes) or as
``--config FILE --experiment NAME [--model NAME]``, which computes the same slice, so every
step also runs by hand without Snakemake.
"""

from __future__ import annotations

import argparse
import sys

from qgen.cli import pipeline, reports, scoring


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qgen", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (pipeline, scoring, reports):
        module.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except Exception as err:  # one readable line for users; the traceback stays in the log
        from qgen.config import ConfigError
        from qgen.data import QgenDataError

        if isinstance(err, (ConfigError, QgenDataError)):
            print(f"qgen {args.command}: error: {err}", file=sys.stderr)
            raise SystemExit(2) from None
        raise


if __name__ == "__main__":
    main()
