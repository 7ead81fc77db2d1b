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
