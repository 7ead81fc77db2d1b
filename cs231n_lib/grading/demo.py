"""`make demo`: release, three sample submissions, autograde, report — offline, in build/demo/."""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import samples
from .course import assignments
from .gradebook import autograded_cells, scores
from .parallel import autograde_assignments
from .release import release
from .report import incidents, score_table, write_csv, write_html


def make_demo_course(repo_root: Path, course_root: Path) -> None:
    """A throwaway copy of the course with its own gradebook, so the demo never touches the real one."""
    if course_root.exists():
        shutil.rmtree(course_root)
    course_root.mkdir(parents=True)
    shutil.copy(repo_root / "nbgrader_config.py", course_root)
    shutil.copytree(repo_root / "source", course_root / "source", symlinks=True)


def run_demo(repo_root: Path, course_root: Path) -> int:
    started = time.perf_counter()
    make_demo_course(repo_root, course_root)
    problems, bugs = [], {}
    # The first release creates the gradebook and the course's row, which two nbgrader processes must
    # not both insert; the others go two at a time (a release is mostly nbgrader processes).
    first, *rest = assignments()
    release(course_root, first.name)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda assignment: release(course_root, assignment.name), rest))
    for assignment in assignments():
        notebook = assignment.notebooks[0]
        bugs[assignment.name] = [samples.get_bug(assignment.name, name) for name in assignment.demo_bugs]
        submissions = {
            "ada-solution": samples.solution_submission(course_root, assignment.name, notebook, []),
            "bo-untouched": samples.release_notebook(course_root, assignment.name, notebook),
            "cy-buggy": samples.solution_submission(course_root, assignment.name, notebook, bugs[assignment.name]),
        }
        for student, nb in submissions.items():
            samples.write_submission(course_root, student, assignment.name, {notebook: nb})
        print(f"== {assignment.name}: released; {len(submissions)} sample submissions "
              f"({', '.join(submissions)})")
    print(f"== autograde all {len(bugs)} assignments on one pool of 2 workers")
    runs_by_assignment = autograde_assignments(course_root, dict.fromkeys(bugs), workers=2)
    reports = course_root / "reports"
    reports.mkdir(exist_ok=True)
    for name, runs in runs_by_assignment.items():
        problems += [f"{name}/{run.student}: {run.message}" for run in runs if not run.ok]
        cells = autograded_cells(course_root, name)
        rows = scores(course_root, name)
        print(f"== {name}")
        print(score_table(rows, cells))
        write_csv(reports / f"{name}.csv", rows, cells)
        page = write_html(reports / f"{name}.html", name, rows, cells, runs, incidents(course_root, name))
        print(f"   reports: {page} (+ .csv, .png)")
        problems += _unexpected(name, rows, cells, bugs[name])
    print(f"demo finished in {time.perf_counter() - started:.0f} s")
    for problem in problems:
        print("UNEXPECTED:", problem)
    return 1 if problems else 0


def _unexpected(assignment, rows, cells, bugs) -> list[str]:
    """The demo doubles as a smoke test: each sample must score exactly as designed."""
    by_student = {row.student: row for row in rows}
    lost = set().union(*(bug.loses for bug in bugs)) if bugs else set()
    expected = {
        "ada-solution": {name: points for name, points in cells},
        "bo-untouched": {name: 0.0 for name, _ in cells},
        "cy-buggy": {name: (0.0 if name in lost else points) for name, points in cells},
    }
    problems = []
    for student, want in expected.items():
        got = by_student[student].cells if student in by_student else {}
        if got != want:
            problems.append(f"{assignment}/{student}: expected {want}, got {got}")
    return problems
