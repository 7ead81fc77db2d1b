"""A new student is added to the gradebook once, however many graders start it at the same moment."""

import multiprocessing
import shutil
from pathlib import Path

import pytest
from nbgrader.api import Base, Gradebook, MissingEntry
from nbgrader.apps import AutogradeApp
from nbgrader.coursedir import CourseDirectory
from sqlalchemy import create_engine
from traitlets.config import Config

from cs231n_lib.grading.students import add_student_before_autograde, ensure_student

COURSE = "cs231n"
GRADERS = 6
ROUNDS = 12


def _grader(db_url: str, start, outcomes) -> None:
    """Each round, add that round's student as soon as every grader is ready."""
    for round_number in range(ROUNDS):
        start.wait(timeout=60)
        try:
            ensure_student(db_url, COURSE, f"student-{round_number}")
        except Exception as error:  # noqa: BLE001 - reported to the test, which names it
            outcomes.put(f"{type(error).__name__}: {error}")
        else:
            outcomes.put("ok")


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    # nbgrader's tables without its `alembic` run (seconds) that only stamps a new gradebook's version.
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    Gradebook(f"sqlite:///{path}", COURSE).close()
    return path


@pytest.fixture
def db_url(tmp_path: Path, empty_gradebook: Path) -> str:
    shutil.copyfile(empty_gradebook, tmp_path / "gradebook.db")
    return f"sqlite:///{tmp_path / 'gradebook.db'}?timeout=60"


def test_graders_starting_the_same_new_student_at_once_all_go_on(db_url):
    """Each round, GRADERS processes add the same new student released by one barrier, as two
    `nbgrader autograde` commands starting their first submission do. nbgrader's own
    update_or_create_student, in this test's place, failed 20, 28 and 35 of 72 in three runs."""
    fork = multiprocessing.get_context("fork")  # this process has nbgrader imported: no second of start-up each
    start, outcomes = fork.Barrier(GRADERS), fork.Queue()
    graders = [fork.Process(target=_grader, args=(db_url, start, outcomes)) for _ in range(GRADERS)]
    for grader in graders:
        grader.start()
    results = [outcomes.get(timeout=120) for _ in range(GRADERS * ROUNDS)]
    for grader in graders:
        grader.join(60)
    failures = [result for result in results if result != "ok"]
    print(f"{GRADERS * ROUNDS} additions by {GRADERS} graders at once, failed: {len(failures)}")
    assert not failures, failures[:3]
    with Gradebook(db_url, COURSE) as gradebook:
        assert sorted(student.id for student in gradebook.students) == sorted(f"student-{n}" for n in range(ROUNDS))


@pytest.fixture
def autograde_app(tmp_path: Path, db_url: str):
    """The AutogradeApp as `nbgrader autograde` leaves it when it calls its converter's hooks."""
    config = Config({"CourseDirectory": {"root": str(tmp_path), "db_url": db_url, "course_id": COURSE}})
    app = AutogradeApp.instance(config=config)
    app.coursedir = CourseDirectory(parent=app)
    yield app
    AutogradeApp.clear_instance()


def _students(db_url: str) -> list[str]:
    with Gradebook(db_url, COURSE) as gradebook:
        return sorted(student.id for student in gradebook.students)


def test_the_hook_adds_the_student_whose_folder_is_graded(tmp_path, db_url, autograde_app):
    notebook = tmp_path / "submitted" / "ann" / "knn" / "knn.ipynb"
    add_student_before_autograde(assignment="knn", student="*", notebooks=[str(notebook)])
    add_student_before_autograde(assignment="knn", student="*", notebooks=[str(notebook)])  # already there
    assert _students(db_url) == ["ann"]


def test_the_hook_leaves_unknown_students_to_nbgrader_when_it_must_not_create_them(tmp_path, db_url, autograde_app):
    autograde_app.config.Autograde.create_student = False
    add_student_before_autograde(assignment="knn", student="*",
                                 notebooks=[str(tmp_path / "submitted" / "bob" / "knn" / "knn.ipynb")])
    with Gradebook(db_url, COURSE) as gradebook, pytest.raises(MissingEntry):
        gradebook.find_student("bob")


def test_the_course_configures_the_hook_for_plain_nbgrader(repo_root):
    from cs231n_lib.grading.gradebook import course_config

    hook = course_config(repo_root).Autograde.pre_convert_hook
    assert hook == f"{add_student_before_autograde.__module__}.{add_student_before_autograde.__name__}"
