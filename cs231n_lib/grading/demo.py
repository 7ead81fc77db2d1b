"""`make demo`: release, three sample submissions, autograde, report — offline, in build/demo/."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from . import samples
from .course import assignments
from .gradebook import autograded_cells, scores
from .parallel import autograde_parallel
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
    problems = []
    for assignment in assignments():
        print(f"== {assignment.name}: release")
        release(course_root, assignment.name)
        notebook = assignment.notebooks[0]
        bugs = [samples.get_bug(assignment.name, name) for name in assignment.demo_bugs]
        submissions = {
            "ada-solution": samples.solution_submission(course_root, assignment.name, notebook, []),
            "bo-untouched": samples.release_notebook(course_root, assignment.name, notebook),
            "cy-buggy": samples.solution_submission(course_root, assignment.name, notebook, bugs),
        }
        for student, nb in submissions.items():
            samples.write_submission(course_root, student, assignment.name, {notebook: nb})
        print(f"== {assignment.name}: autograde {len(submissions)} sample submissions")
        runs = autograde_parallel(course_root, assignment.name, list(submissions), workers=2)
        for run in runs:
            if not run.ok:
                problems.append(f"{assignment.name}/{run.student}: {run.message}")
        cells = autograded_cells(course_root, assignment.name)
        rows = scores(course_root, assignment.name)
        print(score_table(rows, cells))
        reports = course_root / "reports"
        reports.mkdir(exist_ok=True)
        write_csv(reports / f"{assignment.name}.csv", rows, cells)
        page = write_html(reports / f"{assignment.name}.html", assignment.name, rows, cells, runs,
                          incidents(course_root, assignment.name))
        print(f"   reports: {page} (+ .csv, .png)")
        problems += _unexpected(assignment.name, rows, cells, bugs)
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
