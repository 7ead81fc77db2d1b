"""Hostile files and tampered structure, graded through both paths with the course outside /tmp.

Issue 15, parts 1 and 6. Four knn submissions are graded together, once by
``cs231n-course autograde`` (autograde_parallel, Dask) and once by plain ``nbgrader autograde knn``
from the course root, with the sandbox off (CS231N_SANDBOX=none) so that the grader's own guards
are what is tested, not the kernel's sandbox:

- ``honest``: the reference solution; full marks every time.
- ``saboteur``: the reference solution plus a cell that plants, in its own grading folder, the
  graded notebook as a link to the gradebook, a link and a hard link to a decoy file, a FIFO named
  ``zz-hang.ipynb``, a 100 GB sparse ``huge.ipynb`` (400 MB under the kernel's file size limit) and
  15 displays of 1.9 MB (each under the per-output cap, 28 MB together); and tampered structure: an
  added graded cell worth 100 points,
  a test cell turned into a solution cell, another turned into markdown, a duplicated grade id.
  It earns what its solution earns (full marks), nothing more, and wrecks nothing.
- ``shipper``: the unsolved release notebook whose solution cells run a classmate's, reached by a
  link shipped in the submission, and links to /etc/passwd, a file in the "instructor's home"
  and the gradebook, which its cells print. Links are never followed: zero.
- ``linker``: submits ``knn.ipynb`` as a link to the course's solutions. Graded as missing: zero.
"""

import hashlib
import os
import stat
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from cs231n_lib.grading import samples
from cs231n_lib.grading.demo import make_demo_course
from cs231n_lib.grading.gradebook import gradebook_url, scores
from cs231n_lib.grading.grading_folder import grading_notes
from cs231n_lib.grading.nbgrader_runner import run_nbgrader
from cs231n_lib.grading.parallel import autograde_parallel
from cs231n_lib.grading.release import release
from cs231n_lib.grading.report import incidents
from cs231n_lib.grading.run import STATE_FILE, submission_problems

ASSIGNMENT = "knn"
FULL = {"test_compute_distances_two_loops": 3.0, "test_predict_labels": 3.0, "test_compute_distances_one_loop": 3.0,
        "test_compute_distances_no_loops": 4.0, "test_knn_cross_validation": 4.0, "test_best_k": 1.0}
ZERO = dict.fromkeys(FULL, 0.0)
CELL_TIMEOUT = "--Execute.timeout=60"
WALL_CLOCK = 600.0
SECRET = "INSTRUCTOR-HOME-SECRET-5f3a"
DECOY = "DECOY-TARGET-CONTENT-91c2\n"

PLANT = """
import os
from IPython.display import display
os.symlink({gradebook!r}, "knn.ipynb.tmp")
os.replace("knn.ipynb.tmp", "knn.ipynb")  # the graded notebook is now a link to the gradebook
os.symlink({decoy!r}, "decoy-link.txt")
try:
    os.link({decoy!r}, "decoy-hard.txt")
except OSError:
    pass  # another file system (the parallel path grades under /tmp)
os.mkfifo("zz-hang.ipynb")
with open("huge.ipynb", "wb") as handle:
    try:
        handle.truncate(100 * 1024**3)
    except OSError:  # the kernel's file size limit (512 MB): still far above the grader's 50 MB
        handle.truncate(400 * 1024**2)
for index in range(15):
    display({{"text/plain": chr(65 + index) * 1_900_000}}, raw=True)
"""

CLASSMATE = """
import json
def classmate(grade_id):
    cells = json.load(open("classmate.txt"))["cells"]
    return "".join(next(c["source"] for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id))
for name in ["passwd.txt", "home.txt", "gradebook.txt"]:
    try:
        print(name, open(name, "rb").read(300))
    except OSError as error:
        print(name, error)
"""


@pytest.fixture(scope="module")
def outside_tmp_module():
    """conftest's outside_tmp for a whole module: one course, graded once per path."""
    import shutil

    base = Path(os.environ.get("CS231N_OUTSIDE_TMP", "/var/tmp"))
    base.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="cs231n-test-", dir=base)).resolve()
    assert not folder.is_relative_to("/tmp"), f"{folder} is under /tmp; set CS231N_OUTSIDE_TMP"
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def saboteur_notebook(root, decoy):
    nb = samples.solution_submission(root, ASSIGNMENT, ASSIGNMENT, [])
    nb.cells.insert(2, nbformat.v4.new_code_cell(PLANT.format(gradebook=str(root / "gradebook.db"),
                                                              decoy=str(decoy))))
    extra = nbformat.v4.new_code_cell("print('extra credit')", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "points": 100, "grade_id": "test_extra_credit",
        "schema_version": 3}})
    nb.cells.append(extra)
    as_solution = cell(nb, "test_predict_labels")
    as_solution.source = "pass  # no test here"
    as_solution.metadata["nbgrader"].update(solution=True, grade=False, locked=False)
    as_markdown = cell(nb, "test_compute_distances_one_loop")
    as_markdown.cell_type = "markdown"
    del as_markdown["outputs"], as_markdown["execution_count"]
    duplicate = cell(nb, "test_knn_cross_validation")
    nb.cells.insert(nb.cells.index(duplicate), nbformat.v4.new_code_cell(
        "pass", metadata={"nbgrader": dict(duplicate.metadata["nbgrader"])}))
    return nb


def shipper_notebook(root):
    nb = samples.release_notebook(root, ASSIGNMENT, ASSIGNMENT)
    for unit in ("KNearestNeighbor", "knn_cross_validation"):
        cell(nb, unit).source = f"exec(classmate({unit!r}), globals())"
    nb.cells.insert(2, nbformat.v4.new_code_cell(CLASSMATE))
    return nb


def digest(path):
    status = os.stat(path)
    return hashlib.sha256(Path(path).read_bytes()).hexdigest(), stat.S_IMODE(status.st_mode)


@pytest.fixture(scope="module")
def course(outside_tmp_module, repo_root):
    base = outside_tmp_module
    root = base / "course"
    make_demo_course(repo_root, root)
    release(root, ASSIGNMENT)
    home = base / "home"
    home.mkdir()
    (home / "secret.txt").write_text(SECRET)
    decoy = base / "decoy.txt"
    decoy.write_text(DECOY)
    decoy.chmod(0o600)
    samples.write_submission(root, "honest", ASSIGNMENT,
                             {ASSIGNMENT: samples.solution_submission(root, ASSIGNMENT, ASSIGNMENT, [])})
    samples.write_submission(root, "saboteur", ASSIGNMENT, {ASSIGNMENT: saboteur_notebook(root, decoy)})
    shipped = samples.write_submission(root, "shipper", ASSIGNMENT, {ASSIGNMENT: shipper_notebook(root)})
    for name, target in {"classmate.txt": "../../honest/knn/knn.ipynb", "passwd.txt": "/etc/passwd",
                         "home.txt": str(home / "secret.txt"), "gradebook.txt": str(root / "gradebook.db")}.items():
        (shipped / name).symlink_to(target)
    linked = root / "submitted" / "linker" / ASSIGNMENT
    linked.mkdir(parents=True)
    (linked / "knn.ipynb").symlink_to(Path("..", "..", "..", "solutions", ASSIGNMENT, "knn.ipynb"))
    targets = [decoy, home / "secret.txt", root / "solutions" / ASSIGNMENT / "knn.ipynb"]
    return root, targets


def grade(course, path):
    """Grade every submission through one path; (runs by student, seconds, log) after checks."""
    root, targets = course
    started = time.perf_counter()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CS231N_SANDBOX", "none")
        if path == "parallel":
            runs = autograde_parallel(root, ASSIGNMENT, workers=2, force=True, extra_arguments=(CELL_TIMEOUT,),
                                      wall_clock=WALL_CLOCK, progress=False)
            runs = {run.student: run for run in runs}
            log = ""
        else:
            completed = run_nbgrader(root, "autograde", ASSIGNMENT, "--force", CELL_TIMEOUT, check=False,
                                     timeout=WALL_CLOCK)
            assert completed.returncode is not None, "plain nbgrader autograde hung"
            log = completed.stdout + completed.stderr
            runs = {}
        feedback = run_nbgrader(root, "generate_feedback", ASSIGNMENT, "--force",
                                "--HoldUngradedFeedback.allow_ungraded=True", check=False, timeout=300)
    assert feedback.returncode is not None, "generate_feedback hung"
    return {"runs": runs, "seconds": time.perf_counter() - started, "log": log,
            "scores": {row.student: row.cells for row in scores(root, ASSIGNMENT)},
            "feedback": feedback_text(root), "graded": graded_notebooks(root)}


def feedback_text(root):
    texts = {}
    for path in sorted((root / "feedback").rglob("*")):
        if path.is_file() and not path.is_symlink():
            texts[str(path.relative_to(root / "feedback"))] = path.read_bytes().decode("utf-8", "replace")
    return texts


def graded_notebooks(root):
    found = {}
    for folder in sorted((root / "autograded").glob(f"*/{ASSIGNMENT}")):
        path = folder / "knn.ipynb"
        if not path.is_symlink() and path.is_file():
            found[folder.parent.name] = (path.stat().st_size, nbformat.read(path, as_version=4))
    return found


@pytest.fixture(scope="module")
def graded(course):
    """Both paths, one after the other, on the same course; the targets' state before and after."""
    root, targets = course
    before = {str(p): digest(p) for p in targets}
    gradebook_mode = stat.S_IMODE(os.stat(root / "gradebook.db").st_mode)
    results = {path: grade(course, path) for path in ("parallel", "nbgrader")}
    for path, result in results.items():
        print(f"{path}: {result['seconds']:.1f} s, scores {result['scores']}")
        for run in result["runs"].values():
            print(f"  {run.student}: {run.seconds:.1f} s ok={run.ok} {run.message}")
    after = {str(p): digest(p) for p in targets}
    return root, results, before, after, gradebook_mode


PATHS = ["parallel", "nbgrader"]


@pytest.mark.parametrize("path", PATHS)
def test_honest_student_gets_full_marks_beside_the_attackers(graded, path):
    _, results, *_ = graded
    assert results[path]["scores"]["honest"] == FULL


@pytest.mark.parametrize("path", PATHS)
def test_attackers_earn_only_what_their_own_code_earns(graded, path):
    _, results, *_ = graded
    rows = results[path]["scores"]
    assert rows["saboteur"] == FULL  # its solution is right; the 100-point extra cell earns nothing
    assert rows["shipper"] == ZERO  # the classmate's notebook never reached it
    assert rows.get("linker", ZERO) == ZERO


def test_targets_outside_the_grading_folder_are_byte_for_byte_unchanged(graded):
    root, _, before, after, gradebook_mode = graded
    assert after == before
    assert stat.S_IMODE(os.stat(root / "gradebook.db").st_mode) == gradebook_mode
    with Gradebook(gradebook_url(root), "cs231n") as gradebook:
        assert sorted(s.student_id for s in gradebook.assignment_submissions(ASSIGNMENT)) == [
            "honest", "linker", "saboteur", "shipper"]


@pytest.mark.parametrize("path", PATHS)
def test_graded_notebooks_are_regular_files_with_capped_outputs(graded, path):
    root, results, *_ = graded
    size, nb = results[path]["graded"]["saboteur"]
    assert size < 25 * 1024 * 1024
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "the notebook's outputs passed the 20000000 bytes limit" in outputs
    folder = root / "autograded" / "saboteur" / ASSIGNMENT
    assert all(entry.is_dir(follow_symlinks=False)  # the student package the grader copied in
               or entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_nlink == 1
               for entry in os.scandir(folder)), sorted(os.listdir(folder))
    assert not any(name.startswith(("zz-hang", "huge", "decoy")) for name in os.listdir(folder))


def test_planted_files_are_named_in_the_run_summary_and_the_feedback(graded):
    _, results, *_ = graded
    message = results["parallel"]["runs"]["saboteur"].message
    _, nb = results["nbgrader"]["graded"]["saboteur"]
    for notes in (message, " ".join(grading_notes(nb)), results["nbgrader"]["log"]):
        assert "zz-hang.ipynb is a named pipe (FIFO): removed from the grading folder" in notes
        assert "huge.ipynb is" in notes and "decoy-link.txt is a symbolic link" in notes
    assert "removed from the grading folder" in results["nbgrader"]["feedback"]["saboteur/knn/knn.html"]


STRUCTURE_NOTES = [
    "graded cell 'test_extra_credit' is not part of the assignment: it earns no points",
    "cell 'test_predict_labels' was changed from a test cell into a solution cell: restored from the assignment",
    "cell 'test_compute_distances_one_loop' was changed from code into markdown: restored from the assignment",
    "grade id 'test_knn_cross_validation' appears 2 times: only its last copy is graded",
]


@pytest.mark.parametrize("path", PATHS)
def test_tampered_structure_gets_one_clear_line_each_and_no_key_error(graded, path):
    root, results, *_ = graded
    _, nb = results[path]["graded"]["saboteur"]
    notes = grading_notes(nb)
    for line in STRUCTURE_NOTES:
        assert line in notes
    feedback = results[path]["feedback"]["saboteur/knn/knn.html"]
    assert "test_extra_credit" in feedback and "was changed from a test cell into a solution cell" in feedback
    if path == "parallel":
        summary = results[path]["runs"]["saboteur"].message
        assert results[path]["runs"]["saboteur"].ok
    else:
        summary = results[path]["log"]
    assert all(line in summary for line in STRUCTURE_NOTES)
    assert "KeyError" not in summary and "Inconsistent checksums" not in summary


def test_report_lists_the_notes(graded):
    root, *_ = graded
    found = [what for student, what in incidents(root, ASSIGNMENT) if student == "saboteur"]
    assert f"knn: {STRUCTURE_NOTES[0]}" in found


@pytest.mark.parametrize("path", PATHS)
def test_shipped_links_are_left_out_and_named(graded, path):
    root, results, *_ = graded
    for name in ("classmate.txt", "passwd.txt", "home.txt", "gradebook.txt"):
        assert not os.path.lexists(root / "autograded" / "shipper" / ASSIGNMENT / name)
    if path == "parallel":
        run = results[path]["runs"]["shipper"]
        assert not run.ok and "passwd.txt is a symbolic link: left out of grading" in run.message
    else:
        _, nb = results[path]["graded"]["shipper"]
        assert "classmate.txt is a symbolic link: left out of grading" in grading_notes(nb)


@pytest.mark.parametrize("path", PATHS)
def test_feedback_hands_back_no_target_contents(graded, path):
    root, results, *_ = graded
    feedback = results[path]["feedback"]
    assert "saboteur/knn/knn.html" in feedback and "honest/knn/knn.html" in feedback
    everything = "\n".join(feedback.values())
    assert SECRET not in everything and "root:x:0:0" not in everything and "SQLite format" not in everything
    assert DECOY.strip() not in everything
    planted = ("classmate", "passwd", "home", "gradebook", "decoy", "huge", "zz-hang")
    assert not any(Path(name).name.startswith(planted) for name in feedback), sorted(feedback)
    # The grader's own record of the run is not handed back either.
    assert not any(Path(name).name == STATE_FILE for name in feedback), sorted(feedback)


@pytest.mark.parametrize("path", PATHS)
def test_a_linked_notebook_is_graded_as_missing_with_a_clear_message(graded, path):
    root, results, *_ = graded
    expected = "knn.ipynb is a symbolic link: graded as missing"
    if path == "parallel":
        assert results[path]["runs"]["linker"].message == expected
    else:
        assert "knn.ipynb is a symbolic link" in results[path]["log"]
        assert expected in submission_problems(root, ASSIGNMENT, "linker")
    assert "linker" not in results[path]["graded"]


def test_serial_autograde_names_the_links_too(course):
    root, _ = course
    problems = submission_problems(root, ASSIGNMENT, "shipper")
    assert sorted(problems) == sorted(f"{name} is a symbolic link: left out of grading"
                                      for name in ("classmate.txt", "gradebook.txt", "home.txt", "passwd.txt"))



# Fast checks of the building blocks, without a grading run.

def test_safe_reads_refuse_links_fifos_devices_sparse_and_oversized_files(tmp_path):
    from cs231n_lib.grading import safe_files

    (tmp_path / "ok.txt").write_text("fine")
    (tmp_path / "link.txt").symlink_to(tmp_path / "ok.txt")
    os.mkfifo(tmp_path / "pipe.ipynb")
    with open(tmp_path / "sparse.bin", "wb") as handle:
        handle.truncate(2 * safe_files.MB)
    (tmp_path / "big.txt").write_bytes(b"x" * 2000)
    assert safe_files.read_bytes(tmp_path / "ok.txt") == b"fine"
    (tmp_path / "dense.bin").write_bytes(b"y" * (3 * safe_files.MB))  # large enough to be checked for holes
    assert safe_files.read_bytes(tmp_path / "dense.bin") == b"y" * (3 * safe_files.MB)
    reasons = {}
    for name, limit in [("link.txt", 100), ("pipe.ipynb", 100), ("sparse.bin", 10 * safe_files.MB),
                        ("big.txt", 1000), ("/dev/zero", 100), ("missing", 100)]:
        with pytest.raises(safe_files.UnsafeFileError) as refused:
            safe_files.read_bytes(tmp_path / name, limit)
        reasons[name] = str(refused.value)
    assert reasons["link.txt"] == "link.txt is a symbolic link"
    assert reasons["pipe.ipynb"] == "pipe.ipynb is a named pipe (FIFO)"
    assert reasons["sparse.bin"].startswith("sparse.bin is a sparse file")
    assert "above the 0 MB limit" in reasons["big.txt"] and reasons["/dev/zero"] == "zero is a character device"
    assert "cannot be read" in reasons["missing"]
    found = safe_files.scan(tmp_path)
    assert sorted(found.files) == ["big.txt", "dense.bin", "ok.txt", "sparse.bin"]  # holes are caught on reading
    assert sorted(found.refused) == ["link.txt", "pipe.ipynb"]


def test_write_fresh_replaces_a_planted_link_without_touching_its_target(tmp_path):
    from cs231n_lib.grading import safe_files

    target = tmp_path / "gradebook.db"
    target.write_text("precious")
    target.chmod(0o600)
    folder = tmp_path / "grading"
    folder.mkdir()
    (folder / "knn.ipynb").symlink_to(target)
    os.link(target, folder / "hard.txt")
    os.mkfifo(folder / "zz-hang.ipynb")
    removed = safe_files.clean_folder(folder)
    assert sorted(removed) == ["hard.txt is a hard link to another file", "knn.ipynb is a symbolic link",
                               "zz-hang.ipynb is a named pipe (FIFO)"]
    (folder / "knn.ipynb").symlink_to(target)
    safe_files.write_fresh(folder / "knn.ipynb", "{}")
    assert target.read_text() == "precious" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert (folder / "knn.ipynb").read_text() == "{}" and not (folder / "knn.ipynb").is_symlink()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "autograded").mkdir()
    (tmp_path / "autograded" / "eve").symlink_to(tmp_path / "elsewhere")
    made = safe_files.real_directory(tmp_path / "autograded", Path("eve", "knn"))
    assert made.is_dir() and not (tmp_path / "autograded" / "eve").is_symlink()
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_whole_notebook_output_cap_keeps_errors():
    from cs231n_lib.grading.grading_folder import LimitOutputSize

    nb = nbformat.v4.new_notebook()
    display = {"output_type": "display_data", "metadata": {}, "data": {"text/plain": "x" * 1_900_000}}
    error = {"output_type": "error", "ename": "AssertionError", "evalue": "wrong", "traceback": ["t"] * 3}
    nb.cells = [nbformat.v4.new_code_cell("", outputs=[nbformat.from_dict(display) for _ in range(15)]),
                nbformat.v4.new_code_cell("", outputs=[nbformat.from_dict(error)])]
    LimitOutputSize().preprocess(nb, {})
    kinds = [o.output_type for o in nb.cells[0].outputs]
    assert kinds.count("display_data") == 10 and kinds.count("stream") == 5
    assert nb.cells[1].outputs[0].output_type == "error"
    assert len(nbformat.writes(nb)) < 20_500_000
