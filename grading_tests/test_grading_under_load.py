"""Load never costs points: every assignment's solution keeps full marks while two CPU-bound
processes keep both cores busy (the production time limits; the knn speed check included).

Slow: `make test-paths`, which .ci/run runs after `make test`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from cs231n_lib.grading import samples
from cs231n_lib.grading.course import assignments
from cs231n_lib.grading.demo import make_demo_course
from cs231n_lib.grading.gradebook import autograded_cells, scores
from cs231n_lib.grading.nbgrader_runner import nbgrader_environment
from cs231n_lib.grading.release import release

pytestmark = pytest.mark.paths


@pytest.fixture
def busy_machine():
    """Two processes that burn a core each until the test stops them (by process id)."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        yield [burner.pid for burner in burners]
    finally:
        for burner in burners:
            os.kill(burner.pid, signal.SIGKILL)
            burner.wait()


def test_solutions_keep_full_marks_while_both_cores_are_busy(busy_machine, outside_tmp, repo_root):
    root = outside_tmp / "course"
    make_demo_course(repo_root, root)
    for spec in assignments():
        release(root, spec.name, with_solutions=False)
        samples.write_submission(root, "solution", spec.name,
                                 {n: samples.solution_submission(root, spec.name, n, []) for n in spec.notebooks})
    # One command for the whole course, as an instructor would grade it: one cluster, every solution queued.
    names = [spec.name for spec in assignments()]
    completed = subprocess.run(
        [sys.executable, "-m", "cs231n_lib.grading.cli", "--root", str(root), "autograde", *names],
        cwd=root, env=nbgrader_environment(), capture_output=True, text=True, timeout=3600)
    log = completed.stdout[-4000:] + completed.stderr[-4000:]
    for pid in busy_machine:  # the load lasted the whole run
        os.kill(pid, 0)
    assert completed.returncode == 0, log
    for name in names:
        cells = dict(autograded_cells(root, name))
        got = {row.student: row.cells for row in scores(root, name)}
        assert got == {"solution": cells}, f"{name}:\n{log}"
