"""The instructor's round trip through an LMS: collect a Canvas download (one late, one unmatched file)
-> autograde -> a manual grade through nbgrader's API -> regrade -> report -> export for Canvas and
Gradescope. Every total must agree with `nbgrader export`, late penalty included."""

import csv
import re
import zipfile

import nbformat
import pytest
from nbgrader.api import Gradebook

from cs231n_lib.grading import samples
from cs231n_lib.grading.cli import main
from cs231n_lib.grading.demo import make_demo_course
from cs231n_lib.grading.gradebook import gradebook_url, scores
from cs231n_lib.grading.nbgrader_runner import run_nbgrader
from cs231n_lib.grading.release import release

ASSIGNMENT = "knn"
DUE = "2026-11-20 12:00:00 UTC"
ROSTER = ("student_id,lms_id,name,email,sis_id,sis_login,section\n"
          "ann,1001,\"Smith, Ann\",ann@x.edu,S1,asmith,A\n"
          "bob,1002,\"Jones, Bob\",bob@x.edu,S2,bjones,A\n"
          "cy,1003,\"Lee, Cy\",cy@x.edu,S3,clee,B\n")


@pytest.fixture(scope="module")
def course(tmp_path_factory, repo_root):
    root = tmp_path_factory.mktemp("lms-course")
    make_demo_course(repo_root, root)
    release(root, ASSIGNMENT, with_solutions=False)
    # nbgrader's documented way to set a due date.
    run_nbgrader(root, "db", "assignment", "add", ASSIGNMENT, f"--duedate={DUE}")
    (root / "roster.csv").write_text(ROSTER)
    solution = nbformat.writes(samples.solution_submission(root, ASSIGNMENT, ASSIGNMENT, [])).encode()
    with zipfile.ZipFile(root / "canvas.zip", "w") as bundle:
        for name, when in [("smithann_1001_901_knn.ipynb", (2026, 11, 19, 22, 0, 0)),        # on time
                           ("jonesbob_late_1002_902_knn.ipynb", (2026, 11, 21, 23, 0, 0)),   # 1.5 days late
                           ("doejoe_9999_903_knn.ipynb", (2026, 11, 19, 9, 0, 0))]:          # not in the roster
            bundle.writestr(zipfile.ZipInfo(name, date_time=when), solution)
    return root


def test_collect_grade_report_and_export_agree_with_nbgrader(course, capsys):
    roster = str(course / "roster.csv")
    assert main(["--root", str(course), "collect", ASSIGNMENT, str(course / "canvas.zip"), "--roster", roster]) == 0
    out = capsys.readouterr().out
    assert "not collected: doejoe_9999_903_knn.ipynb: LMS id '9999' is not in the roster" in out
    assert "collected 2 student(s)" in out and "late: bob (35.0 h)" in out
    assert (course / "submitted" / "bob" / ASSIGNMENT / "timestamp.txt").read_text().startswith("2026-11-21 23:00:00")

    # A second collect would overwrite the submissions: refused with one line unless forced.
    assert main(["--root", str(course), "collect", ASSIGNMENT, str(course / "canvas.zip"), "--roster", roster]) == 2
    assert "pass --force to replace those submissions" in capsys.readouterr().err

    assert main(["--root", str(course), "autograde", ASSIGNMENT, "--workers", "1"]) == 0
    # Not a terminal: one plain line per submission, no progress bar redrawn with carriage returns.
    printed = capsys.readouterr()
    assert re.search(r"^\[2/2\] knn/(ann|bob): graded in \d+\.\d s$", printed.out, re.MULTILINE), printed.out
    assert "\r" not in printed.out + printed.err
    rows = {row.student: row for row in scores(course, ASSIGNMENT)}
    code_points = sum(rows["ann"].cells.values())
    assert code_points > 0 and rows["ann"].late_penalty == 0
    # Two started days late at 10% a day (nbgrader_config.py's policy).
    assert rows["bob"].late_penalty == pytest.approx(0.2 * code_points)

    # A grader gives bob's first written answer 2 points; the penalty follows after a regrade, which
    # keeps the hand-given grade graded.
    with Gradebook(gradebook_url(course), "cs231n") as gradebook:
        grade = gradebook.find_grade("inline_question_1", ASSIGNMENT, ASSIGNMENT, "bob")
        grade.manual_score, grade.needs_manual_grade = 2.0, False
        gradebook.db.commit()
    assert main(["--root", str(course), "autograde", ASSIGNMENT, "--student", "bob", "--force", "--workers", "1"]) == 0
    bob = next(row for row in scores(course, ASSIGNMENT) if row.student == "bob")
    assert "inline_question_1" not in bob.needs_manual and bob.written["inline_question_1"] == 2.0
    assert bob.late_penalty == pytest.approx(0.2 * (code_points + 2.0))

    reports = course / "reports"
    assert main(["--root", str(course), "report", ASSIGNMENT, "--out", str(reports)]) == 0
    for lms in ("canvas", "gradescope"):
        assert main(["--root", str(course), "export", ASSIGNMENT, "--format", lms, "--roster", roster,
                     "--lms-assignment-id", "8812", "--out", str(course / f"{lms}.csv")]) == 0
    run_nbgrader(course, "export", "--to=nbgrader.csv")

    def read(name):
        with (course / name).open(newline="") as handle:
            return list(csv.DictReader(handle))

    truth = {row["student_id"]: float(row["score"]) for row in read("nbgrader.csv")}
    reported = {row["student"]: float(row["score"]) for row in read(f"reports/{ASSIGNMENT}.csv")}
    canvas = {row["ID"]: row["knn (8812)"] for row in read("canvas.csv")[1:]}
    gradescope = {row["Email"]: row["Total Score"] for row in read("gradescope.csv")}
    print("nbgrader export", truth, "report", reported, "canvas", canvas, "gradescope", gradescope)
    assert truth["bob"] == pytest.approx(0.8 * (code_points + 2.0)) and truth["ann"] == code_points
    assert reported == truth
    assert {"ann": float(canvas["1001"]), "bob": float(canvas["1002"])} == pytest.approx(truth)
    assert {"ann": float(gradescope["ann@x.edu"]), "bob": float(gradescope["bob@x.edu"])} == pytest.approx(truth)
    assert canvas["1003"] == gradescope["cy@x.edu"] == ""  # cy never submitted and is not in the gradebook
