"""Every assignment's notebooks end to end through real nbgrader: release, submissions, autograde, feedback."""

import ast
import json
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from student_kernel import write_kernelspec

from cs231n_lib.grading import samples
from cs231n_lib.grading.autograde import autograde_serially
from cs231n_lib.grading.course import REPO_ROOT, assignments, get_assignment
from cs231n_lib.grading.demo import make_demo_course
from cs231n_lib.grading.gradebook import autograded_cells, scores
from cs231n_lib.grading.nbgrader_runner import run_nbgrader
from cs231n_lib.grading.release import release

# A shorter cell time limit than production's 120 s, yet still ~15x the slowest reference cell alone
# (~4 s: knn cross-validation, rnn and gan training; `benchmarks/bench_cell_times.py`), so two
# graders on two busy cores never hit it on correct code.
CELL_TIMEOUT = "--Execute.timeout=60"
# The planted infinite loop hangs three cells of the knn notebook for the whole limit each (the
# cross-validation cell, its test cell, the hidden check's probe); knn's slowest cell takes ~1.5 s of
# CPU, and on a busy machine a cell is stopped only once it has used its limit in CPU time.
HANGING_CELL_TIMEOUT = "--Execute.timeout=10"


@pytest.fixture(scope="session")
def graded_course(request, tmp_path_factory, repo_root):
    """One course with every assignment released and its sample submissions, graded two at a time.

    All assignments share one pool of two graders (as on a 2-core machine; the gradebook takes
    turns), so no grader idles while another assignment's last notebook runs. Submissions that
    hit the cell time limit go first: they are the longest.
    """
    root = tmp_path_factory.mktemp("course")
    make_demo_course(repo_root, root)
    jobs, bugs_by_assignment = [], {}
    # Only the assignments whose tests were selected (`-k two_layer_net` grades one assignment).
    selected = {item.callspec.params["graded"] for item in request.session.items
                if hasattr(item, "callspec") and "graded" in item.callspec.params}
    for spec in (a for a in assignments() if a.name in selected):
        release(root, spec.name, with_solutions=False)
        by_student = samples.write_sample_submissions(root, spec.name)
        for student, bugs in by_student.items():
            jobs.append((0 if any(bug.hangs for bug in bugs) else 1, spec.name, student))
        jobs.append((2, spec.name, "release"))
        bugs_by_assignment[spec.name] = by_student
    # Stable: the hanging submissions first, the untouched releases (a few seconds each) last.
    jobs.sort(key=lambda job: job[0])

    def grade(job):
        limit = HANGING_CELL_TIMEOUT if job[0] == 0 else CELL_TIMEOUT
        return job[1], autograde_serially(root, job[1], [job[2]], extra_arguments=(limit,), progress=False)[0]

    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(grade, jobs))
    for assignment, run in runs:
        print(f"{assignment}/{run.student}: {run.seconds:.1f} s {'ok' if run.ok else run.message}")
    return root, runs, bugs_by_assignment


@pytest.fixture(scope="module", params=[a.name for a in assignments()])
def graded(request, graded_course):
    assignment = request.param
    root, runs, bugs_by_assignment = graded_course
    cells = dict(autograded_cells(root, assignment))
    rows = {row.student: row for row in scores(root, assignment)}
    return Graded(assignment, root, [run for name, run in runs if name == assignment], cells, rows,
                  bugs_by_assignment[assignment])


@dataclass
class Graded:
    assignment: str
    root: Path
    runs: list
    cells: dict
    rows: dict
    bugs: dict


def test_every_submission_is_graded(graded):
    assert all(run.ok for run in graded.runs), [(r.student, r.message) for r in graded.runs if not r.ok]
    assert set(graded.rows) == {*graded.bugs, "release"}


def test_solution_earns_full_marks(graded):
    for student in graded.bugs:
        if student.startswith("solution"):
            assert graded.rows[student].cells == graded.cells


def test_planted_alternatives_earn_full_marks(graded):
    """Correct implementations written differently from the reference keep every point."""
    groups = samples.planned_alternatives(graded.assignment)
    for student, (_, names) in groups.items():
        lost = {cell: score for cell, score in graded.rows[student].cells.items() if score != graded.cells[cell]}
        assert not lost, (student, names, lost)


def test_every_graded_unit_has_two_planted_alternatives(graded):
    spec = get_assignment(graded.assignment)
    counts = {unit.name: 0 for unit in spec.units}
    for alternative in spec.planted_alternatives:
        counts[alternative.unit] = counts.get(alternative.unit, 0) + 1
    assert {unit: n for unit, n in counts.items() if n < 2} == {}


def test_untouched_release_earns_zero(graded):
    assert graded.rows["release"].cells == {name: 0.0 for name in graded.cells}


def test_planted_bugs_lose_exactly_their_cells(graded):
    for student, bugs in graded.bugs.items():
        lost = set().union(*(bug.loses for bug in bugs)) if bugs else set()
        expected = {name: (0.0 if name in lost else points) for name, points in graded.cells.items()}
        assert graded.rows[student].cells == expected, (student, [b.name for b in bugs])


def _autograded_notebooks(graded, student):
    directory = graded.root / "autograded" / student / graded.assignment
    return [nbformat.read(path, as_version=4) for path in sorted(directory.glob("*.ipynb"))]


def _graded_cells(nbs):
    return {c.metadata["nbgrader"]["grade_id"]: c for nb in nbs for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"}


def test_failures_explain_themselves_without_revealing_hidden_checks(graded):
    for student, bugs in graded.bugs.items():
        nbs = _autograded_notebooks(graded, student)
        text = "".join(nbformat.writes(nb) for nb in nbs)
        assert "$array" not in text and "def run_plan" not in text and "__student__" not in text
        for grade_id, cell in _graded_cells(nbs).items():
            assert cell.source.strip().endswith("### END HIDDEN TESTS"), grade_id
            if any(grade_id in bug.loses for bug in bugs):
                assert any(o.output_type == "error" for o in cell.outputs), (student, grade_id)


def test_feedback_is_generated_for_every_student(graded):
    # Inline questions are never graded by hand here: feedback is held back unless allowed
    # (test_gradebook_report.py shows the hold itself).
    run_nbgrader(graded.root, "generate_feedback", graded.assignment, "--force",
                 "--HoldUngradedFeedback.allow_ungraded=True")
    for student in [*graded.bugs, "release"]:
        pages = list((graded.root / "feedback" / student / graded.assignment).glob("*.html"))
        assert pages, student
        for page in pages:
            assert "def run_plan" not in page.read_text()


def test_no_staff_path_reaches_the_student(graded):
    """Tracebacks name the student's folder by its name, never the grader's course or Python install."""
    import sys

    staff = {str(graded.root), os.path.realpath(graded.root), sys.prefix, sys.base_prefix, str(REPO_ROOT)}
    traced = 0
    for student in [*graded.bugs, "release"]:
        for nb in _autograded_notebooks(graded, student):
            text = json.dumps([cell.get("outputs", []) for cell in nb.cells if cell.cell_type == "code"])
            traced += "Traceback" in text or "File " in text
            assert not [path for path in staff if path in text], student
    assert traced, "no output named a file: the check above would prove nothing"


def test_validate_passes_on_source_and_nothing_passes_in_the_release(graded):
    for notebook in get_assignment(graded.assignment).notebooks:
        path = f"{graded.assignment}/{notebook}.ipynb"
        # Validating a source notebook runs it once more; the solutions' full marks above already
        # prove every assignment's source, so the validate command itself is exercised on knn only.
        if graded.assignment == "knn":
            source = run_nbgrader(graded.root, "validate", f"source/{path}", check=False)
            assert "Success! Your notebook passes all the tests." in source.stdout, source.stdout[-2000:]
        released = run_nbgrader(graded.root, "validate", "--invert", f"release/{path}", check=False)
        assert "Success! The notebook does not pass any tests." in released.stdout, released.stdout[-2000:]


def test_plain_nbgrader_export_writes_every_student(graded):
    import csv

    run_nbgrader(graded.root, "export", "--to=grades.csv")
    with (graded.root / "grades.csv").open(newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle) if row["assignment"] == graded.assignment}
    # The course grades every assignment, so the export lists other assignments' students too, at zero.
    assert {*graded.bugs, "release"} <= set(rows)
    assert all(float(rows[s]["raw_score"]) == 0.0 for s in set(rows) - {*graded.bugs, "release"})
    solution = next(s for s in rows if s.startswith("solution"))
    assert float(rows[solution]["raw_score"]) == sum(graded.cells.values())
    assert float(rows["release"]["raw_score"]) == 0.0


def test_cli_report_writes_csv_html_and_png(graded, tmp_path):
    from cs231n_lib.grading.cli import main

    assert main(["--root", str(graded.root), "report", graded.assignment, "--out", str(tmp_path)]) == 0
    names = {p.name for p in tmp_path.iterdir()}
    assert {f"{graded.assignment}.{ext}" for ext in ("csv", "html", "png")} <= names


def test_a_warning_from_correct_code_keeps_the_points(graded):
    if graded.assignment != "knn":
        pytest.skip("knn plants the warning")
    student = next(s for s, bugs in graded.bugs.items() if [b.name for b in bugs] == ["no_loops_warns"])
    cell = _graded_cells(_autograded_notebooks(graded, student))["test_compute_distances_no_loops"]
    assert graded.rows[student].cells["test_compute_distances_no_loops"] == 4.0
    assert any("correct, but noisy" in o.get("text", "") for o in cell.outputs)


# A promise is a trailing comment on a line that prints: "# about 2e-8", "# about 1e-9 or less",
# "# dx about 1.7e-9, dgamma and dbeta about 1e-12", "# within 2.25-2.35: why". "about X" means the same
# order of magnitude (X/10 to 10X: these are rounding errors); "within A-B" (or "about A-B") means the range.
_NUMBER = r"\d+(?:\.\d+)?(?:e[-+]?\d+)?"
_CLAUSE = re.compile(rf"(?:(?P<names>\w+(?: and \w+)*) )?(?P<kind>about|within) (?P<low>{_NUMBER})"
                     rf"(?:-(?P<high>{_NUMBER}))?(?P<less> or less)?")


def _printed_pattern(statement: str) -> re.Pattern | None:
    """A regex for the line a one-line print(...) writes, one group per formatted value."""
    try:
        call = ast.parse(statement.strip()).body[0].value
    except (SyntaxError, IndexError, AttributeError):
        return None
    if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "print"):
        return None
    parts = []
    for argument in call.args:
        pieces = argument.values if isinstance(argument, ast.JoinedStr) else [argument]
        parts.append("".join(re.escape(piece.value) if isinstance(piece, ast.Constant) and isinstance(piece.value, str)
                             else "(.+?)" for piece in pieces))
    return re.compile(r"\s*" + " ".join(parts) + r"\s*$")


def _check_promise(clause: re.Match, value: float) -> bool:
    low = float(clause["low"])
    if clause["high"]:
        return low <= value <= float(clause["high"])
    return value <= 10 * low if clause["less"] else low / 10 <= value <= 10 * low


def test_every_number_a_notebook_promises_is_true(graded):
    """Each promise in a test cell's comments holds in the executed staff solution."""
    solution = next(student for student in graded.bugs if student.startswith("solution"))
    checked, broken = 0, []
    for nb in _autograded_notebooks(graded, solution):
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            lines = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream").splitlines()
            bare_numbers = iter([float(line) for line in lines if re.fullmatch(rf"\s*-?{_NUMBER}\s*", line)])
            for source_line in cell.source.splitlines():
                code, _, comment = source_line.partition("  # ")
                comment = comment.strip().removeprefix("should be ")
                promised = re.search(r"\b(about|within) .*\d", comment)
                if not code.strip() or code.lstrip().startswith("#") or not promised:
                    continue
                clauses = list(_CLAUSE.finditer(comment))
                if not clauses or not comment.startswith(clauses[0].group(0)):
                    broken.append((code.strip()[:60], comment, "a promise this test cannot read"))
                    continue
                pattern = _printed_pattern(code)
                if pattern is None:  # a call that prints one bare number, in order
                    found = [("", next(bare_numbers, float("nan")))]
                else:
                    found = []
                    for line in lines:
                        match = pattern.match(line)
                        values = [float(g) for g in (match.groups() if match else ()) if re.fullmatch(_NUMBER, g)]
                        if values:
                            found.append((match.group(1) if match.groups() else "", values[0]))
                for clause in clauses:
                    names = clause["names"].split(" and ") if clause["names"] else None
                    values = [value for name, value in found if names is None or name.strip() in names]
                    print(f"{graded.assignment}: {code.strip()[:60]!r}: promised {clause.group(0)!r}, got {values}")
                    checked += 1
                    if not values or not all(_check_promise(clause, value) for value in values):
                        broken.append((code.strip()[:60], clause.group(0), values))
    assert broken == []
    if graded.assignment in ("batchnorm_dropout", "convnet", "rnn_captioning"):
        assert checked >= 5, "the promises in this notebook were not found: the check above would prove nothing"


def _visible_verdicts(nb) -> dict[str, bool]:
    """grade id -> whether the test cell's own (visible) checks passed in the autograded notebook."""
    return {cell.metadata["nbgrader"]["grade_id"]: not any(
                o.output_type == "error" and o.get("ename") != "HiddenCheckFailed" for o in cell.outputs)
            for cell in nb.cells if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
            and not cell.metadata["nbgrader"].get("solution")}


def _check_runs(assignment: str, bugs: dict) -> list[tuple[str, str]]:
    """(assignment, student) whose submission the students' check runs: one buggy submission of each
    assignment, and knn's solution and untouched release too."""
    buggy = next(s for s, planted in bugs.items() if planted and not any(bug.hangs for bug in planted))
    extra = [next(s for s in bugs if s.startswith("solution")), "release"] if assignment == "knn" else []
    return [(assignment, student) for student in [buggy, *extra]]


@pytest.fixture(scope="session")
def students_check_outputs(graded_course, tmp_path_factory):
    """(assignment, student) -> the completed `python -m cs231n.check` run, run as a student would in
    the submission's folder; two at a time, as the graders ran (each run executes a whole notebook)."""
    import subprocess
    import sys

    root, _, bugs_by_assignment = graded_course
    scratch = tmp_path_factory.mktemp("students-check")
    runs = [run for assignment, bugs in bugs_by_assignment.items() for run in _check_runs(assignment, bugs)]

    def check(run):
        assignment, student = run
        # The kernel sees what a student's machine has (the release's requirements), not this project's
        # environment: a submission importing the staff library fails there as it does in the grader.
        folder, kernel = scratch / assignment / student, scratch / assignment / f"kernel-{student}"
        kernel.mkdir(parents=True)
        write_kernelspec(kernel / "jupyter", "python3", REPO_ROOT / "release" / assignment, kernel)
        shutil.copytree(root / "submitted" / student / assignment, folder)
        shutil.copytree(REPO_ROOT / "release" / assignment / "cs231n", folder / "cs231n")
        notebook = get_assignment(assignment).notebooks[0]
        return run, subprocess.run([sys.executable, "-m", "cs231n.check", f"{notebook}.ipynb"], cwd=folder,
                                   capture_output=True, text=True, timeout=600,
                                   env={**os.environ, "JUPYTER_PATH": str(kernel / "jupyter")})

    with ThreadPoolExecutor(2) as pool:
        return dict(pool.map(check, runs))


def test_the_students_check_agrees_with_autograde_on_visible_checks(graded, students_check_outputs):
    """`python -m cs231n.check` gives each test cell the verdict the grader's run of its visible checks
    gave; it says nothing of hidden checks."""
    for _, student in _check_runs(graded.assignment, graded.bugs):
        completed = students_check_outputs[graded.assignment, student]
        print(completed.stdout)
        table = {match[1]: match[2] == "pass" for match in
                 re.finditer(r"^(\w+)\s+\d+(?:\.\d+)?\s+(pass|FAIL)", completed.stdout, re.MULTILINE)}
        (graded_notebook,) = [nb for nb in _autograded_notebooks(graded, student)]
        assert table == _visible_verdicts(graded_notebook), student
        clean = all(table.values()) and "Nothing else found" in completed.stdout
        assert completed.returncode == (0 if clean else 1), completed.stdout[-2000:]
        assert "hidden check" not in completed.stdout.replace("hidden checks also grade", "")
