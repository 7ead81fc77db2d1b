"""The error names a graded cell's output carries when it hits a grading limit, defined once: the
executor writes them, the judge reads them from probe cells, the report counts them."""

from __future__ import annotations

CELL_TIMEOUT = "CellTimeoutError"  # nbclient's own name for a cell past its time limit
KERNEL_DIED = "KernelDied"
KERNEL_WEDGED = "KernelWedged"  # still busy after the time-limit interrupt
NOTEBOOK_TIME_LIMIT = "NotebookTimeLimit"  # not run: the notebook used up its time
MEMORY_ERROR = "MemoryError"  # Python's own, when the memory cap refuses an allocation

# What the instructor's report says of each.
SUMMARIES = {
    CELL_TIMEOUT: "a cell hit its time limit",
    KERNEL_DIED: "the kernel died (memory, os._exit, a signal)",
    KERNEL_WEDGED: "a cell ignored the time-limit interrupt",
    NOTEBOOK_TIME_LIMIT: "the notebook used up its time limit",
    MEMORY_ERROR: "a cell hit the memory limit",
}
