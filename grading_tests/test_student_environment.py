"""A release folder runs as handed out: with only what its requirements.txt installs.

Each notebook runs in a kernel whose Python sees the standard library and the distributions its
requirements.txt names (with what they depend on), nothing else of this project's environment:
not the grading tools, not the reference library, not Dask. The solution notebook must run without
an error; the untouched release must first fail where a student's code is missing.

Seven notebooks run twice (about 2.5 minutes), so `.ci/run` runs these after `make test`
(`make test-student-env`).
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from student_kernel import write_kernelspec

from cs231n_lib.grading.course import REPO_ROOT, assignments

pytestmark = pytest.mark.student_env

MISSING_MODULE = {"ModuleNotFoundError", "ImportError"}


@pytest.fixture(scope="module")
def isolated_kernel(tmp_path_factory, monkeypatch_module):
    """Per assignment: the name of a kernel limited to its release's requirements (built once)."""
    kernels = tmp_path_factory.mktemp("jupyter")
    monkeypatch_module.setenv("JUPYTER_PATH", str(kernels))
    built = {}

    def build(assignment):
        if assignment not in built:
            built[assignment] = write_kernelspec(kernels, f"isolated-{assignment}", REPO_ROOT / "release" / assignment,
                                                 tmp_path_factory.mktemp(f"site-{assignment}"))
        return built[assignment]

    return build


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def run_isolated(notebook_path: Path, kernel: str):
    """Run the notebook in its folder with that kernel; the executed notebook."""
    nb = nbformat.read(notebook_path, as_version=4)
    NotebookClient(nb, timeout=300, allow_errors=True, kernel_name=kernel,
                   resources={"metadata": {"path": str(notebook_path.parent)}}).execute()
    return nb


def errors_of(nb) -> list[tuple[int, str, str]]:
    """(cell index, error name, message) of every error output."""
    return [(index, output["ename"], output["evalue"][:300]) for index, cell in enumerate(nb.cells)
            for output in cell.get("outputs", []) if output.get("output_type") == "error"]


def copy_folder(top: str, assignment: str, destination: Path) -> Path:
    folder = destination / assignment
    shutil.copytree(REPO_ROOT / top / assignment, folder)
    return folder


def test_the_isolated_kernel_sees_only_the_requirements(isolated_kernel, tmp_path):
    """The test below would prove nothing if the kernel could still import what students lack."""
    folder = copy_folder("release", "knn", tmp_path)
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import importlib.util, json\n"
        "print(json.dumps({name: importlib.util.find_spec(name) is not None\n"
        "                  for name in ['numpy', 'matplotlib', 'cs231n', 'cs231n_lib', 'dask', 'pytest', 'tqdm']}))")])
    nbformat.write(probe, folder / "probe.ipynb")
    nb = run_isolated(folder / "probe.ipynb", isolated_kernel("knn"))
    assert errors_of(nb) == []
    found = json.loads(nb.cells[0].outputs[0]["text"])
    assert found == {"numpy": True, "matplotlib": True, "cs231n": True, "cs231n_lib": False, "dask": False,
                     "pytest": False, "tqdm": False}


@pytest.mark.parametrize("assignment", [a.name for a in assignments()])
def test_the_solution_runs_and_the_release_stops_first_at_a_todo(assignment, isolated_kernel, tmp_path):
    """The solution runs clean and keeps the running times its text promises; the untouched release's
    first error is a missing solution and no cell misses a module. (Cells after a failed one still
    fail on what it did not define; the course package's note names the failed cell, see
    test_cell_errors.py.)"""
    kernel = isolated_kernel(assignment)
    spec = next(a for a in assignments() if a.name == assignment)
    solution = copy_folder("solutions", assignment, tmp_path / "solution")
    release = copy_folder("release", assignment, tmp_path / "release")
    for notebook in spec.notebooks:
        executed = run_isolated(solution / f"{notebook}.ipynb", kernel)
        assert errors_of(executed) == [], f"{assignment}: the solution"
        assert broken_time_promises(executed, assignment) == []
        errors = errors_of(run_isolated(release / f"{notebook}.ipynb", kernel))
        assert errors and errors[0][1] == "NotImplementedError", (assignment, errors[:3])
        assert [error for error in errors if error[1] in MISSING_MODULE] == [], assignment


# "runs in about 10 s", "no cell takes more than about 4 s", "in about 3 seconds": measured in the
# run above (one BLAS thread, as the grader), against a generous bound for slower machines.
TIME_PROMISE = re.compile(r"\babout (?P<seconds>\d+(?:\.\d+)?) (?:s|seconds)\b")
TIME_MARGIN = 3


def cell_seconds(cell) -> float:
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    return (datetime.fromisoformat(end.replace("Z", "+00:00")) -
            datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()


def broken_time_promises(nb, assignment: str) -> list[str]:
    """Each running time a markdown cell promises, against the executed notebook: the whole notebook,
    the slowest cell, or the next code cell (a promise in the text before it)."""
    seconds = [cell_seconds(cell) if cell.cell_type == "code" else 0.0 for cell in nb.cells]
    broken, checked = [], 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for promise in TIME_PROMISE.finditer(cell.source):
            promised = float(promise["seconds"])
            clause = re.split(r"[.;]\s", cell.source[:promise.start()])[-1]  # the promise's own sentence part
            if "whole notebook runs" in clause:
                measured, what = sum(seconds), "the whole notebook"
            elif "no cell takes more than" in clause:
                measured, what = max(seconds), f"the slowest cell (#{seconds.index(max(seconds))})"
            else:
                following = next((i for i in range(index + 1, len(nb.cells)) if nb.cells[i].cell_type == "code"), None)
                if following is None:
                    continue
                measured, what = seconds[following], f"cell #{following}"
            checked += 1
            print(f"{assignment}: {what}: promised about {promised:g} s, took {measured:.1f} s")
            if measured > TIME_MARGIN * promised:
                broken.append(f"{what}: promised about {promised:g} s, took {measured:.1f} s")
    if checked == 0:
        broken.append("no running-time promise found: the notebook should state its running time")
    return broken
