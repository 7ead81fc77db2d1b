"""`autograde --scheduler ADDRESS`: an existing Dask cluster, and a worker that dies mid-run.

The scheduler and the workers are separate processes on loopback, each worker in its own scratch
directory (no shared file system with the course). One worker is killed, with everything it
started, while it grades; its submission is graded again elsewhere and every grade lands once.
"""

import os
import signal
import threading
import time

import pytest
from dask_cluster import dask_cluster, wait_for

from cs231n_lib.grading import samples
from cs231n_lib.grading.demo import make_demo_course
from cs231n_lib.grading.gradebook import autograded_cells, scores
from cs231n_lib.grading.parallel import autograde_parallel
from cs231n_lib.grading.release import release

ASSIGNMENT = "knn"
SUBMISSIONS = {"ann": [], "ben": ["two_loops_l1"], "cat": ["ties_to_larger_label"], "dan": []}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with dask_cluster(tmp_path_factory.mktemp("dask-cluster")) as running:
        yield running


@pytest.fixture(scope="module")
def graded_with_a_casualty(cluster, tmp_path_factory, repo_root):
    client, workers = cluster
    root = tmp_path_factory.mktemp("scheduler-course")
    make_demo_course(repo_root, root)
    release(root, ASSIGNMENT, with_solutions=False)
    for student, bug_names in SUBMISSIONS.items():
        bugs = [samples.get_bug(ASSIGNMENT, name) for name in bug_names]
        samples.write_submission(root, student, ASSIGNMENT,
                                 {ASSIGNMENT: samples.solution_submission(root, ASSIGNMENT, ASSIGNMENT, bugs)})
    pids = client.run(os.getpid)  # worker address -> pid
    outcome = {}

    def grade():
        try:
            outcome["runs"] = autograde_parallel(root, ASSIGNMENT, scheduler=client.scheduler.address,
                                                 progress=False)
        except BaseException as error:  # reported by the test, not lost in the thread
            outcome["error"] = error

    thread = threading.Thread(target=grade)
    thread.start()
    busy = wait_for(lambda: [address for address, keys in client.processing().items() if keys], 120,
                     "a worker to start grading")
    time.sleep(3)  # well inside nbgrader's run of the notebook
    victim = next(w for w in workers if w.pid == pids[busy[0]])
    os.killpg(victim.pid, signal.SIGKILL)
    thread.join(timeout=600)
    assert not thread.is_alive(), "autograde did not finish after a worker died"
    if "error" in outcome:
        raise outcome["error"]
    return root, outcome["runs"], client


def test_every_submission_is_graded_once_despite_the_dead_worker(graded_with_a_casualty):
    root, runs, client = graded_with_a_casualty
    assert sorted(run.student for run in runs) == sorted(SUBMISSIONS)
    assert all(run.ok for run in runs), [(run.student, run.message) for run in runs]
    assert len(client.scheduler_info()["workers"]) == 1  # the other one really died


def test_grades_from_the_remote_cluster_are_exact(graded_with_a_casualty):
    root, _, _ = graded_with_a_casualty
    cells = dict(autograded_cells(root, ASSIGNMENT))
    rows = {row.student: row.cells for row in scores(root, ASSIGNMENT)}
    assert sorted(rows) == sorted(SUBMISSIONS)
    for student, bug_names in SUBMISSIONS.items():
        lost = set().union(*(samples.get_bug(ASSIGNMENT, name).loses for name in bug_names)) if bug_names else set()
        assert rows[student] == {name: (0.0 if name in lost else points) for name, points in cells.items()}, student
