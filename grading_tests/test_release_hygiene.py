"""Single source of truth and no early answers: sync, freshness, student package, leak scan."""

import shutil

import nbformat
import pytest

from cs231n_lib.grading.course import STUDENT_PACKAGE, assignments
from cs231n_lib.grading.freshness import stale_files
from cs231n_lib.grading.leakscan import scan_release
from cs231n_lib.grading.student_package import stub_module
from cs231n_lib.grading.sync import sync


def test_solution_cells_match_the_library(repo_root):
    assert sync(repo_root, check_only=True) == []


def test_sync_check_reports_an_edited_solution_cell(tmp_path, repo_root):
    shutil.copytree(repo_root / "source", tmp_path / "source", symlinks=True)
    path = tmp_path / "source" / "knn" / "knn.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "KNearestNeighbor")
    cell.source = cell.source.replace("kind=\"stable\"", "kind=\"quicksort\"")
    nbformat.write(nb, path)
    drifts = sync(tmp_path, check_only=True)
    assert [(d.unit, d.problem) for d in drifts] == [("KNearestNeighbor", "solution cell differs from the library")]
    assert sync(tmp_path) and sync(tmp_path, check_only=True) == []


def test_release_and_solutions_are_up_to_date(repo_root):
    assert stale_files(repo_root, [a.name for a in assignments()]) == []


def test_release_has_no_leaks(repo_root):
    assert scan_release(repo_root) == []


def test_leak_scan_finds_an_answer_planted_in_a_release(tmp_path, repo_root):
    shutil.copytree(repo_root / "release", tmp_path / "release")
    package_file = tmp_path / "release" / "knn" / STUDENT_PACKAGE / "classifiers" / "k_nearest_neighbor.py"
    package_file.write_text(package_file.read_text() + "\ny_pred[i] = np.bincount(closest_y).argmax()\n")
    (tmp_path / "release" / "knn" / "gradebook.db").write_bytes(b"")
    leaks = scan_release(tmp_path)
    assert any("solution line" in leak and "k_nearest_neighbor.py" in leak for leak in leaks), leaks
    assert any("gradebook" in leak for leak in leaks), leaks


@pytest.mark.parametrize("top", ["release", "solutions"])
def test_generated_notebooks_carry_no_hidden_tests(repo_root, top):
    for assignment in assignments():
        for name in assignment.notebooks:
            text = (repo_root / top / assignment.name / f"{name}.ipynb").read_text()
            assert "HIDDEN TESTS" not in text and "cs231n-hidden-check" not in text
            assert "### BEGIN SOLUTION" not in text and "### END SOLUTION" not in text


def test_solutions_hold_the_reference_answers(repo_root):
    text = (repo_root / "solutions" / "knn" / "knn.ipynb").read_text()
    assert "np.bincount(closest_y).argmax()" in text
    assert "1, 2 and 3." in text  # an inline question's model answer


def test_student_package_stubs_units_graded_now_and_keeps_those_graded_earlier():
    text = (
        "def helper():\n    return 1\n\n\n"
        "def graded_now(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n\n\n"
        "def graded_earlier(x):\n    ### BEGIN SOLUTION\n    return x * 2\n    ### END SOLUTION\n"
    )
    stubbed = stub_module(text, "layers", solved={("layers", "graded_earlier")})
    namespace = {}
    exec(stubbed, namespace)
    assert namespace["helper"]() == 1 and namespace["graded_earlier"](3) == 6
    with pytest.raises(NotImplementedError):
        namespace["graded_now"](1)
    assert "BEGIN SOLUTION" not in stubbed and "x + 1" not in stubbed


def test_student_package_rejects_an_unclosed_solution_region():
    with pytest.raises(ValueError, match="never closed"):
        stub_module("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "m", set())


def test_release_package_imports_and_its_graded_units_are_stubs(repo_root, tmp_path):
    import subprocess
    import sys

    shutil.copytree(repo_root / "release" / "knn" / STUDENT_PACKAGE, tmp_path / STUDENT_PACKAGE)
    script = (
        "import numpy as np\n"
        "from cs231n.classifiers import KNearestNeighbor\n"
        "from cs231n.data import load_cifar10_or_embedded\n"
        "m = KNearestNeighbor(); m.train(np.zeros((2, 3)), np.array([0, 1]))\n"
        "try:\n    m.compute_distances_no_loops(np.zeros((1, 3)))\nexcept NotImplementedError:\n"
        "    print('stubbed')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert result.stdout.strip() == "stubbed", result.stderr
