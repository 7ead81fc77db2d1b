"""The knn notebook end to end through real nbgrader: release, submissions, autograde, feedback."""

from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from cs231n_lib.grading import samples
from cs231n_lib.grading.autograde import autograde
from cs231n_lib.grading.demo import make_demo_course
from cs231n_lib.grading.gradebook import autograded_cells, scores
from cs231n_lib.grading.nbgrader_runner import run_nbgrader
from cs231n_lib.grading.release import release

ASSIGNMENT = "knn"
# Several bugs per submission keep the run short; each bug touches a different graded cell.
SUBMISSIONS = {
    "solution": (),
    "bugs-a": ("two_loops_l1", "ties_to_larger_label", "validation_fold_in_training"),
    "bugs-b": ("one_loop_wrong_axis", "no_loops_comprehension", "imports_reference"),
    "bugs-c": ("no_loops_warns", "cross_validation_loops_forever"),
}
# A short cell time limit, so the infinite loop costs seconds; the reference's slowest cell needs ~10 s.
CELL_TIMEOUT = "--Execute.timeout=40"


@pytest.fixture(scope="module")
def graded(tmp_path_factory, repo_root):
    root = tmp_path_factory.mktemp("course")
    make_demo_course(repo_root, root)
    release(root, ASSIGNMENT)
    for student, bug_names in SUBMISSIONS.items():
        bugs = [samples.get_bug(ASSIGNMENT, name) for name in bug_names]
        nb = samples.solution_submission(root, ASSIGNMENT, ASSIGNMENT, bugs)
        samples.write_submission(root, student, ASSIGNMENT, {ASSIGNMENT: nb})
    samples.write_submission(root, "release", ASSIGNMENT,
                             {ASSIGNMENT: samples.release_notebook(root, ASSIGNMENT, ASSIGNMENT)})
    students = sorted([*SUBMISSIONS, "release"])
    # Two graders side by side, as on a 2-core machine; the gradebook takes turns.
    batches = [students[0::2], students[1::2]]
    with ThreadPoolExecutor(2) as pool:
        runs = [run for batch in pool.map(
            lambda batch: autograde(root, ASSIGNMENT, batch, extra_arguments=(CELL_TIMEOUT,), progress=False),
            batches) for run in batch]
    cells = dict(autograded_cells(root, ASSIGNMENT))
    rows = {row.student: row for row in scores(root, ASSIGNMENT)}
    for run in runs:
        print(f"{run.student}: {run.seconds:.1f} s {'ok' if run.ok else run.message}")
    return root, runs, cells, rows


def test_every_submission_is_graded(graded):
    _, runs, _, rows = graded
    assert all(run.ok for run in runs), [(r.student, r.message) for r in runs if not r.ok]
    assert set(rows) == {*SUBMISSIONS, "release"}


def test_solution_earns_full_marks(graded):
    _, _, cells, rows = graded
    assert rows["solution"].cells == cells
    assert sum(cells.values()) == 17


def test_untouched_release_earns_zero(graded):
    _, _, cells, rows = graded
    assert rows["release"].cells == {name: 0.0 for name in cells}


@pytest.mark.parametrize("student", [s for s in SUBMISSIONS if s != "solution"])
def test_planted_bugs_lose_exactly_their_cells(graded, student):
    _, _, cells, rows = graded
    lost = set().union(*(samples.get_bug(ASSIGNMENT, name).loses for name in SUBMISSIONS[student]))
    expected = {name: (0.0 if name in lost else points) for name, points in cells.items()}
    assert rows[student].cells == expected


def _autograded_notebook(root, student):
    return nbformat.read(root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_failures_explain_themselves_without_revealing_hidden_checks(graded):
    root, *_ = graded
    nb = _autograded_notebook(root, "bugs-a")
    cell = _cell(nb, "test_compute_distances_two_loops")
    text = nbformat.writes(nb)
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert errors, cell.outputs
    assert "$array" not in text and "def run_plan" not in text and "__student__" not in text
    assert cell.source.strip().endswith("### END HIDDEN TESTS")


def test_a_warning_in_correct_code_keeps_the_points(graded):
    root, _, cells, rows = graded
    assert rows["bugs-c"].cells["test_compute_distances_no_loops"] == cells["test_compute_distances_no_loops"]
    cell = _cell(_autograded_notebook(root, "bugs-c"), "test_compute_distances_no_loops")
    assert any("correct, but noisy" in o.get("text", "") for o in cell.outputs)


def test_feedback_is_generated_for_every_student(graded):
    root, *_ = graded
    run_nbgrader(root, "generate_feedback", ASSIGNMENT, "--force")
    page = (root / "feedback" / "bugs-a" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "HiddenCheckFailed" in page and "relative error" in page
    assert "def run_plan" not in page


def test_validate_passes_on_source_and_nothing_passes_in_the_release(graded):
    root, *_ = graded
    source = run_nbgrader(root, "validate", f"source/{ASSIGNMENT}/{ASSIGNMENT}.ipynb", check=False)
    assert "Success! Your notebook passes all the tests." in source.stdout, source.stdout[-2000:]
    released = run_nbgrader(root, "validate", "--invert", f"release/{ASSIGNMENT}/{ASSIGNMENT}.ipynb",
                            check=False)
    assert "Success! The notebook does not pass any tests." in released.stdout, released.stdout[-2000:]
