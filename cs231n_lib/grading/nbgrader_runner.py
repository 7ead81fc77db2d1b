"""Run nbgrader's own command line against a course directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message carries the command and the end of its log."""


def nbgrader_environment() -> dict[str, str]:
    environment = dict(os.environ)
    # nbgrader creates the gradebook with the `alembic` command, found on PATH.
    environment["PATH"] = os.path.dirname(sys.executable) + os.pathsep + environment.get("PATH", "")
    environment.setdefault("MPLBACKEND", "agg")
    return environment


def run_nbgrader(course_root: Path, *arguments: str, check: bool = True) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "nbgrader", *arguments]
    completed = subprocess.run(
        command, cwd=course_root, env=nbgrader_environment(), capture_output=True, text=True
    )
    if check and completed.returncode != 0:
        log = (completed.stdout + completed.stderr).strip().splitlines()
        tail = "\n".join(log[-25:])
        raise NbgraderError(f"`nbgrader {' '.join(arguments)}` failed (exit {completed.returncode}):\n{tail}")
    return completed
