"""How far the per-cell time limit is above the reference's own cell times, on one BLAS thread.

Executes every assignment's solution notebook with nbclient (its student package beside it, one
BLAS thread, as a grading kernel runs), and runs every hidden check's plan on the reference in
this process (also one thread), since a graded test cell runs its visible checks and then its
hidden checks' probes. Prints, per assignment, the slowest cell, its seconds, the configured
limit (nbgrader_config.py's Execute.timeout) and their ratio; the target is a ratio of at least 10.

Run directly: `.venv/bin/python benchmarks/bench_cell_times.py [assignment ...]` (a few minutes).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from nbclient import NotebookClient
from traitlets.config import Config

from cs231n_lib.grading import samples
from cs231n_lib.grading.course import REPO_ROOT as REPO
from cs231n_lib.grading.course import STUDENT_PACKAGE, assignments, check_cells, get_assignment, reference_namespace
from cs231n_lib.grading.judge import kernel_numerics
from cs231n_lib.grading.probe import run_plan


def configured_cell_limit() -> float:
    config = Config()
    source = (REPO / "nbgrader_config.py").read_text()
    exec(compile(source, "nbgrader_config.py", "exec"), {"get_config": lambda: config, "__file__": str(REPO / "x")})
    return float(config.Execute.timeout)


def cell_seconds(assignment: str, notebook: str) -> dict[str, float]:
    """Seconds each code cell of the solution notebook takes; keyed by grade id or cell index."""
    nb = samples.solution_submission(REPO, assignment, notebook, [])
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copytree(REPO / "release" / assignment / STUDENT_PACKAGE, Path(scratch) / STUDENT_PACKAGE)
        os.environ.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                           "MPLBACKEND": "agg"})
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": scratch}},
                       record_timing=True).execute()
    seconds = {}
    for index, cell in enumerate(nb.cells):
        timing = cell.metadata.get("execution", {})
        if cell.cell_type == "code" and "iopub.execute_input" in timing:
            start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
            name = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"
            seconds[name] = (end - start).total_seconds()
    return seconds


def probe_seconds(assignment: str) -> dict[str, float]:
    """Seconds each graded test cell's hidden checks take on the reference, on one thread."""
    namespace, per_cell, cells = reference_namespace(), {}, check_cells(assignment)
    for check in get_assignment(assignment).checks:
        plan = json.loads(check.plan().to_json())
        started = time.perf_counter()
        with kernel_numerics():
            run_plan(plan, namespace)
        per_cell[cells[check.id]] = per_cell.get(cells[check.id], 0.0) + time.perf_counter() - started
    return per_cell


def main(names: list[str]) -> None:
    limit = configured_cell_limit()
    print(f"cell time limit: {limit:.0f} s; load average now {os.getloadavg()[0]:.1f}")
    print(f"{'assignment':18} {'slowest cell':40} {'seconds':>8} {'limit / seconds':>16}")
    for spec in assignments():
        if names and spec.name not in names:
            continue
        seconds: dict[str, float] = {}
        for notebook in spec.notebooks:
            seconds.update(cell_seconds(spec.name, notebook))
        for cell, extra in probe_seconds(spec.name).items():
            seconds[cell] = seconds.get(cell, 0.0) + extra
        cell, slowest = max(seconds.items(), key=lambda item: item[1])
        print(f"{spec.name:18} {cell:40} {slowest:8.2f} {limit / slowest:16.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
