"""Generate release/ (student notebooks + package) and solutions/ from source/ with nbgrader."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import nbformat

from .course import STUDENT_PACKAGE, get_assignment
from .gradebook import course_config
from .markers import HIDDEN_TESTS_BLOCK, SOLUTION_MARKER_LINE
from .nbgrader_runner import run_nbgrader
from .requirements import requirements_text
from .student_package import CHECK_DATA, build_student_package, check_data

# CPython 3.11 shares the AST constructor's depth counter between threads (python/cpython#106905): two
# ast.parse calls at once can fail with "SystemError: AST constructor recursion depth mismatch" (seen once in
# CI, two grading templates built side by side). Releases run two at a time in threads (the demo, autograde's
# templates), so the steps that parse Python run one release at a time; nbgrader's own runs still overlap.
_PARSING = threading.Lock()


def clean_solution_source(source: str) -> str:
    """Solutions for students: no solution markers, no hidden tests."""
    return SOLUTION_MARKER_LINE.sub("", HIDDEN_TESTS_BLOCK.sub("", source)).rstrip("\n")


def link_package_into_source(course_root: Path, assignment: str) -> None:
    """Let source notebooks import the assignment's package, as a student's notebook would.

    nbgrader skips the link (CourseDirectory.ignore lists the package's name), so it
    never reaches a release.
    """
    link = course_root / "source" / assignment / STUDENT_PACKAGE
    if link.is_symlink() or link.exists():
        return
    link.symlink_to(Path("..", "..", "release", assignment, STUDENT_PACKAGE))


def release(course_root: Path, assignment: str, environment: dict[str, str] | None = None,
            with_solutions: bool = True) -> list[Path]:
    """Regenerate release/<assignment>/ and (with_solutions) solutions/<assignment>/; return the notebooks
    written.

    environment: of the nbgrader runs (default: this process's, see nbgrader_runner.nbgrader_environment).
    A grading template needs the release alone: with_solutions=False skips generate_solution.
    """
    spec = get_assignment(assignment)
    release_dir = course_root / "release" / assignment
    solution_dir = course_root / "solutions" / assignment
    for directory in (release_dir, solution_dir) if with_solutions else (release_dir,):
        if directory.exists():
            shutil.rmtree(directory)
    run_nbgrader(course_root, "generate_assignment", assignment, "--force", "--log-level=WARN", environment=environment)
    timeout = float(course_config(course_root).Execute.timeout)
    with _PARSING:
        build_student_package(assignment, release_dir)
        link_package_into_source(course_root, assignment)
        data = json.dumps(check_data(assignment, release_dir, timeout), indent=1, sort_keys=True) + "\n"
        (release_dir / STUDENT_PACKAGE / CHECK_DATA).write_text(data)
        (release_dir / "requirements.txt").write_text(requirements_text(assignment, release_dir))
    written = [release_dir / f"{notebook_name}.ipynb" for notebook_name in spec.notebooks]
    if not with_solutions:
        return written
    run_nbgrader(course_root, "generate_solution", assignment, "--force", "--log-level=WARN", environment=environment)
    # The solutions ship the release's package as it is: the solved code is in the notebooks.
    shutil.copytree(release_dir / STUDENT_PACKAGE, solution_dir / STUDENT_PACKAGE)
    for notebook_name in spec.notebooks:
        path = solution_dir / f"{notebook_name}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            cell.source = clean_solution_source(cell.source)
        nbformat.write(notebook, path)
        written.append(path)
    with _PARSING:
        (solution_dir / "requirements.txt").write_text(requirements_text(assignment, solution_dir))
    return written
