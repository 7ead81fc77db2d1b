"""Timing helpers shared by the benchmark scripts (run from this folder, so importable by name), and record(),
by which each script adds its rows of issue 18's table to one results file that bench_table.py prints.

The results file is JSON lines, one row each: {"row", "value", "goal", "unit", "note", "load", "time"};
value is null for a row not measured (note says why). Its path is $BENCH_RESULTS, else
build/bench/results.jsonl in the repository; `make bench` empties it first.
"""

import json
import os
import time
from pathlib import Path

RESULTS_ENV = "BENCH_RESULTS"
DEFAULT_RESULTS = Path(__file__).resolve().parents[1] / "build" / "bench" / "results.jsonl"


def results_path() -> Path:
    return Path(os.environ.get(RESULTS_ENV) or DEFAULT_RESULTS)


def record(row: str, value: float | None, goal: str, unit: str = "x", note: str = "") -> None:
    """Append one row to the results file.

    - row: what was measured, as bench_table.py names the table's rows (e.g. "LSTM fwd+bwd float32 vs PyTorch")
    - value: the measured number (a same-run ratio for unit "x", seconds for unit "s"); None if not measured
    - goal: "<= 1.5" or ">= 1.9", in the row's unit
    - note: how it was measured, or why it was not
    """
    path = results_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {"row": row, "value": value, "goal": goal, "unit": unit, "note": note,
            "load": round(os.getloadavg()[0], 1), "time": time.strftime("%Y-%m-%d %H:%M:%S")}
    with path.open("a") as results:
        results.write(json.dumps(line) + "\n")


def machine_busy_seconds() -> float | None:
    """CPU seconds every process on the machine has used since boot (all cores; /proc/stat), or None off
    Linux. The difference over a run is its CPU cost, child processes and Dask workers included."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(value) for value in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def wall_and_machine_cpu(function, *args, **kwargs):
    """(function's result, wall seconds, the machine's CPU seconds meanwhile: nan off Linux)."""
    started, busy = time.perf_counter(), machine_busy_seconds()
    result = function(*args, **kwargs)
    seconds, now = time.perf_counter() - started, machine_busy_seconds()
    return result, seconds, float("nan") if busy is None or now is None else now - busy


def torch_or_none():
    """torch if it is installed, else None (a benchmark then records its rows as not measured)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def best_time(function, repeats: int, budget: float | None = None) -> float:
    """The fastest of repeats calls of function(), in seconds: the least disturbed by other work.

    With a budget (seconds), stop repeating once that much time has gone.
    """
    best, started = float("inf"), time.perf_counter()
    for _ in range(repeats):
        tic = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - tic)
        if budget is not None and time.perf_counter() - started > budget:
            break
    return best


def best_time_after_warm_up(function, repeats: int) -> float:
    """best_time after one untimed call (allocations, a library's kernel selection)."""
    function()
    return best_time(function, repeats)


def best_times_interleaved(functions, repeats: int) -> list[float]:
    """The fastest of repeats calls of each function, in seconds, the calls taking turns (after one untimed
    call of each): on a shared machine each function then meets the same spells of load, so the ratio
    of two of these times is fairer than the ratio of two separate best_time runs."""
    for function in functions:
        function()
    best = [float("inf")] * len(functions)
    for _ in range(repeats):
        for k, function in enumerate(functions):
            tic = time.perf_counter()
            function()
            best[k] = min(best[k], time.perf_counter() - tic)
    return best
