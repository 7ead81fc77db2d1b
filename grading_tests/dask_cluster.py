"""A Dask cluster of separate processes on loopback, as an instructor's `--scheduler` would name."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dask.distributed import Client


def _dask_command(*arguments: str) -> list[str]:
    # The `dask` entry point of the interpreter running the tests (the venv's).
    return [str(Path(sys.executable).with_name("dask")), *arguments]


def wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"waited {seconds:.0f} s for {what}")


@contextmanager
def dask_cluster(scratch: Path, workers: int = 2) -> Iterator[tuple[Client, list[subprocess.Popen]]]:
    """A `dask scheduler` and `workers` x `dask worker --no-nanny`, each worker in its own scratch
    directory (no shared file system with the course); yields a client and the worker processes.
    Everything is killed, process group and all, on exit."""
    scheduler_file = scratch / "scheduler.json"
    processes = [subprocess.Popen(
        _dask_command("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                      "--scheduler-file", str(scheduler_file)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
    client = None
    try:
        wait_for(scheduler_file.exists, 60, "the Dask scheduler")
        for index in range(workers):
            local = scratch / f"worker-{index}"
            local.mkdir()
            processes.append(subprocess.Popen(
                _dask_command("worker", "--scheduler-file", str(scheduler_file), "--nthreads", "1",
                              "--no-nanny", "--no-dashboard", "--local-directory", str(local)),
                cwd=local, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        client = Client(scheduler_file=str(scheduler_file), timeout=60)
        client.wait_for_workers(workers, timeout=60)
        yield client, processes[1:]
    finally:
        if client is not None:
            client.close()
        for process in processes:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
