"""The one command-line entry point, ``qgen``: every Snakemake rule calls a subcommand.

Jobs get their config either as ``--job`` (the JSON slice the Snakefile computes) or as
``--config FILE [FILE ...] --experiment NAME [--model NAME]``, which computes the same slice,
so every step also runs by hand without Snakemake.

Errors reach the user as one message naming the problem and the fix; ``--debug`` (or
``QGEN_DEBUG=1``) shows the traceback instead.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import zipfile

import qgen
from qgen.cli import pipeline, reports, scoring


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qgen", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"qgen {qgen.__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (pipeline, scoring, reports):
        module.add_parsers(sub)
    return parser


def explain(err: BaseException) -> str | None:
    """One message with the fix for errors a user can meet; None for anything else (a bug)."""
    from qgen.errors import QgenError

    if isinstance(err, QgenError):
        return str(err)
    if isinstance(err, OSError) and err.errno == errno.ENOSPC:
        where = f" writing {err.filename}" if err.filename else ""
        return f"the disk is full{where}. Fix: free space (or point results_dir/resources_dir elsewhere) and rerun."
    if isinstance(err, FileNotFoundError):
        return f"{err.filename or err}: no such file. Fix: check the path, or let snakemake build it first."
    if isinstance(err, PermissionError):
        return f"{err.filename or err}: permission denied. Fix: check the file's owner and mode."
    if isinstance(err, (zipfile.BadZipFile, EOFError)) or "Unpickling" in type(err).__name__:
        return (f"a file is truncated or corrupt ({type(err).__name__}: {err}). Fix: delete the file the job "
                f"read (see the command line) and rerun: snakemake rebuilds it.")
    return None


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    debug = args.debug or os.environ.get("QGEN_DEBUG") == "1"
    try:
        args.handler(args)
    except KeyboardInterrupt:
        raise
    except Exception as err:
        message = explain(err)
        if debug:
            raise
        if message is None:
            message = (f"unexpected {type(err).__name__}: {err}. This is probably a bug in qgen: rerun with "
                       f"--debug (or QGEN_DEBUG=1) for the traceback and report it.")
        print(f"qgen {args.command}: error: {message}", file=sys.stderr)
        raise SystemExit(1 if explain(err) is None else 2) from None


if __name__ == "__main__":
    main()
