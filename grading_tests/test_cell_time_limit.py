"""A cell's time limit does not depend on the grading machine's load.

The kernel is pinned to one CPU that two busy processes share, so it gets a third to two thirds of
it (depending on how the kernel's cgroup is weighted; less when the machine is busier): a cell that
needs 2.8 s of CPU then takes well over its 3 s limit and must still finish (with a hard cap of ten
times the limit, so that only a share below the executor's 1/10 would stop it); a cell that sleeps
must still be stopped at its limit, and an endless one by its CPU time.
"""

import os
import subprocess
import sys
import time

import nbformat
import pytest

from cs231n_lib.grading.execute import ResilientExecute
from cs231n_lib.grading.kernel import GraderKernelManager
from cs231n_lib.grading.limit_errors import CELL_TIMEOUT

LIMIT = 3
BUSY = "while True:\n    pass\n"


def cpu_of_kernel() -> int:
    return sorted(os.sched_getaffinity(0))[0]


@pytest.fixture
def starved_cpu():
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("needs os.sched_setaffinity (Linux)")
    cpu = cpu_of_kernel()
    burners = [subprocess.Popen([sys.executable, "-c", f"import os\nos.sched_setaffinity(0, {{{cpu}}})\n{BUSY}"])
               for _ in range(2)]
    yield cpu
    for burner in burners:
        burner.kill()
        burner.wait()


def cell_outputs(cpu: int, sources: list[str], **limits) -> tuple[list[nbformat.NotebookNode], float]:
    pin = f"import os, time\nos.sched_setaffinity(0, {{{cpu}}})"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in [pin, *sources]])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executor = ResilientExecute(timeout=LIMIT, interrupt_on_timeout=True, kernel_manager_class=GraderKernelManager,
                                **limits)
    started = time.monotonic()
    executor.preprocess(nb, {"metadata": {"path": os.getcwd()}})
    return nb.cells[1:], time.monotonic() - started


def errors(cell) -> list[str]:
    return [output.get("ename") for output in cell.outputs if output.output_type == "error"]


def test_a_computing_cell_on_a_starved_cpu_runs_until_it_has_used_its_limit(starved_cpu):
    computing = ("wall, cpu = time.monotonic(), time.process_time()\n"
                 "while time.process_time() - cpu < 2.8:\n    pass\n"
                 "print(f'{time.monotonic() - wall:.2f} s')")
    (cell,), _ = cell_outputs(starved_cpu, [computing], starved_limit_factor=10.0)
    assert errors(cell) == [], cell.outputs
    wall = float(cell.outputs[0]["text"].split()[0])
    print(f"2.8 s of CPU took {wall:.2f} s on the starved CPU (limit {LIMIT} s)")
    # Otherwise the CPU was not starved and this test shows nothing.
    assert wall > LIMIT


def test_a_sleeping_or_endless_cell_is_still_stopped(starved_cpu):
    (sleeping, endless), seconds = cell_outputs(starved_cpu, ["time.sleep(60)", BUSY])
    assert CELL_TIMEOUT in errors(sleeping), sleeping.outputs
    assert CELL_TIMEOUT in errors(endless), endless.outputs
    # The sleeping cell at its limit, the endless one by its CPU time or at most 3 times its limit.
    print(f"both cells stopped after {seconds:.1f} s in all")
    assert seconds < LIMIT + LIMIT * ResilientExecute.starved_limit_factor.default_value + 10


def test_after_a_crash_the_definitions_come_back_on_a_starved_cpu(starved_cpu):
    # The restarted kernel re-runs the cells before the crash under the same limit as any cell.
    defining = ("wall, cpu = time.monotonic(), time.process_time()\n"
                "while time.process_time() - cpu < 2.8:\n    pass\n"
                "defined = f'{time.monotonic() - wall:.2f}'\nprint(defined, 's')")
    (first, crash, later), _ = cell_outputs(starved_cpu, [defining, "os._exit(1)", "print(defined, 's')"],
                                            starved_limit_factor=10.0)
    assert errors(first) == [] and "KernelDied" in errors(crash)
    assert errors(later) == [], later.outputs
    wall = float(later.outputs[0]["text"].split()[0])
    print(f"the re-run of the defining cell took {wall:.2f} s (limit {LIMIT} s)")
    assert wall > LIMIT  # otherwise the CPU was not starved and this test shows nothing
