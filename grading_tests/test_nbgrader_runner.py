"""How a grading run ended, as the runner and the verdict report it."""

import os
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cs231n_lib.grading.gradebook import gradebook_schema_head
from cs231n_lib.grading.nbgrader_runner import (
    can_fork_graders,
    nbgrader_environment,
    run_in_forked_child,
    run_nbgrader,
)
from cs231n_lib.grading.run import verdict

ERROR_PROCESSING = "[AutogradeApp | ERROR] There was an error processing assignment: knn\n"


@pytest.mark.parametrize(("returncode", "log", "expected"), [
    (-11, "", "nbgrader autograde was killed by SIGSEGV and logged no error"),
    (255, "[AutogradeApp | WARNING] Removing existing notebook\n",
     "nbgrader autograde exited with code 255 and logged no error; its last line: "
     "[AutogradeApp | WARNING] Removing existing notebook"),
    (1, ERROR_PROCESSING + "Traceback (most recent call last):\n  File \"x.py\", line 1\nTimeoutError\n",
     "TimeoutError"),
    (-6, "Fatal Python error: Aborted\n\nThread 0x01 (most recent call first):\n", "Fatal Python error: Aborted"),
    (1, ERROR_PROCESSING + "nbclient.exceptions.DeadKernelError: Kernel died\n",
     "nbclient.exceptions.DeadKernelError: Kernel died"),
])
def test_a_failed_run_says_how_it_ended(returncode, log, expected):
    ok, message = verdict(returncode, log, [])
    print(f"exit {returncode}: {message}")
    assert not ok and message == expected


@pytest.mark.skipif(not can_fork_graders(), reason="no fork server on this platform")
def test_children_started_and_awaited_in_several_threads_each_get_their_own_exit_code():
    """Process.start() reads the exit codes of the process's other children that have ended; a thread
    awaiting one of them then read 255 (about 1 in 100 here with plain start() and join())."""
    def one(index):
        if index % 2:
            return run_in_forked_child(time.sleep, (0.002 * (index % 7),), None)
        return run_in_forked_child(os._exit, (index % 5,), None)

    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(one, range(400)))
    wrong = {index: code for index, code in enumerate(codes) if code != (0 if index % 2 else index % 5)}
    print(f"{len(wrong)} of 400 wrong: {wrong}")
    assert wrong == {}


@pytest.mark.skipif(not can_fork_graders(), reason="no fork server on this platform")
def test_a_child_past_its_timeout_is_killed():
    started = time.monotonic()
    assert run_in_forked_child(time.sleep, (60,), 0.5) is None
    assert time.monotonic() - started < 30


@pytest.mark.skipif(not can_fork_graders(), reason="no fork server on this platform")
@pytest.mark.parametrize(("arguments", "returncode"), [(("--version",), 0), (("autograde",), 1)])
def test_a_forked_run_reports_nbgraders_exit_code(tmp_path: Path, arguments, returncode):
    completed = run_nbgrader(tmp_path, *arguments, check=False, fork=True)
    print(completed.returncode, completed.stdout[-200:])
    assert completed.returncode == returncode


def stamp_and_students(gradebook: Path) -> tuple[list, list]:
    """A sqlite gradebook's schema revision rows and student rows."""
    with sqlite3.connect(gradebook) as db:
        return (db.execute("SELECT version_num FROM alembic_version").fetchall(),
                db.execute("SELECT id FROM student").fetchall())


def test_the_schema_head_read_here_is_the_one_alembic_reports():
    # nbgrader's own answer, from a process this package has not touched: an `alembic heads` process.
    completed = subprocess.run([sys.executable, "-c", "from nbgrader.api import get_alembic_version as v; print(v())"],
                               env=nbgrader_environment(), capture_output=True, text=True, check=True)
    head = gradebook_schema_head()
    print("read here:", head, "nbgrader's:", completed.stdout.strip())
    assert head == completed.stdout.strip()


def test_a_gradebook_opened_here_is_created_without_an_alembic_process(tmp_path: Path, monkeypatch):
    """A process that opens a new gradebook through this package stamps it with the same revision, and
    needs no `alembic` command on PATH to do it (nbgrader's own way would fail without one)."""
    from cs231n_lib.grading.students import ensure_student

    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    ensure_student(f"sqlite:///{tmp_path / 'gradebook.db'}", "cs231n", "ada")
    assert stamp_and_students(tmp_path / "gradebook.db") == ([(gradebook_schema_head(),)], [("ada",)])


@pytest.mark.skipif(not can_fork_graders(), reason="no fork server on this platform")
def test_a_forked_run_creates_a_gradebook_without_an_alembic_process(tmp_path: Path):
    """nbgrader stamps a new gradebook with its schema's revision; a forked run reads it in-process, so
    it needs no `alembic` command on PATH (without one, nbgrader's own way fails)."""
    environment = {**nbgrader_environment(), "PATH": "/usr/bin:/bin"}
    completed = run_nbgrader(tmp_path, "db", "student", "add", "ada", check=False, fork=True, environment=environment)
    print(completed.returncode, completed.stdout[-500:])
    assert completed.returncode == 0
    assert stamp_and_students(tmp_path / "gradebook.db") == ([(gradebook_schema_head(),)], [("ada",)])
