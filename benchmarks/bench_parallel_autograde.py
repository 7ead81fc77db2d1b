"""Serial nbgrader autograde vs cs231n-course autograde --workers 2, on generated knn submissions,
then the scaling curve: the same submissions regraded on a `--scheduler` cluster of 2, 4 and 8 local
workers (an instructor's external cluster, started before the clock and not counted).

Prints throughput (submissions per minute), the speed-ups, and where the time of one
submission goes: kernel start-up, executing the notebook, and nbgrader's own bookkeeping.

Run: .venv/bin/python benchmarks/bench_parallel_autograde.py [--submissions 40] [--scaling 2,4,8]
(about 20 minutes on 2 cores for 40 submissions: every one runs the whole knn notebook, five times).
The speed-ups are also recorded for bench_table.py (timing.record).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
from timing import record, wall_and_machine_cpu

from cs231n_lib.grading import samples
from cs231n_lib.grading.autograde import autograde_serially
from cs231n_lib.grading.course import REPO_ROOT, get_assignment
from cs231n_lib.grading.demo import make_demo_course
from cs231n_lib.grading.gradebook import scores
from cs231n_lib.grading.nbgrader_runner import run_nbgrader
from cs231n_lib.grading.parallel import autograde_parallel
from cs231n_lib.grading.release import release

ASSIGNMENT = "knn"


def make_course(root: Path, count: int) -> None:
    make_demo_course(REPO_ROOT, root)
    release(root, ASSIGNMENT)
    bugs = [b for b in get_assignment(ASSIGNMENT).planted_bugs if not b.hangs]
    for index in range(count):
        # A realistic mix: most submissions solved, some with one bug, a few untouched.
        if index % 10 == 9:
            nb = samples.release_notebook(root, ASSIGNMENT, ASSIGNMENT)
        else:
            chosen = [bugs[index % len(bugs)]] if index % 3 == 0 else []
            nb = samples.solution_submission(root, ASSIGNMENT, ASSIGNMENT, chosen)
        samples.write_submission(root, f"student{index:03d}", ASSIGNMENT, {ASSIGNMENT: nb})


async def kernel_start_seconds(repeats: int = 3) -> float:
    from cs231n_lib.grading.kernel import GraderKernelManager

    best = float("inf")
    with tempfile.TemporaryDirectory() as directory:
        for _ in range(repeats):
            started = time.perf_counter()
            manager = GraderKernelManager(hidden_paths=[])
            await manager.start_kernel(cwd=directory)
            client = manager.client()
            client.start_channels()
            await client.wait_for_ready(timeout=60)
            client.stop_channels()
            await manager.shutdown_kernel(now=True)
            best = min(best, time.perf_counter() - started)
    return best


def notebook_seconds(root: Path) -> float:
    """Executing the solution notebook with nbclient alone (no nbgrader), in the grading kernel."""
    from nbclient import NotebookClient

    from cs231n_lib.grading.kernel import GraderKernelManager

    with tempfile.TemporaryDirectory() as directory:
        shutil.copytree(root / "release" / ASSIGNMENT / "cs231n", Path(directory) / "cs231n")
        nb = samples.solution_submission(root, ASSIGNMENT, ASSIGNMENT, [])
        started = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_manager_class=GraderKernelManager,
                       resources={"metadata": {"path": directory}}).execute()
        return time.perf_counter() - started


def grading_seconds(root: Path, student: str, fork: bool) -> float:
    started = time.perf_counter()
    autograde_serially(root, ASSIGNMENT, [student], progress=False, fork=fork)
    return time.perf_counter() - started


def per_cell_scores(root: Path) -> dict[str, dict[str, float]]:
    return {row.student: row.cells for row in scores(root, ASSIGNMENT)}


def scheduler_run(root: Path, workers: int) -> tuple[float, int, float]:
    """Regrade every submission through `--scheduler` on a cluster of workers local processes (one
    thread each, as `dask worker --nthreads 1`); (seconds, submissions graded, the machine's CPU
    seconds meanwhile). The cluster's start is not timed: an instructor's scheduler is already running."""
    import dask
    from dask.distributed import LocalCluster

    # Non-daemonic workers may fork their graders, as `dask worker` processes may.
    with dask.config.set({"distributed.worker.daemon": False}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               host="127.0.0.1")
    try:
        runs, seconds, cpu = wall_and_machine_cpu(autograde_parallel, root, ASSIGNMENT,
                                                  scheduler=cluster.scheduler_address, force=True, progress=False)
        return seconds, sum(run.ok for run in runs), cpu
    finally:
        cluster.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--scaling", default="2,4,8",
                        help="worker counts of the --scheduler curve, comma-separated ('' for none)")
    args = parser.parse_args()
    scaling = [int(count) for count in args.scaling.split(",") if count.strip()]
    with tempfile.TemporaryDirectory(prefix="cs231n-bench-") as scratch:
        serial_root, parallel_root = Path(scratch, "serial"), Path(scratch, "parallel")
        make_course(serial_root, args.submissions)
        make_course(parallel_root, args.submissions)

        # The baseline is what an instructor runs without this package: one `nbgrader autograde`
        # process grading every submission in turn.
        _, serial, serial_cpu = wall_and_machine_cpu(run_nbgrader, serial_root, "autograde", ASSIGNMENT, "--force",
                                                     "--log-level=WARN", fork=False)
        parallel_runs, parallel, parallel_cpu = wall_and_machine_cpu(autograde_parallel, parallel_root, ASSIGNMENT,
                                                                     workers=2, progress=True)
        record("parallel autograde, --workers 2 vs serial nbgrader autograde", serial / parallel, ">= 1.9",
               note=f"{args.submissions} {ASSIGNMENT} submissions: serial {serial:.0f} s, workers 2 {parallel:.0f} s "
                    f"({serial_cpu / args.submissions:.1f} and {parallel_cpu / args.submissions:.1f} CPU-s each)")

        curve = {}
        for workers in scaling:
            seconds, graded_ok, cpu = scheduler_run(parallel_root, workers)
            # Oversubscribed cores must slow grading down, never change a score.
            same = per_cell_scores(parallel_root) == per_cell_scores(serial_root)
            curve[workers] = seconds, graded_ok, cpu, same
            record(f"parallel autograde on a --scheduler cluster, {workers} workers vs serial nbgrader autograde",
                   serial / seconds, "",
                   note=f"{args.submissions} {ASSIGNMENT} submissions ({graded_ok} graded): {seconds:.0f} s, "
                        f"{cpu / args.submissions:.1f} CPU-s each, {os.cpu_count()} cores; scores "
                        f"{'the same as' if same else 'DIFFERENT FROM'} serial")

        kernel = asyncio.run(kernel_start_seconds())
        solved = "student001"  # solved, no bug
        # The best of three of each, taken in turn: the breakdown subtracts one from another, and a
        # single run of each left it at the mercy of the machine's drift (it once printed a negative).
        execute = one_process = one_forked = float("inf")
        for _ in range(3):
            execute = min(execute, notebook_seconds(serial_root))
            one_process = min(one_process, grading_seconds(serial_root, solved, fork=False))
            one_forked = min(one_forked, grading_seconds(serial_root, solved, fork=True))
        n = args.submissions
        graded = len(list((serial_root / "autograded").glob(f"*/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")))
        print(f"\n{n} submissions of {ASSIGNMENT} ({graded} / {sum(r.ok for r in parallel_runs)} graded)")
        # CPU-s per submission: what a grading costs the machine; it rises when gradings contend for cores.
        print(f"  serial nbgrader autograde : {serial:7.1f} s  {60 * n / serial:6.2f} submissions/min"
              f"  {serial_cpu / n:5.1f} CPU-s each")
        print(f"  --workers 2 (Dask)        : {parallel:7.1f} s  {60 * n / parallel:6.2f} submissions/min"
              f"  {parallel_cpu / n:5.1f} CPU-s each")
        print(f"  speed-up                  : {serial / parallel:6.2f}x")
        for workers, (seconds, graded_ok, cpu, same) in curve.items():
            print(f"  --scheduler, {workers} workers    : {seconds:7.1f} s  {60 * n / seconds:6.2f} submissions/min"
                  f"  {cpu / n:5.1f} CPU-s each  {serial / seconds:5.2f}x  ({graded_ok} graded, scores "
                  f"{'the same as' if same else 'DIFFERENT FROM'} serial; {os.cpu_count()} cores)")
        print(f"  one submission, serial    : {serial / n:6.1f} s on average")
        print(f"  one solved submission     : {one_process:6.1f} s in a new nbgrader process (best of 3), "
              f"{one_forked:.1f} s forked from the fork server (no imports)")
        print(f"    kernel start + shutdown : {kernel:6.1f} s")
        print(f"    executing the notebook  : {execute:6.1f} s (nbclient alone, includes one kernel start)")
        print(f"    nbgrader + judging      : {one_forked - execute:6.1f} s (forked, the rest)")
        sizes = sorted(len(nbformat.writes(nbformat.read(p, as_version=4)))
                       for p in (serial_root / "autograded").glob(f"*/{ASSIGNMENT}/*.ipynb"))
        print(f"  graded notebook size      : median {sizes[len(sizes) // 2] / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
