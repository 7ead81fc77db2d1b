"""The gradebook on PostgreSQL (nbgrader's db_url), as when several graders share one.

Runs against a real server started for the test; skipped, with the reason, where PostgreSQL
cannot be started.
"""

import csv
import os

import pytest
from postgres_server import postgres_server, unavailable_reason

from cs231n_lib.grading import samples
from cs231n_lib.grading.demo import make_demo_course
from cs231n_lib.grading.gradebook import autograded_cells, gradebook_url, scores
from cs231n_lib.grading.nbgrader_runner import run_nbgrader
from cs231n_lib.grading.parallel import autograde_parallel
from cs231n_lib.grading.release import release

ASSIGNMENT = "knn"
BUG = "two_loops_l1"

pytestmark = pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))


@pytest.fixture(scope="module")
def postgres_course(tmp_path_factory, repo_root):
    root = tmp_path_factory.mktemp("postgres-course")
    with postgres_server() as url:
        saved = os.environ.get("CS231N_DB_URL")
        os.environ["CS231N_DB_URL"] = url  # nbgrader_config.py reads it; nbgrader subprocesses inherit it
        try:
            make_demo_course(repo_root, root)
            release(root, ASSIGNMENT, with_solutions=False)
            for student, bugs in {"ann": [], "ben": [samples.get_bug(ASSIGNMENT, BUG)]}.items():
                notebook = samples.solution_submission(root, ASSIGNMENT, ASSIGNMENT, bugs)
                samples.write_submission(root, student, ASSIGNMENT, {ASSIGNMENT: notebook})
            runs = autograde_parallel(root, ASSIGNMENT, workers=2, progress=False)
            yield root, url, runs
        finally:
            if saved is None:
                os.environ.pop("CS231N_DB_URL")
            else:
                os.environ["CS231N_DB_URL"] = saved


def test_the_course_uses_the_postgres_gradebook(postgres_course):
    root, url, _ = postgres_course
    assert gradebook_url(root) == url
    assert not (root / "gradebook.db").exists()


def test_parallel_grades_land_in_postgres(postgres_course):
    root, _, runs = postgres_course
    assert sorted(run.student for run in runs) == ["ann", "ben"]
    assert all(run.ok for run in runs), [(run.student, run.message) for run in runs]
    cells = dict(autograded_cells(root, ASSIGNMENT))
    rows = {row.student: row.cells for row in scores(root, ASSIGNMENT)}
    assert rows["ann"] == cells
    lost = samples.get_bug(ASSIGNMENT, BUG).loses
    assert rows["ben"] == {name: (0.0 if name in lost else points) for name, points in cells.items()}


def test_plain_nbgrader_reads_the_postgres_gradebook(postgres_course):
    root, _, _ = postgres_course
    run_nbgrader(root, "export", "--to=grades.csv")
    with (root / "grades.csv").open(newline="") as handle:
        totals = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(handle)}
    assert totals["ann"] == sum(points for _, points in autograded_cells(root, ASSIGNMENT))
    assert totals["ben"] < totals["ann"]
