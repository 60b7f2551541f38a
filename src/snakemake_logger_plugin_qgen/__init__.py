"""qgen's Snakemake plugin: config files that fail to parse are named with their line.

Snakemake imports every installed logger plugin when its command line starts, before it reads
``--configfile``. On import this module makes Snakemake's config-file loader report a YAML syntax
error with the file, line and column and the fix; Snakemake's own message ("Config file is not
valid JSON or YAML") names neither. Everything else is Snakemake's own behaviour.

As a logger (``snakemake --logger qgen``) it writes each log message as one plain line to
standard error, without colours: readable in the log files of cluster runs.
"""

from __future__ import annotations

import sys
from logging import LogRecord

from snakemake_interface_logger_plugins.base import LogHandlerBase


def _load_configfile_naming_the_line(path):  # type: ignore[no-untyped-def]
    """Snakemake's ``load_configfile``, but a YAML error says where it is."""
    import yaml
    from snakemake_interface_common.exceptions import WorkflowError

    try:
        return _original_load_configfile(path)
    except WorkflowError:
        if not isinstance(path, (str, bytes)) and not hasattr(path, "__fspath__"):
            raise
        try:
            with open(path, encoding="utf-8") as handle:
                yaml.safe_load(handle)
        except yaml.YAMLError as err:
            from qgen.config.loading import yaml_error_message

            raise WorkflowError(yaml_error_message(path, err)) from None
        except OSError:
            pass
        raise


def _install() -> None:
    global _original_load_configfile
    try:
        from snakemake.settings import types as settings_types
    except ImportError:  # Snakemake's layout changed: keep its own message
        return
    if getattr(settings_types.load_configfile, "__name__", "") == _load_configfile_naming_the_line.__name__:
        return
    _original_load_configfile = settings_types.load_configfile
    settings_types.load_configfile = _load_configfile_naming_the_line


_original_load_configfile = None
_install()


class LogHandler(LogHandlerBase):
    """Plain one-line messages on standard error."""

    def emit(self, record: LogRecord) -> None:
        message = record.getMessage() if record.msg is not None else ""
        if message:
            print(message, file=sys.stderr, flush=True)

    @property
    def writes_to_stream(self) -> bool:
        return True

    @property
    def writes_to_file(self) -> bool:
        return False

    @property
    def has_filter(self) -> bool:
        return False

    @property
    def has_formatter(self) -> bool:
        return False

    @property
    def needs_rulegraph(self) -> bool:
        return False
