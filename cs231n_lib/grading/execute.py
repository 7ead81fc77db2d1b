"""nbgrader's Execute, made to survive what student code does to its kernel.

nbgrader gives up on a whole submission when the kernel dies (``os._exit``,
a signal, the memory cap) or stays busy after the time-limit interrupt (code
that ignores SIGINT). Here such a cell gets an error output that says what
happened, the kernel is restarted, the cells before it (except graded test
cells and cells that broke the kernel) run again to restore the student's
definitions, and grading goes on. A whole-notebook time limit stops a
submission that keeps hitting cell limits: the cells it leaves get an error.

A cell's time limit is meant for the student's code, not for the grading
machine's load: a cell that keeps computing but gets only part of a CPU (other
graders, other jobs) runs on until it has used its limit in CPU time, up to
``starved_limit_factor`` times the limit in wall-clock time. A cell that
sleeps or waits is stopped at the limit, as before.

Hidden-check probe cells (appended by preprocessors.InjectHiddenChecks) carry
the hidden inputs into the kernel, so they are quarantined: nothing they do
can reach another cell's outputs (display updates, output widgets), recovery
never re-runs them, they have a time budget of their own instead of the
notebook's, and what happened to them (a time limit, a dead kernel) is
recorded in their metadata, which the kernel cannot write.
"""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Float, Integer, default

from .limit_errors import CELL_TIMEOUT, KERNEL_DIED, KERNEL_WEDGED, NOTEBOOK_TIME_LIMIT
from .markers import grade_id, is_test_cell
from .student_code import PROBE_CELL_KEY, is_probe_cell


def error_output(name: str, message: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


class ResilientExecute(Execute):
    notebook_timeout = Integer(
        900, config=True, help="Seconds one notebook may spend executing; later cells are not run."
    ).tag(config=True)
    wedged_grace = Integer(
        10, config=True, help="Seconds a kernel may take to answer after a time-limit interrupt."
    ).tag(config=True)
    starved_limit_factor = Float(
        3.0, config=True, help="A cell that keeps computing on a loaded machine may run this many times its time "
        "limit (wall clock) while it has used less than its limit in CPU time."
    ).tag(config=True)
    hidden_checks_timeout = Integer(
        600, config=True, help="Seconds all hidden-check probe cells together may spend executing (apart from "
        "the notebook's own limit, so a slow notebook still gets its hidden checks)."
    ).tag(config=True)

    @default("shutdown_kernel")
    def _kill_the_kernel_when_done(self) -> str:
        # Once the last cell has replied, the kernel has nothing left to give: a graceful shutdown only
        # runs its atexit hooks and interpreter teardown (~0.5 s of every grading), and the sandbox
        # reaps whatever it leaves.
        return "immediate"

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None):
        self._started = time.monotonic()
        self._probes_started: float | None = None
        self._broken_cells: set[int] = set()
        self._cells = nb.cells
        return super().preprocess(nb, resources, km)

    async def async_execute_cell(
        self, cell: NotebookNode, cell_index: int, execution_count: int | None = None, store_history: bool = True
    ) -> NotebookNode:
        if cell.cell_type != "code" or not cell.source.strip():
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        if is_probe_cell(cell):
            return await self._execute_probe(cell, cell_index, execution_count, store_history)
        elapsed = time.monotonic() - self._started
        if elapsed > self.notebook_timeout:
            cell.outputs = [error_output(NOTEBOOK_TIME_LIMIT, f"not run: the notebook used up its "
                                                              f"{self.notebook_timeout} s time limit")]
            return cell
        cell, _ = await self._execute_resiliently(cell, cell_index, execution_count, store_history,
                                                  self._started + self.notebook_timeout)
        return cell

    async def _execute_resiliently(
        self, cell: NotebookNode, cell_index: int, execution_count: int | None, store_history: bool, deadline: float
    ) -> tuple[NotebookNode, str | None]:
        """Execute cell; (the cell, what went wrong: "timeout", "wedged", "died" or None)."""
        event = None
        self._cell_clock = (time.monotonic(), self._kernel_cpu_seconds())
        try:
            cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        except DeadKernelError:
            cell.outputs.append(error_output(
                KERNEL_DIED, "the kernel died while running this cell (out of memory, os._exit, a signal or a "
                "crash); it was restarted and grading went on"))
            await self._recover(cell_index, deadline)
            self._reap_background_processes(cell)
            return cell, "died"
        except CellTimeoutError:
            # Raised when the kernel stays busy even after the interrupt (nbclient waits for its output).
            wedged = True
        else:
            timed_out = self._explain_timeout(cell, cell_index)
            event = "timeout" if timed_out else None
            wedged = timed_out and not await self._responsive(self.wedged_grace)
        if wedged:
            cell.outputs.append(error_output(
                KERNEL_WEDGED, f"{self._describe(cell, cell_index)} kept running after its {self.timeout} s time "
                "limit and ignored the interrupt; the kernel was restarted and grading went on"))
            await self._recover(cell_index, deadline)
            self._reap_background_processes(cell)
            return cell, "wedged"
        self._reap_background_processes(cell)
        return cell, event

    async def _execute_probe(
        self, cell: NotebookNode, cell_index: int, execution_count: int | None, store_history: bool
    ) -> NotebookNode:
        now = time.monotonic()
        if self._probes_started is None:
            self._probes_started = now
        deadline = self._probes_started + self.hidden_checks_timeout
        record = cell.metadata[PROBE_CELL_KEY]
        if now > deadline:
            cell.outputs = []
            record.update(event="not_run", seconds=self.hidden_checks_timeout)
            return cell
        # Quarantine: a display id or an output widget set up by an earlier cell must not let this
        # cell's outputs (what the student's hooks print about the hidden inputs) land anywhere else.
        self._display_id_map = {}
        widgets = copy.deepcopy(self.widget_state), copy.deepcopy(self.widget_buffers)
        hooks = {msg_id: list(stack) for msg_id, stack in self.output_hook_stack.items()}
        try:
            cell, event = await self._execute_resiliently(cell, cell_index, execution_count, store_history, deadline)
        finally:
            self._display_id_map = {}
            self.widget_state, self.widget_buffers = widgets
            self.output_hook_stack.clear()
            self.output_hook_stack.update(hooks)
        if event is not None:
            record.update(event=event, seconds=self.timeout)
        return cell

    # How often a starved cell's progress is measured, and the CPU share below which a cell counts as
    # waiting (sleeping, blocked), not computing: a computing kernel gets at least 1/10 of a CPU on a
    # machine running ten times more work than it has cores.
    STARVED_POLL_SECONDS = 1.0
    COMPUTING_CPU_SHARE = 0.1

    def _kernel_cpu_seconds(self) -> float | None:
        measure = getattr(self.km, "cpu_seconds", None)
        try:
            return measure() if measure is not None else None
        except Exception as error:  # noqa: BLE001 - without a measure the limit is the wall clock's
            self.log.warning("Could not measure the kernel's CPU time: %s", error)
            return None

    async def _async_handle_timeout(self, timeout: int, cell: NotebookNode | None = None) -> None | dict[str, Any]:
        """nbclient calls this when the cell has run timeout seconds: interrupt it, unless it is computing on a
        starved CPU (then wait until it has had timeout seconds of CPU, finishes, or reaches the hard cap)."""
        if await self._finished_while_starved(timeout):
            return None  # its reply is waiting: nbclient reads it next
        return await super()._async_handle_timeout(timeout, cell)

    async def _finished_while_starved(self, timeout: float) -> bool:
        started, cpu_at_start = getattr(self, "_cell_clock", (time.monotonic(), None))
        cap = started + timeout * self.starved_limit_factor
        wall, cpu = time.monotonic(), self._kernel_cpu_seconds()
        if cpu is None or cpu_at_start is None or cpu - cpu_at_start < self.COMPUTING_CPU_SHARE * (wall - started):
            return False
        while cpu - cpu_at_start < timeout and time.monotonic() < cap:
            await asyncio.sleep(self.STARVED_POLL_SECONDS)
            if await ensure_async(self.kc.shell_channel.msg_ready()):
                return True
            last_wall, last_cpu = wall, cpu
            wall, cpu = time.monotonic(), self._kernel_cpu_seconds()
            if cpu is None or cpu - last_cpu < self.COMPUTING_CPU_SHARE * (wall - last_wall):
                return False  # it stopped computing: now waiting or sleeping
        self.log.warning("Cell limit: %.0f s of CPU in %.0f s", cpu - cpu_at_start, wall - started)
        return False

    def _describe(self, cell: NotebookNode, cell_index: int) -> str:
        cell_id = grade_id(cell)
        return f"cell {cell_index + 1}" + (f" (grade id {cell_id})" if cell_id else "")

    def _explain_timeout(self, cell: NotebookNode, cell_index: int) -> bool:
        """Replace nbgrader's bare "No reply from kernel before timeout" by which limit, its value and the cell."""
        timed_out = False
        for index, output in enumerate(cell.outputs):
            if output.output_type == "error" and output.get("ename") == CELL_TIMEOUT:
                timed_out = True
                cell.outputs[index] = error_output(
                    CELL_TIMEOUT, f"{self._describe(cell, cell_index)} ran past its {self.timeout} s time "
                    "limit and was interrupted; the cells after it ran as usual")
        return timed_out

    def _reap_background_processes(self, cell: NotebookNode) -> None:
        """End processes the cell left running (the kernel manager knows how, where it can)."""
        reap = getattr(self.km, "reap_background_processes", None)
        if reap is None:
            return
        try:
            count = reap()
        except Exception as error:  # noqa: BLE001 - reaping is best effort; grading goes on
            self.log.warning("Could not end the background processes of a cell: %s", error)
            return
        if isinstance(count, int) and count > 0:
            what = "1 background process was" if count == 1 else f"{count} background processes were"
            cell.outputs.append(NotebookNode(
                output_type="stream", name="stdout", text=f"[grader: {what} left running by this cell and ended]\n"))

    # nbclient binds the synchronous wrapper to its own coroutine; bind it to ours.
    execute_cell = run_sync(async_execute_cell)

    async def _responsive(self, timeout: float) -> bool:
        """Does the kernel answer a shell request within timeout (i.e. is it idle)?"""
        return await self._reply_within(self.kc.kernel_info(), timeout)

    async def _reply_within(self, msg_id: str, timeout: float) -> bool:
        """Wait up to timeout for the shell reply to msg_id; replies to earlier requests are skipped."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                reply = await ensure_async(self.kc.shell_channel.get_msg(timeout=remaining))
            except Exception:  # noqa: BLE001 - queue.Empty or a closed channel: no answer
                return False
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return True
        return False

    async def _replied_within_cell_limit(self, msg_id: str) -> bool:
        """Did the kernel reply to msg_id within a cell's limit, counted as for any cell (CPU time while it
        computes on a loaded machine)?"""
        self._cell_clock = (time.monotonic(), self._kernel_cpu_seconds())
        wait = float(self.timeout)
        while not await self._reply_within(msg_id, wait):
            if not await self._finished_while_starved(self.timeout):
                return False
            wait = 1.0  # a message is waiting: read it (another reply is skipped, then wait on)
        return True

    async def _recover(self, broken_index: int, deadline: float) -> None:
        """Restart the kernel and re-run the cells before broken_index that define things (until deadline).

        Nothing of the re-runs is recorded, and probe cells are never re-run: no student code
        whose output reaches the notebook runs after a probe has carried hidden inputs in.
        """
        self._broken_cells.add(broken_index)
        self.log.warning("Restarting the kernel after cell %d", broken_index)
        await ensure_async(self.km.restart_kernel(now=True))
        await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))
        if not any(later.cell_type == "code" for later in self._cells[broken_index + 1:]):
            return  # nothing left to run needs the definitions (a probe of the last check, say)
        for index, earlier in enumerate(self._cells[:broken_index]):
            if (earlier.cell_type != "code" or index in self._broken_cells or is_test_cell(earlier)
                    or is_probe_cell(earlier)):
                continue
            if time.monotonic() > deadline:
                return
            msg_id = self.kc.execute(earlier.source, store_history=False, allow_stdin=False)
            if not await self._replied_within_cell_limit(msg_id):
                self._broken_cells.add(index)
                await ensure_async(self.km.interrupt_kernel())
                if not await self._responsive(self.wedged_grace):
                    await ensure_async(self.km.restart_kernel(now=True))
                    await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))
