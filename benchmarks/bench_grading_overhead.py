"""Grading one submission vs executing the same notebook bare, per assignment, on one BLAS thread.

For each assignment's solution notebook (its student package beside it):

- bare: `jupyter nbconvert --to notebook --execute` in a new process, OPENBLAS/OMP/MKL threads 1;
- graded: `cs231n-course autograde --workers 1` grading three copies of the same submission in one
  run; the median of the last two copies' grading times (the first pays the run's one-off costs:
  the reference results, the fork server's imports), each in a throwaway course of its own with the
  hidden checks' probes, the sandbox and nbgrader's bookkeeping.

The ratio graded / bare is the grading overhead (target <= 1.15). The hidden checks run the student's
side of every plan in the kernel, as much work as the reference's; the column "probes" is that
reference work, measured here on one thread, so the overhead beyond the checks themselves shows too.
Each assignment's ratio is also recorded for bench_table.py (timing.record).

Run: .venv/bin/python benchmarks/bench_grading_overhead.py [assignment ...]   (about 5 minutes)
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from timing import record

from cs231n_lib.grading import samples
from cs231n_lib.grading.checks import all_checks
from cs231n_lib.grading.course import REPO_ROOT, STUDENT_PACKAGE, assignments
from cs231n_lib.grading.demo import make_demo_course
from cs231n_lib.grading.judge import forget_reference_results, reference_results
from cs231n_lib.grading.nbgrader_runner import nbgrader_environment
from cs231n_lib.grading.parallel import autograde_parallel
from cs231n_lib.grading.release import release

ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "agg"}
COPIES = 3


def bare_seconds(assignment: str, notebook: str) -> float:
    nb = samples.solution_submission(REPO_ROOT, assignment, notebook, [])
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copytree(REPO_ROOT / "release" / assignment / STUDENT_PACKAGE, Path(scratch) / STUDENT_PACKAGE)
        path = Path(scratch) / f"{notebook}.ipynb"
        nbformat.write(nb, path)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                        "--ExecutePreprocessor.timeout=600", "--output", "executed", str(path)],
                       cwd=scratch, env={**nbgrader_environment(), **ONE_THREAD}, check=True, capture_output=True)
        return time.perf_counter() - started


def graded_seconds(assignment: str) -> float:
    base = Path(os.environ.get("CS231N_OUTSIDE_TMP", "/var/tmp"))
    with tempfile.TemporaryDirectory(prefix="cs231n-bench-", dir=base) as scratch:
        root = Path(scratch) / "course"
        make_demo_course(REPO_ROOT, root)
        release(root, assignment)
        spec = next(a for a in assignments() if a.name == assignment)
        notebooks = {name: samples.solution_submission(root, assignment, name, []) for name in spec.notebooks}
        students = [f"copy{index}" for index in range(COPIES)]
        for student in students:
            samples.write_submission(root, student, assignment, notebooks)
        runs = autograde_parallel(root, assignment, students, workers=1, force=True, progress=False)
        assert all(run.ok for run in runs), [(run.student, run.message) for run in runs]
        return statistics.median(run.seconds for run in runs[1:])


def probe_seconds(assignment: str) -> float:
    forget_reference_results()  # grading above computed them in this process
    started = time.perf_counter()
    for check_id in all_checks():
        if check_id.startswith(assignment + "."):
            reference_results(check_id)
    return time.perf_counter() - started


def main(names: list[str]) -> None:
    print(f"load average {os.getloadavg()[0]:.1f}; one BLAS thread; graded = median of copies 2..{COPIES}")
    print(f"{'assignment':18} {'bare s':>7} {'graded s':>9} {'graded/bare':>12} {'probes s':>9}")
    ratios = []
    for spec in assignments():
        if names and spec.name not in names:
            continue
        bare = sum(bare_seconds(spec.name, notebook) for notebook in spec.notebooks)
        graded = graded_seconds(spec.name)
        ratios.append(graded / bare)
        record(f"grading / bare execution on one BLAS thread, {spec.name}", graded / bare, "<= 1.15",
               note=f"bare {bare:.1f} s, graded {graded:.1f} s")
        print(f"{spec.name:18} {bare:7.1f} {graded:9.1f} {graded / bare:12.2f} {probe_seconds(spec.name):9.2f}",
              flush=True)
    print(f"{'all':18} {'':7} {'':9} {max(ratios):12.2f} (worst)   target <= 1.15")


if __name__ == "__main__":
    main(sys.argv[1:])
