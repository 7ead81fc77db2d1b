"""Is the committed release/ and solutions/ what `cs231n-course release` would write now?"""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .release import release


def _files(directory: Path) -> set[Path]:
    if not directory.exists():
        return set()
    return {p.relative_to(directory) for p in directory.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def stale_files(course_root: Path, assignments: list[str],
                progress: Callable[[str], None] | None = None) -> list[str]:
    """Regenerate into a scratch course and list every file that differs from the committed one;
    progress(assignment) is called as each assignment starts."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="cs231n-release-") as scratch:
        scratch_root = Path(scratch)
        shutil.copy(course_root / "nbgrader_config.py", scratch_root)
        shutil.copytree(course_root / "source", scratch_root / "source", symlinks=True)
        for assignment in assignments:
            if progress:
                progress(assignment)
            release(scratch_root, assignment)
            for top in ("release", "solutions"):
                committed, fresh = course_root / top / assignment, scratch_root / top / assignment
                for relative in sorted(_files(committed) | _files(fresh)):
                    a, b = committed / relative, fresh / relative
                    if not a.exists():
                        problems.append(f"missing: {top}/{assignment}/{relative}")
                    elif not b.exists():
                        problems.append(f"not generated any more: {top}/{assignment}/{relative}")
                    elif not filecmp.cmp(a, b, shallow=False):
                        problems.append(f"stale: {top}/{assignment}/{relative}")
    return problems
