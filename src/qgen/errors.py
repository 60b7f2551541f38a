"""Errors meant for users: each message names the problem (a key, a file) and the fix.

The CLI prints them as one line; anything else is a bug and prints its traceback only with
``--debug``.
"""

from __future__ import annotations


class QgenError(RuntimeError):
    """A failure the user can fix; the message says how."""
