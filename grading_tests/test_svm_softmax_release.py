"""The svm_softmax notebook and release: units defined in the notebook, stubs released, answers kept back."""

import ast
import shutil
import subprocess
import sys

import nbformat
import pytest

from cs231n_lib.grading.course import STUDENT_PACKAGE, get_assignment
from cs231n_lib.grading.preprocessors import hidden_check_ids
from cs231n_lib.grading.sync import unit_source

ASSIGNMENT = get_assignment("svm_softmax")
UNITS = {unit.name for unit in ASSIGNMENT.units}


@pytest.fixture(scope="module")
def source_notebook(repo_root):
    return nbformat.read(repo_root / "source" / "svm_softmax" / "svm_softmax.ipynb", as_version=4)


def cells_by_grade_id(nb):
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


def test_every_unit_has_a_solution_cell_holding_its_library_source(source_notebook):
    cells = cells_by_grade_id(source_notebook)
    for unit in ASSIGNMENT.units:
        assert cells[unit.name].metadata["nbgrader"]["solution"], unit.name
        assert cells[unit.name].source == unit_source(unit), f"{unit.name}: run `cs231n-course sync`"


def test_no_other_cell_defines_or_imports_a_unit(source_notebook):
    # A notebook never takes a unit graded in its own assignment from the package.
    for cell in source_notebook.cells:
        if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                assert node.name not in UNITS, node.name
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = {alias.name for alias in node.names} | {getattr(node, "module", None) or ""}
                assert not names & UNITS and not any("linear" in n or "softmax" in n for n in names), names


def test_units_are_defined_before_the_cells_whose_hidden_checks_use_them(source_notebook):
    # Hidden checks run where their marker is, and LinearClassifier's train both subclasses.
    from cs231n_lib.grading.checks import get_check

    order = [c.metadata.get("nbgrader", {}).get("grade_id") for c in source_notebook.cells]
    subclasses_and_losses = {"LinearSVM", "Softmax", "svm_loss_vectorized", "softmax_loss_vectorized"}
    for position, cell in enumerate(source_notebook.cells):
        for check_id in hidden_check_ids(cell.source):
            unit = get_check(check_id).unit
            needed = {unit} | (subclasses_and_losses if unit in {"LinearClassifier", "LinearSVM", "Softmax"} else set())
            assert all(order.index(name) < position for name in needed), check_id


def test_release_notebook_stubs_every_unit_and_keeps_the_answers_back(repo_root):
    release = nbformat.read(repo_root / "release" / "svm_softmax" / "svm_softmax.ipynb", as_version=4)
    cells = cells_by_grade_id(release)
    for unit in UNITS:
        assert "raise NotImplementedError()" in cells[unit].source, unit
    text = "\n".join(cell.source for cell in release.cells)
    assert "dW[:, y[i]] -= X[i]" not in text and "### BEGIN SOLUTION" not in text
    assert "e^0 / (10 e^0) = 0.1" not in text and "Your Explanation" in text  # inline answers are kept back too


def test_solutions_hold_the_reference_answers(repo_root):
    solutions = nbformat.read(repo_root / "solutions" / "svm_softmax" / "svm_softmax.ipynb", as_version=4)
    text = "\n".join(cell.source for cell in solutions.cells)
    assert "coefficients[rows, y] = -np.sum(coefficients, axis=1)" in text
    assert "-\\log(0.1) = \\log 10" in text  # an inline question's model answer


def test_release_package_ships_knn_solved_and_these_units_as_stubs(repo_root, tmp_path):
    shutil.copytree(repo_root / "release" / "svm_softmax" / STUDENT_PACKAGE, tmp_path / STUDENT_PACKAGE)
    script = (
        "import numpy as np\n"
        "from cs231n.classifiers import KNearestNeighbor\n"
        "from cs231n.classifiers.linear_svm import svm_loss_vectorized\n"
        "m = KNearestNeighbor(); m.train(np.zeros((2, 3)), np.array([0, 1]))\n"
        "print(m.compute_distances_no_loops(np.zeros((1, 3))).shape)\n"
        "try:\n    svm_loss_vectorized(np.zeros((3, 2)), np.zeros((1, 3)), np.array([0]), 0.0)\n"
        "except NotImplementedError:\n    print('stubbed')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert result.stdout.splitlines() == ["(1, 2)", "stubbed"], result.stderr
