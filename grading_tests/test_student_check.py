"""The students' pre-submission check (`python -m cs231n.check`): what it finds without running the
notebook, and its answers to wrong input. Its verdicts on running notebooks are compared with
autograde's in test_nbgrader_pipeline.py."""

import json
import shutil
import subprocess
import sys

import nbformat
import pytest

from cs231n_lib.check import static_problems
from cs231n_lib.grading import samples


@pytest.fixture
def knn(repo_root):
    data = json.loads((repo_root / "release" / "knn" / "cs231n" / "check_data.json").read_text())
    solution = samples.solution_notebook(repo_root, "knn", "knn")
    cells = [{"cell_type": c.cell_type, "metadata": c.metadata, "source": c.source} for c in solution.cells]
    release = nbformat.read(repo_root / "release" / "knn" / "knn.ipynb", as_version=4)
    released_tests = {c.metadata["nbgrader"]["grade_id"]: c.source for c in release.cells
                      if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"}
    for cell in cells:  # the test cells as students get them: no hidden tests
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in released_tests:
            cell["source"] = released_tests[grade_id]
    return data["notebooks"]["knn"], cells


def _cell(cells, grade_id):
    return next(c for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def test_a_clean_solution_has_nothing_to_report(knn):
    data, cells = knn
    assert static_problems({"cells": cells}, data) == []


def test_what_costs_points_is_named(knn):
    data, cells = knn
    _cell(cells, "test_predict_labels")["source"] += "\nassert True  # my own check"
    cells.remove(_cell(cells, "test_knn_cross_validation"))
    solution = _cell(cells, "KNearestNeighbor")
    assert "        dists *= -2\n" in solution["source"]
    solution["source"] = solution["source"].replace("        dists *= -2\n", "        dists *= sum(-2 for _ in [0])\n")
    _cell(cells, "knn_cross_validation")["source"] = _cell(cells, "knn_cross_validation")["source"].replace(
        "def knn_cross_validation(", "def cross_validate(")
    problems = static_problems({"cells": cells}, data)
    print("\n".join(problems))
    expected = ["test cell test_knn_cross_validation is missing",
                "test cell test_predict_labels (cell ",
                "knn_cross_validation is not defined at the top level of any cell",
                "KNearestNeighbor.compute_distances_no_loops must not use Python loops, but it uses a comprehension"]
    assert len(problems) == len(expected) and all(
        any(problem.startswith(start) for problem in problems) for start in expected), problems
    assert "was edited: the grader puts the original back" in next(p for p in problems if "test_predict" in p)


def test_a_wrong_notebook_name_gets_one_line(repo_root, tmp_path):
    folder = tmp_path / "knn"
    shutil.copytree(repo_root / "release" / "knn", folder)
    completed = subprocess.run([sys.executable, "-m", "cs231n.check", "knn_final.ipynb"], cwd=folder,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2
    assert completed.stdout.strip() == ("knn_final.ipynb is not a notebook of knn (its notebooks: knn.ipynb); "
                                        "the grader looks only for those names")
    (folder / "knn.ipynb").write_text("{not json")
    completed = subprocess.run([sys.executable, "-m", "cs231n.check", "knn.ipynb"], cwd=folder,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2 and completed.stdout.startswith("knn.ipynb cannot be read as a notebook")
