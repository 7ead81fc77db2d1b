"""README "Adding an exercise", followed as an instructor would: an eighth assignment from the template,
in a copy of the course, released and autograded with no edit outside its own files but one line."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NAME = "tiny_layers"
COPIED = ("cs231n_lib", "source", "release", "nbgrader_config.py", "pyproject.toml")


def course_files(root: Path) -> dict[str, bytes]:
    found = {}
    for top in COPIED:
        path = root / top
        for file in [path] if path.is_file() else sorted(path.rglob("*")):
            if file.is_file() and not file.is_symlink() and "__pycache__" not in file.parts:
                found[str(file.relative_to(root))] = file.read_bytes()
    return found


def cli(course: Path, *args: str) -> subprocess.CompletedProcess:
    """cs231n-course run with the course copy's library, as an instructor runs it in that course."""
    environment = {**os.environ, "PYTHONPATH": str(course)}
    return subprocess.run([sys.executable, "-m", "cs231n_lib.grading.cli", "--root", str(course), *args],
                          cwd=course, env=environment, capture_output=True, text=True, timeout=900)


def python(course: Path, program: str) -> str:
    done = subprocess.run([sys.executable, "-c", program, str(course)], cwd=course, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(course)}, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


SCORES = """
import json, sys
from pathlib import Path
from cs231n_lib.grading.gradebook import scores
rows = scores(Path(sys.argv[1]), "tiny_layers", everyone=True)
print(json.dumps({row.student: [row.auto_total, sum(row.max_points.values())] for row in rows}))
"""


@pytest.fixture(scope="module")
def course(repo_root):
    import tempfile

    base = Path(os.environ.get("CS231N_OUTSIDE_TMP", "/var/tmp"))
    root = Path(tempfile.mkdtemp(prefix="cs231n-new-assignment-", dir=base)).resolve() / "course"
    for top in COPIED:
        source = repo_root / top
        if source.is_dir():
            shutil.copytree(source, root / top, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            root.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / top)
    yield root
    shutil.rmtree(root.parent, ignore_errors=True)


def test_a_new_assignment_is_released_and_graded_with_one_registration_line(course):
    before = course_files(course)
    written = cli(course, "new-assignment", NAME)
    assert written.returncode == 0, written.stderr
    assert f"add '{NAME}' to RELEASE_ORDER" in written.stdout

    # The registration line, as the README says.
    course_module = course / "cs231n_lib" / "grading" / "course.py"
    text = course_module.read_text()
    registered = re.sub(r"(RELEASE_ORDER = \([^)]*)\)", rf'\1, "{NAME}")', text, count=1)  # appended last
    assert registered != text
    course_module.write_text(registered)

    after = course_files(course)
    new_files = sorted(set(after) - set(before))
    assert new_files == sorted([f"cs231n_lib/{NAME}.py", f"cs231n_lib/grading/assignments/{NAME}.py",
                                f"source/{NAME}/{NAME}.ipynb"])
    changed = sorted(path for path in before if after.get(path) != before[path])
    assert changed == ["cs231n_lib/grading/course.py"]
    old_lines, new_lines = before[changed[0]].decode().splitlines(), after[changed[0]].decode().splitlines()
    assert len(old_lines) == len(new_lines)
    assert sum(a != b for a, b in zip(old_lines, new_lines, strict=True)) == 1

    for step in (("sync", "--check", NAME), ("release", NAME), ("check-release", NAME), ("leak-scan",)):
        done = cli(course, *step)
        assert done.returncode == 0, f"{' '.join(step)}:\n{done.stdout}\n{done.stderr}"

    release = course / "release" / NAME
    assert (release / f"{NAME}.ipynb").is_file() and (release / "cs231n" / f"{NAME}.py").is_file()
    released = (release / f"{NAME}.ipynb").read_text()
    assert "YOUR CODE HERE" in released and "logaddexp" not in released and "hidden-check" not in released

    students = json.loads(python(course, f"""
import json, sys
from pathlib import Path
from cs231n_lib.grading.samples import write_sample_submissions
bugs = write_sample_submissions(Path(sys.argv[1]), "{NAME}")
print(json.dumps({{student: [bug.name for bug in planted] for student, planted in bugs.items()}}))
"""))
    assert students == {"solution": [], "bugs-1": ["sigmoid_of_minus_x"]}

    graded = cli(course, "autograde", NAME, "--workers", "1")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    print(graded.stdout)
    scores = json.loads(python(course, SCORES))
    assert scores == {"solution": [2.0, 2.0], "bugs-1": [0.0, 2.0], "release": [0.0, 2.0]}


def test_a_taken_or_malformed_name_gets_one_line(course):
    for name, reason in (("knn", "already has an assignment 'knn'"), ("Tiny-Layers", "not a valid assignment name"),
                         ("class", "not a valid assignment name"), ("layers", "cs231n_lib/layers.py already exists")):
        done = cli(course, "new-assignment", name)
        assert done.returncode == 2, done.stdout + done.stderr
        assert done.stderr.count("\n") == 1 and reason in done.stderr, done.stderr
