import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

# nbgrader creates gradebooks with `alembic`, which it finds on PATH.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
os.environ.setdefault("MPLBACKEND", "agg")
# One BLAS thread in the test processes, as in the grading kernels. Two pytest workers and their graders
# keep both cores busy, so a second BLAS thread only waits for a core at every small product: the in-process
# tests of gan, rnn_captioning, svm_softmax, two_layer_net and knn took 195 s (146 CPU-s) beside two busy
# processes on 2 cores, and 106 s (62 CPU-s) on one thread; training a GAN alone, 64 s and 7 s. Tests that
# run on more threads say so (threadpool_limits raises the count; the threads are then started).
# OpenBLAS's idle threads spin for a long while (2**28 cycles) before they sleep; spinning threads take the
# cores the others wait for: the 16 tests on 2 and 4 threads took 59 s (112 CPU-s) instead of 38 s (72).
# 2**4 cycles: an idle thread sleeps at once. OpenBLAS reads both when numpy first loads it, after this file;
# neither changes a summation order at a given thread count, and kernels never see them (their environment
# is an allow-list).
for blas_threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(blas_threads, "1")
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def outside_tmp():
    """A scratch folder outside /tmp, where courses normally live.

    The grading sandbox gives each kernel a private /tmp, which would hide a course kept under
    /tmp and mask isolation mistakes; tests of isolation put their course here instead.
    """
    import shutil
    import tempfile

    base = Path(os.environ.get("CS231N_OUTSIDE_TMP", "/var/tmp"))
    base.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="cs231n-test-", dir=base)).resolve()
    assert not folder.is_relative_to("/tmp"), f"{folder} is under /tmp; set CS231N_OUTSIDE_TMP"
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# The slowest modules, longest first: most grade whole notebooks in a module-wide fixture. `make test`
# runs the suite on two pytest-xdist workers that take whole modules in collection order (--dist
# loadfile), so these start first and the many short modules fill the other worker around them.
LONGEST_MODULES = (
    "test_nbgrader_pipeline.py",
    "test_hostile_submissions.py",
    "test_hostile_files.py",
    "test_sandbox.py",
    "test_dask_scheduler.py",
    "test_parallel_autograde.py",
    "test_new_assignment.py",
    "test_lms_flow.py",
    "test_hidden_checks.py",
    "test_postgres_gradebook.py",
    "test_hidden_inputs.py",
    "test_cell_time_limit.py",
)


def pytest_collection_modifyitems(items):
    rank = {name: position for position, name in enumerate(LONGEST_MODULES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order
