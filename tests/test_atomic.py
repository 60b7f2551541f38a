"""Atomic writes: complete or absent, and readable as the umask allows (not 0600)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from qgen.atomic import atomic_path, atomic_write_text


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "out.txt") as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_files_follow_the_umask(tmp_path: Path) -> None:
    """Run in a child process so its umask is the one qgen reads at import."""
    code = ("import os; os.umask(0o022); from qgen.atomic import atomic_write_text; "
            f"atomic_write_text({str(tmp_path / 'a.txt')!r}, 'x')")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644
    code = code.replace("0o022", "0o077").replace("a.txt", "b.txt")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert stat.S_IMODE((tmp_path / "b.txt").stat().st_mode) == 0o600
    atomic_write_text(tmp_path / "c.txt", "y")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE((tmp_path / "c.txt").stat().st_mode) == 0o666 & ~mask
