"""Timing helpers shared by the benchmark scripts (run from this folder, so importable by name)."""

import time


def best_time(function, repeats: int) -> float:
    """The fastest of repeats calls of function(), in seconds: the least disturbed by other work."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def best_time_after_warm_up(function, repeats: int) -> float:
    """best_time after one untimed call (allocations, a library's kernel selection)."""
    function()
    return best_time(function, repeats)
