"""The report is the gradebook: totals agree with `nbgrader export`, manual grades survive a regrade of
the same answer, and feedback waits for answers graded by hand.

A small course is built through nbgrader's own API (one notebook: a solution cell, an autograded test
cell worth 3 points, a written answer worth 2), so no notebook is executed here.
"""

import csv
import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.preprocessors import SaveAutoGrades

from cs231n_lib.grading.cli import main
from cs231n_lib.grading.gradebook import gradebook_url, scores
from cs231n_lib.grading.manual_grades import KeepManualGrades
from cs231n_lib.grading.nbgrader_runner import run_nbgrader

ASSIGNMENT = NOTEBOOK = "knn"  # a name the course knows; the notebook itself is made up


def _notebook(answer: str = "def f(x):\n    return x", written: str = "Because.", passes: bool = True):
    def meta(grade_id, grade, solution, points=0):
        return {"nbgrader": {"grade_id": grade_id, "grade": grade, "solution": solution, "locked": not solution,
                             "points": points, "schema_version": 3}}

    outputs = [] if passes else [nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=[])]
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(answer, metadata=meta("impl", False, True)),
        nbformat.v4.new_code_cell("assert f(1) == 1", metadata=meta("test_f", True, False, 3), outputs=outputs),
        nbformat.v4.new_markdown_cell(written, metadata=meta("inline_question_1", True, True, 2)),
    ])


@pytest.fixture
def course(tmp_path, repo_root):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(repo_root / "nbgrader_config.py", root)
    with Gradebook(gradebook_url(root), "cs231n") as gradebook:
        gradebook.add_assignment(ASSIGNMENT)
        gradebook.add_notebook(NOTEBOOK, ASSIGNMENT)
        gradebook.add_solution_cell("impl", NOTEBOOK, ASSIGNMENT)
        gradebook.add_grade_cell("test_f", NOTEBOOK, ASSIGNMENT, max_score=3, cell_type="code")
        gradebook.add_grade_cell("inline_question_1", NOTEBOOK, ASSIGNMENT, max_score=2, cell_type="markdown")
        gradebook.add_solution_cell("inline_question_1", NOTEBOOK, ASSIGNMENT)
        for student in ("ann", "bob", "cy", "dee"):
            gradebook.add_student(student)
        for student in ("ann", "bob", "cy"):
            gradebook.add_submission(ASSIGNMENT, student)
    for student, passes in (("ann", True), ("bob", True), ("cy", False)):
        autograde(root, student, _notebook(passes=passes))
    return root


def autograde(root: Path, student: str, notebook, saver=KeepManualGrades) -> None:
    """What autograde does to the gradebook for one graded notebook, and the file it leaves."""
    resources = {"nbgrader": {"student": student, "assignment": ASSIGNMENT, "notebook": NOTEBOOK,
                              "db_url": gradebook_url(root)}}
    saver().preprocess(notebook, resources)
    folder = root / "autograded" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / f"{NOTEBOOK}.ipynb")


def grade_by_hand(root: Path, student: str, grade_id: str, points: float, extra_credit: float = 0.0) -> None:
    with Gradebook(gradebook_url(root), "cs231n") as gradebook:
        grade = gradebook.find_grade(grade_id, NOTEBOOK, ASSIGNMENT, student)
        grade.manual_score, grade.extra_credit, grade.needs_manual_grade = points, extra_credit, False
        gradebook.db.commit()


def waiting(root: Path, student: str) -> list[str]:
    return next(row.needs_manual for row in scores(root, ASSIGNMENT) if row.student == student)


def test_report_agrees_with_nbgrader_export_for_every_student(course, tmp_path, capsys):
    grade_by_hand(course, "ann", "inline_question_1", 1.5, extra_credit=0.5)
    grade_by_hand(course, "cy", "test_f", 1.0)  # a grader's partial credit over the autograder's 0
    with Gradebook(gradebook_url(course), "cs231n") as gradebook:
        gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, "bob").late_submission_penalty = 2.0
        gradebook.db.commit()

    assert main(["--root", str(course), "report", ASSIGNMENT, "--out", str(tmp_path / "reports")]) == 0
    printed = capsys.readouterr().out
    run_nbgrader(course, "export", "--to=export.csv")
    with (course / "export.csv").open(newline="") as handle:
        exported = {row["student_id"]: row for row in csv.DictReader(handle)}
    with (tmp_path / "reports" / f"{ASSIGNMENT}.csv").open(newline="") as handle:
        reported = {row["student"]: row for row in csv.DictReader(handle)}

    assert set(reported) == set(exported) == {"ann", "bob", "cy", "dee"}
    for student, row in exported.items():
        for column in ("raw_score", "late_submission_penalty", "score", "max_score"):
            print(student, column, "report", reported[student][column], "nbgrader export", row[column])
            assert float(reported[student][column]) == float(row[column]), (student, column)
    assert float(reported["ann"]["score"]) == 3 + 1.5 + 0.5
    assert float(reported["bob"]["score"]) == 3 - 2.0
    assert float(reported["cy"]["test_f"]) == 1.0
    assert reported["dee"]["submitted"] == "no"
    assert reported["bob"]["needs_manual_grading"] == "inline_question_1"

    page = (tmp_path / "reports" / f"{ASSIGNMENT}.html").read_text()
    assert "Still to grade by hand (2 submissions)" in page
    # Graded here without a run record, as after plain `nbgrader autograde`: still listed.
    assert page.count("graded outside cs231n-course") == 3
    table = [line for line in printed.splitlines() if not line.startswith("wrote ")]
    assert len(table) >= 6 and all(len(line) <= 100 for line in table), printed


def test_a_regrade_of_the_same_answer_keeps_the_hand_given_grades(course):
    grade_by_hand(course, "ann", "inline_question_1", 2.0)
    grade_by_hand(course, "cy", "test_f", 1.0)
    for student, passes in (("ann", True), ("cy", False)):
        autograde(course, student, _notebook(passes=passes))
    # cy's written answer was never graded by hand: it still waits, as it should.
    assert waiting(course, "ann") == [] and waiting(course, "cy") == ["inline_question_1"]

    # nbgrader's own SaveAutoGrades sends both back to the grader: this test can tell the difference.
    autograde(course, "ann", _notebook(), saver=SaveAutoGrades)
    assert waiting(course, "ann") == ["inline_question_1"]


def test_a_changed_answer_needs_grading_again(course):
    grade_by_hand(course, "ann", "inline_question_1", 2.0)
    grade_by_hand(course, "cy", "test_f", 1.0)
    autograde(course, "ann", _notebook(written="Because of the bias term."))
    autograde(course, "cy", _notebook(answer="def f(x):\n    return 2 * x", passes=False))
    assert waiting(course, "ann") == ["inline_question_1"]
    assert waiting(course, "cy") == ["test_f", "inline_question_1"]
    # The hand-given points stay until a grader looks again.
    rows = {row.student: row for row in scores(course, ASSIGNMENT)}
    assert rows["ann"].written == {"inline_question_1": 2.0} and rows["cy"].cells == {"test_f": 1.0}


def test_feedback_waits_for_answers_graded_by_hand(course, capsys):
    grade_by_hand(course, "ann", "inline_question_1", 2.0)
    assert main(["--root", str(course), "feedback", ASSIGNMENT]) == 0
    out = capsys.readouterr().out
    assert "bob: held back, 1 answer(s) not graded by hand yet: inline_question_1" in out
    assert "feedback written for 1 of 3 submission(s)" in out
    written = {path.parent.parent.name for path in (course / "feedback").glob(f"*/{ASSIGNMENT}/*.html")}
    assert written == {"ann"}

    # Plain nbgrader refuses the same submissions, with the reason in its log.
    plain = run_nbgrader(course, "generate_feedback", ASSIGNMENT, "--student=bob", "--force", check=False)
    assert plain.returncode != 0 and "not graded by hand yet (inline_question_1)" in plain.stdout + plain.stderr
    assert not list((course / "feedback").glob("bob/*/*.html"))

    assert main(["--root", str(course), "feedback", ASSIGNMENT, "--allow-ungraded"]) == 0
    written = {path.parent.parent.name for path in (course / "feedback").glob(f"*/{ASSIGNMENT}/*.html")}
    assert written == {"ann", "bob", "cy"}


@pytest.mark.parametrize("argv, message", [
    (["report", "nosuch"], "unknown assignment 'nosuch'; the course has: knn, svm_softmax"),
    (["report", "gan"], "the gradebook has no assignment 'gan' (it has: knn)"),
    (["feedback", "knn", "--student", "zed"], "no graded submission of knn by 'zed'; graded: ann, bob, cy"),
    (["autograde", "nosuch"], "unknown assignment 'nosuch'"),
    (["sync", "--check", "nosuch"], "unknown assignment 'nosuch'"),
])
def test_wrong_names_get_one_line_and_exit_code_2(course, capsys, argv, message):
    assert main(["--root", str(course), *argv]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and message in captured.err, captured.err


def test_an_unknown_student_is_named_with_those_who_submitted(course, capsys):
    (course / "submitted" / "ann" / ASSIGNMENT).mkdir(parents=True)
    assert main(["--root", str(course), "autograde", ASSIGNMENT, "--student", "zed"]) == 2
    assert "no submission of knn by 'zed'" in capsys.readouterr().err
