"""Hostile and broken submissions of the knn notebook, graded through real nbgrader.

Each fixture costs its student exactly the points named here and nothing else;
other students and the gradebook stay intact; the raw submission is never modified.
"""

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from cs231n_lib.grading import samples
from cs231n_lib.grading.autograde import autograde_serially
from cs231n_lib.grading.demo import make_demo_course
from cs231n_lib.grading.gradebook import scores
from cs231n_lib.grading.kernel import bubblewrap
from cs231n_lib.grading.release import release
from cs231n_lib.grading.samples import planted_bug

ASSIGNMENT = "knn"
FULL = {"test_compute_distances_two_loops": 3.0, "test_predict_labels": 3.0, "test_compute_distances_one_loop": 3.0,
        "test_compute_distances_no_loops": 4.0, "test_knn_cross_validation": 4.0, "test_best_k": 1.0}
# Short enough that hangs cost seconds; the slowest honest cell uses ~1.5 s of CPU, and with two graders
# on 2 cores a computing cell is stopped only once it has used its limit in CPU time.
CELL_TIMEOUT = "--Execute.timeout=10"
TWO = "dists[i, j] = np.sqrt(np.sum((X[i] - self.X_train[j]) ** 2))"
ONE = "dists[i, :] = np.sqrt(np.sum((self.X_train - X[i]) ** 2, axis=1))"
VOTE = "y_pred[i] = np.bincount(closest_y).argmax()"
CV_START = "    k_to_accuracies = {k: [] for k in k_choices}\n"


def edit(unit, old, new):
    return planted_bug("hostile", unit, old, new, set(), "")


def with_edits(root, edits):
    return samples.solution_submission(root, ASSIGNMENT, ASSIGNMENT, edits)


def insert_cell(nb, index, source):
    nb.cells.insert(index, nbformat.v4.new_code_cell(source))
    return nb


SNOOP = """
import glob, os
found = {}
for pattern in ["{root}/gradebook.db", "{root}/source/knn/knn.ipynb", "{root}/submitted/*/knn/knn.ipynb"]:
    for path in glob.glob(pattern) or [pattern]:
        try:
            found[path] = open(path, "rb").read(200)
        except OSError as error:
            found[path] = repr(error)
for path in ["{root}/gradebook.db", "{root}/submitted/shadow-files/knn/knn.ipynb", "{root}/autograded/x.txt"]:
    try:
        with open(path, "w") as handle:
            handle.write("overwritten")
        found["wrote " + path] = True
    except OSError as error:
        found["wrote " + path] = repr(error)
print(found)
"""

FORGERY = """
import builtins
import numpy as np
from IPython.display import display
np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
builtins.AssertionError = type("AssertionError", (Exception,), {})
def rel_error(x, y):
    return 0.0
print("All tests passed!")
display({"application/vnd.cs231n.probe+json": {"check": "knn.predict_labels", "token": "0" * 32, "results": {}}},
        raw=True)
"""


def build_submissions(root):
    """student -> (notebook, extra files, expected cell scores)."""
    submissions = {}
    submissions["kernel-killers"] = (
        with_edits(root, [
            edit("KNearestNeighbor", TWO, "import os; os._exit(3)"),
            edit("KNearestNeighbor", ONE, "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"),
            edit("KNearestNeighbor", VOTE, "import sys; sys.exit(1)"),
            edit("knn_cross_validation", CV_START, CV_START + "    import signal, time\n"
                 "    signal.signal(signal.SIGINT, signal.SIG_IGN)\n    while True:\n        time.sleep(0.05)\n"),
        ]), {}, {**FULL, "test_compute_distances_two_loops": 0.0, "test_compute_distances_one_loop": 0.0,
                 "test_predict_labels": 0.0, "test_knn_cross_validation": 0.0,
                 # The cell that predicts with best_k calls the exiting vote: the kernel that comes back
                 # for test_best_k never ran the cell that sets best_k.
                 "test_best_k": 0.0})
    submissions["memory-and-snooping"] = (
        insert_cell(with_edits(root, [edit("KNearestNeighbor", TWO, "hog = bytearray(64 * 1024**3)")]), 2,
                    SNOOP.replace("{root}", str(root))),
        {}, {**FULL, "test_compute_distances_two_loops": 0.0})
    wrong = with_edits(root, [
        edit("KNearestNeighbor", TWO, "dists[i, j] = 0.0"),
        edit("KNearestNeighbor", ONE, "dists[i, :] = 0.0"),
        edit("KNearestNeighbor", "np.sqrt(dists, out=dists)", "dists[:] = 0.0"),
        edit("KNearestNeighbor", VOTE, "y_pred[i] = 0"),
        edit("knn_cross_validation", CV_START, CV_START + "    return {k: [1.0] * num_folds for k in k_choices}\n"),
    ])
    # Forging earns nothing; their choice of best_k is the staff's, judged with the staff's kNN.
    submissions["forgers"] = (insert_cell(wrong, 2, FORGERY), {}, {**dict.fromkeys(FULL, 0.0), "test_best_k": 1.0})
    shadow = {
        "numpy.py": b"raise ImportError('a shadowed numpy')\n",
        "cs231n_lib/__init__.py": b"",
        "cs231n_lib/classifiers/__init__.py": b"raise ImportError('a fake reference library')\n",
        "cs231n/__init__.py": b"raise ImportError('a tampered student package')\n",
        "notes.txt": b"extra files are harmless\n",
    }
    submissions["shadow-files"] = (with_edits(root, []), shadow, dict(FULL))
    tampered = with_edits(root, [])
    cells = tampered.cells
    test_cells = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_")]
    test_cells[0].source = "pass  # edited away"
    cells.remove(next(c for c in test_cells if c.metadata["nbgrader"]["grade_id"] == "test_predict_labels"))
    cells.append(nbformat.v4.new_code_cell(test_cells[-1].source, metadata=dict(test_cells[-1].metadata)))
    submissions["tampered-cells"] = (tampered, {}, dict(FULL))
    noisy = insert_cell(with_edits(root, []), 2, "print('x' * (100 * 1024 * 1024))")
    submissions["huge-output"] = (noisy, {}, dict(FULL))
    return submissions


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, repo_root):
    root = tmp_path_factory.mktemp("hostile-course")
    make_demo_course(repo_root, root)
    release(root, ASSIGNMENT, with_solutions=False)
    submissions = build_submissions(root)
    for student, (nb, extra, _) in submissions.items():
        samples.write_submission(root, student, ASSIGNMENT, {ASSIGNMENT: nb}, extra)
    # Broken input: not JSON, an old nbformat, a renamed notebook.
    broken = root / "submitted" / "not-json" / ASSIGNMENT
    broken.mkdir(parents=True)
    (broken / "knn.ipynb").write_text('{"cells": [ this is not json')
    old = samples.write_submission(root, "old-nbformat", ASSIGNMENT, {})
    v3 = nbformat.convert(with_edits(root, []), 3)
    (old / "knn.ipynb").write_text(json.dumps(v3))
    renamed = samples.write_submission(root, "renamed", ASSIGNMENT, {})
    nbformat.write(with_edits(root, []), renamed / "knn (1).ipynb")

    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (root / "submitted").rglob("*") if p.is_file()}
    # Two graders take the submissions in turn, the one that hangs until its time limits first (the
    # other grader works through the rest meanwhile), followed in the same run by a student who
    # expects full marks: one student's kernel killers never stop the next student's grading.
    first = ["kernel-killers", "shadow-files"]
    batches = [first, *([s.name] for s in sorted((root / "submitted").iterdir()) if s.name not in first)]
    with ThreadPoolExecutor(2) as pool:
        runs = {run.student: run for batch in pool.map(
            lambda batch: autograde_serially(root, ASSIGNMENT, batch, extra_arguments=(CELL_TIMEOUT,), progress=False),
            batches) for run in batch}
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (root / "submitted").rglob("*") if p.is_file()}
    rows = {row.student: row.cells for row in scores(root, ASSIGNMENT)}
    for student, run in sorted(runs.items()):
        print(f"{student}: {run.seconds:.1f} s, {'ok' if run.ok else run.message}: {rows.get(student)}")
    return root, submissions, runs, rows, before, after


@pytest.mark.parametrize("student", ["kernel-killers", "memory-and-snooping", "forgers", "shadow-files",
                                     "tampered-cells", "huge-output"])
def test_hostile_submission_costs_exactly_its_cells(hostile, student):
    root, submissions, runs, rows, *_ = hostile
    assert runs[student].ok, runs[student].message
    expected = submissions[student][2]
    # What the cells that scored otherwise say, so that a failure under load explains itself.
    differing = {cell for cell in expected if rows[student].get(cell) != expected[cell]}
    said = {}
    for cell in autograded(root, student).cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") in differing:
            said[cell.metadata["nbgrader"]["grade_id"]] = [o.get("evalue") or o.get("text", "")[-300:]
                                                           for o in cell.outputs]
    assert rows[student] == expected, said


def autograded(root, student):
    return nbformat.read(root / "autograded" / student / ASSIGNMENT / "knn.ipynb", as_version=4)


def test_snooping_finds_no_gradebook_no_sources_and_writes_nothing(hostile):
    root, *_ = hostile
    if bubblewrap() is None:
        pytest.skip("bubblewrap is not available on this machine: grading runs without a sandbox")
    outputs = "".join(o.get("text", "") for c in autograded(root, "memory-and-snooping").cells
                      if c.cell_type == "code" for o in c.outputs)
    assert "No such file or directory" in outputs
    assert "SQLite" not in outputs and "cs231n-hidden-check" not in outputs and "HIDDEN TESTS" not in outputs
    assert "': True" not in outputs and "Read-only file system" in outputs  # no write succeeded
    assert not (root / "autograded" / "x.txt").exists()


def test_raw_submissions_are_never_modified(hostile):
    *_, before, after = hostile
    assert before == after


def test_other_students_are_unaffected_by_hostile_ones(hostile):
    _, _, _, rows, *_ = hostile
    assert rows["shadow-files"] == FULL and rows["old-nbformat"] == FULL


def test_broken_notebooks_get_a_clear_message_and_zero(hostile):
    _, _, runs, rows, *_ = hostile
    assert not runs["not-json"].ok and "knn.ipynb is not a readable notebook" in runs["not-json"].message
    assert sum(rows.get("not-json", {}).values()) == 0
    assert not runs["renamed"].ok
    assert runs["renamed"].message == "knn.ipynb is missing (it must keep its name); found knn (1).ipynb"
    assert sum(rows["renamed"].values()) == 0


def test_huge_output_is_cut_in_the_graded_notebook(hostile):
    root, *_ = hostile
    path = root / "autograded" / "huge-output" / ASSIGNMENT / "knn.ipynb"
    assert path.stat().st_size < 5 * 1024 * 1024


def test_forged_output_does_not_reach_the_feedback_as_a_pass(hostile):
    root, *_ = hostile
    cell = next(c for c in autograded(root, "forgers").cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "test_predict_labels")
    assert any(o.output_type == "error" for o in cell.outputs)
