"""One notebook, one score: every grading path gives every submission the same per-cell scores.

The paths an instructor can take: plain `nbgrader autograde` (one process, the instructor's shell
environment, no BLAS thread pin), and `cs231n-course autograde` with `--workers 1`, with its
default local Dask cluster, and with `--scheduler` (an external cluster). Each path grades every
sample submission of every assignment (the solution, the untouched release, the planted bugs and
the planted alternatives) into the same gradebook, one path after the other, so a submission
graded by one path is regraded by the next: the scores must not move.

Slow (every notebook four times): `make test-paths`, which .ci/run runs after `make test`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest
from dask_cluster import dask_cluster

from cs231n_lib.grading import samples
from cs231n_lib.grading.course import assignments
from cs231n_lib.grading.demo import make_demo_course
from cs231n_lib.grading.gradebook import autograded_cells, scores
from cs231n_lib.grading.nbgrader_runner import nbgrader_environment
from cs231n_lib.grading.release import release

pytestmark = pytest.mark.paths

PATHS = ("plain nbgrader autograde", "cs231n-course autograde --workers 1", "cs231n-course autograde",
         "cs231n-course autograde --scheduler")


def instructor_environment() -> dict[str, str]:
    """A shell's environment: nothing that pins BLAS threads (a Dask worker would set them)."""
    pinned = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    return {k: v for k, v in nbgrader_environment().items() if k not in pinned}


def grade(root: Path, path: str, names: list[str], scheduler: str) -> str:
    """Grade every submission of the named assignments along path, in a process of its own; its log.

    Plain nbgrader grades one assignment per command; the cs231n-course paths take them all at once
    (a cluster queues every submission together).
    """
    if path == "plain nbgrader autograde":
        (assignment,) = names
        command = [sys.executable, "-m", "nbgrader", "autograde", assignment, "--force"]
    else:
        command = [sys.executable, "-m", "cs231n_lib.grading.cli", "--root", str(root), "autograde", *names,
                   "--force"]
        if path.endswith("--workers 1"):
            command += ["--workers", "1"]
        elif path.endswith("--scheduler"):
            command += ["--scheduler", scheduler]
    completed = subprocess.run(command, cwd=root, env=instructor_environment(), capture_output=True, text=True,
                               timeout=3600)
    return f"$ {' '.join(command[1:])}\n{log_excerpt(completed.stdout)}{log_excerpt(completed.stderr)}"


def log_excerpt(log: str, tail: int = 3000) -> str:
    """The log's tail and, when it failed earlier than that, its first error with the traceback after it.

    A grading that fails names the student at the end of nbgrader's log, but its traceback comes at
    the failure, often many notebooks before the end.
    """
    starts = [at for at in (log.find("Traceback"), log.find("| ERROR]")) if at >= 0]
    if not starts or min(starts) >= len(log) - tail:
        return log[-tail:]
    first = log.rfind("\n", 0, min(starts)) + 1
    return f"{log[first:first + 4 * tail]}\n[...]\n{log[-tail:]}"


def selected_assignments(request) -> list[str]:
    """The assignments whose tests were selected (`-k knn` grades knn only); all by default."""
    chosen = {item.callspec.params["assignment"] for item in request.session.items
              if hasattr(item, "callspec") and "assignment" in item.callspec.params}
    return [a.name for a in assignments() if not chosen or a.name in chosen]


@pytest.fixture(scope="module")
def scores_by_path(request, repo_root):
    # Outside /tmp: the sandbox's private /tmp would hide mistakes of isolation.
    base = Path(os.environ.get("CS231N_OUTSIDE_TMP", "/var/tmp"))
    scratch = Path(tempfile.mkdtemp(prefix="cs231n-paths-", dir=base))
    try:
        root = scratch / "course"
        make_demo_course(repo_root, root)
        expected, names = {}, selected_assignments(request)
        for spec in (a for a in assignments() if a.name in names):
            release(root, spec.name, with_solutions=False)
            bugs = samples.write_sample_submissions(root, spec.name, hanging=False)
            cells = dict(autograded_cells(root, spec.name))
            lost = {student: set().union(*(bug.loses for bug in b)) if b else set() for student, b in bugs.items()}
            expected[spec.name] = {student: {cell: 0.0 if cell in lost[student] else points
                                             for cell, points in cells.items()} for student in bugs}
            expected[spec.name]["release"] = dict.fromkeys(cells, 0.0)
        found, logs, seconds = {}, {}, {}
        (scratch / "cluster").mkdir()
        with dask_cluster(scratch / "cluster") as (client, _):

            def grade_one(path: str, name: str) -> str:
                started = time.perf_counter()
                output = grade(root, path, [name], client.scheduler.address)
                seconds[name] = time.perf_counter() - started
                return output

            for path in PATHS:
                if path in ("cs231n-course autograde", "cs231n-course autograde --scheduler"):
                    # One command for every assignment, as an instructor grading a whole course would.
                    outputs = dict.fromkeys(names, grade(root, path, names, client.scheduler.address))
                else:
                    # Two assignments at a time: each still goes the whole path (one process grading
                    # serially), and the 2-core machine stays busy. The longest (by the last path's
                    # times) go first, so no core idles while the last one finishes.
                    order = sorted(names, key=lambda name: -seconds.get(name, 0.0))
                    with ThreadPoolExecutor(2) as pool:
                        outputs = dict(zip(order, pool.map(partial(grade_one, path), order), strict=True))
                for name in names:
                    logs[path, name] = outputs[name]
                    found[path, name] = {row.student: row.cells for row in scores(root, name)}
        yield expected, found, logs
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("assignment", [a.name for a in assignments()])
def test_every_path_gives_the_expected_per_cell_scores(scores_by_path, path, assignment):
    expected, found, logs = scores_by_path
    got = found[path, assignment]
    wrong = {student: {cell: (score, expected[assignment][student][cell])
                       for cell, score in got.get(student, {}).items() if score != expected[assignment][student][cell]}
             for student in expected[assignment]}
    wrong = {student: cells for student, cells in wrong.items() if cells or student not in got}
    assert not wrong, f"(got, expected) per cell:\n{wrong}\n{logs[path, assignment]}"


def test_regrading_along_another_path_never_moves_a_score(scores_by_path):
    expected, found, _ = scores_by_path
    for name in expected:
        first = found[PATHS[0], name]
        for path in PATHS[1:]:
            assert found[path, name] == first, (name, path)


def test_a_failed_gradings_traceback_is_kept_however_long_the_log():
    failure = ("[AutogradeApp | ERROR] There was an error processing assignment: knn\n"
               "Traceback (most recent call last):\n")
    log = "[AutogradeApp | INFO] Converting notebook\n" * 200 + failure + "[AutogradeApp | INFO] Writing\n" * 400
    kept = log_excerpt(log)
    assert failure in kept and kept.endswith(log[-3000:])
    assert log_excerpt("[AutogradeApp | INFO] Writing\n" * 400) == ("[AutogradeApp | INFO] Writing\n" * 400)[-3000:]
