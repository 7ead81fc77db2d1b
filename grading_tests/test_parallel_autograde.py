"""Parallel autograde on a local Dask cluster leaves the gradebook exactly as serial nbgrader does."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from nbgrader.api import Gradebook

from cs231n_lib.grading import samples
from cs231n_lib.grading.autograde import autograde_serially
from cs231n_lib.grading.demo import make_demo_course
from cs231n_lib.grading.gradebook import gradebook_url
from cs231n_lib.grading.parallel import autograde_parallel
from cs231n_lib.grading.release import release
from cs231n_lib.grading.run import STATE_FILE

ASSIGNMENT = "knn"
SUBMISSIONS = {
    "ann": [],
    "ben": ["two_loops_l1", "ties_to_larger_label"],
    "cat": ["imports_reference"],
}


def gradebook_state(root):
    """Everything nbgrader records for a submission, as plain data."""
    state = {}
    with Gradebook(gradebook_url(root), "cs231n") as gradebook:
        for submission in gradebook.assignment_submissions(ASSIGNMENT):
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    state[(submission.student_id, notebook.name, grade.name)] = (
                        grade.auto_score, grade.manual_score, grade.needs_manual_grade)
                for comment in notebook.comments:
                    state[(submission.student_id, notebook.name, comment.name, "comment")] = comment.auto_comment
    return state


def make_course(root, repo_root):
    make_demo_course(repo_root, root)
    release(root, ASSIGNMENT, with_solutions=False)
    for student, bug_names in SUBMISSIONS.items():
        bugs = [samples.get_bug(ASSIGNMENT, name) for name in bug_names]
        nb = samples.solution_submission(root, ASSIGNMENT, ASSIGNMENT, bugs)
        samples.write_submission(root, student, ASSIGNMENT, {ASSIGNMENT: nb})
    (root / "submitted" / "ben" / ASSIGNMENT / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")


@pytest.fixture(scope="module")
def two_courses(tmp_path_factory, repo_root):
    serial, parallel = tmp_path_factory.mktemp("serial"), tmp_path_factory.mktemp("parallel")
    make_course(serial, repo_root)
    make_course(parallel, repo_root)
    # Side by side, as two instructors' runs on one machine: each course has its own gradebook.
    with ThreadPoolExecutor(1) as pool:
        serial_future = pool.submit(autograde_serially, serial, ASSIGNMENT, progress=False)
        parallel_runs = autograde_parallel(parallel, ASSIGNMENT, workers=2, progress=False)
        serial_runs = serial_future.result()
    return serial, parallel, serial_runs, parallel_runs


def test_parallel_gradebook_equals_serial_nbgrader(two_courses):
    serial, parallel, serial_runs, parallel_runs = two_courses
    assert all(r.ok for r in serial_runs + parallel_runs)
    state = gradebook_state(parallel)
    assert state == gradebook_state(serial)
    assert state[("ben", "knn", "test_compute_distances_two_loops")][0] == 0.0
    assert state[("ann", "knn", "test_knn_cross_validation")][0] == 4.0


def test_timestamps_reach_the_gradebook(two_courses):
    _, parallel, *_ = two_courses
    with Gradebook(gradebook_url(parallel), "cs231n") as gradebook:
        assert str(gradebook.find_submission(ASSIGNMENT, "ben").timestamp).startswith("2026-11-20 12:00:00")


def test_a_rerun_grades_only_what_is_missing_or_changed(two_courses, repo_root):
    _, parallel, *_ = two_courses
    before = gradebook_state(parallel)
    # An interrupted run: one submission's result never arrived, another student resubmitted.
    (parallel / "autograded" / "cat" / ASSIGNMENT / STATE_FILE).unlink()
    fixed = samples.solution_submission(parallel, ASSIGNMENT, ASSIGNMENT, [])
    samples.write_submission(parallel, "ben", ASSIGNMENT, {ASSIGNMENT: fixed})
    runs = autograde_parallel(parallel, ASSIGNMENT, workers=2, progress=False)
    assert sorted(r.student for r in runs) == ["ben", "cat"]
    after = gradebook_state(parallel)
    assert after[("ben", "knn", "test_compute_distances_two_loops")][0] == 3.0
    assert {k: v for k, v in after.items() if k[0] != "ben"} == {k: v for k, v in before.items() if k[0] != "ben"}
    assert autograde_parallel(parallel, ASSIGNMENT, workers=1, progress=False) == []
    state = json.loads((parallel / "autograded" / "ann" / ASSIGNMENT / STATE_FILE).read_text())
    assert state["ok"] and len(state["fingerprint"]) == 64


def test_a_grading_handed_the_references_computes_none(tmp_path, monkeypatch):
    """Without --scheduler, one of this machine's workers computes the reference results once for the
    whole command and every grading is handed them (bit for bit what judge.shared_references gives):
    its scratch course uses them without computing any. A grading not handed them (on a --scheduler
    cluster's worker) computes its own."""
    import hashlib
    from pathlib import Path

    from cs231n_lib.grading import judge, parallel

    references = judge.shared_references(ASSIGNMENT)
    computed = []
    monkeypatch.setattr(judge, "shared_references", lambda assignment: computed.append(assignment) or b"{}")
    for name, handed in (("local", references), ("remote", None)):
        (tmp_path / name).mkdir()
        digest, _, path = parallel.scratch_environment(tmp_path / name, ASSIGNMENT, handed)[
            judge.SHARED_REFERENCES_ENV].partition(":")
        content = Path(path).read_bytes()
        print(f"{name}: {len(content)} bytes of references, computed in the worker: {computed}")
        assert Path(path).parent == tmp_path / name and hashlib.sha256(content).hexdigest() == digest
        assert content == (references if name == "local" else b"{}")
    assert computed == [ASSIGNMENT]  # the remote one only
