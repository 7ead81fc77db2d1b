"""Timing helpers shared by the benchmark scripts (run from this folder, so importable by name)."""

import time


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
