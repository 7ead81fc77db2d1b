"""nbgrader's Execute, made to survive what student code does to its kernel.

nbgrader gives up on a whole submission when the kernel dies (``os._exit``,
a signal, the memory cap) or stays busy after the time-limit interrupt (code
that ignores SIGINT). Here such a cell gets an error output that says what
happened, the kernel is restarted, the cells before it (except graded test
cells and cells that broke the kernel) run again to restore the student's
definitions, and grading goes on. A whole-notebook time limit stops a
submission that keeps hitting cell limits: the cells it leaves get an error.
"""

from __future__ import annotations

import time
from typing import Any

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Integer

from .student_code import is_test_cell


def error_output(name: str, message: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


class ResilientExecute(Execute):
    notebook_timeout = Integer(
        900, config=True, help="Seconds one notebook may spend executing; later cells are not run."
    ).tag(config=True)
    wedged_grace = Integer(
        10, config=True, help="Seconds a kernel may take to answer after a time-limit interrupt."
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None):
        self._started = time.monotonic()
        self._broken_cells: set[int] = set()
        self._cells = nb.cells
        return super().preprocess(nb, resources, km)

    async def async_execute_cell(
        self, cell: NotebookNode, cell_index: int, execution_count: int | None = None, store_history: bool = True
    ) -> NotebookNode:
        if cell.cell_type != "code" or not cell.source.strip():
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        elapsed = time.monotonic() - self._started
        if elapsed > self.notebook_timeout:
            cell.outputs = [error_output("NotebookTimeLimit", f"not run: the notebook used up its "
                                                              f"{self.notebook_timeout} s time limit")]
            return cell
        try:
            cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        except DeadKernelError:
            cell.outputs.append(error_output(
                "KernelDied", "the kernel died while running this cell (out of memory, os._exit, a signal or a "
                "crash); it was restarted and grading went on"))
            await self._recover(cell_index)
            return cell
        except CellTimeoutError:
            # Raised when the kernel stays busy even after the interrupt (nbclient waits for its output).
            wedged = True
        else:
            timed_out = any(o.output_type == "error" and o.get("ename") == "CellTimeoutError" for o in cell.outputs)
            wedged = timed_out and not await self._responsive(self.wedged_grace)
        if wedged:
            cell.outputs.append(error_output(
                "KernelWedged", f"the cell kept running after its {self.timeout} s time limit and ignored the "
                "interrupt; the kernel was restarted and grading went on"))
            await self._recover(cell_index)
        return cell

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

    async def _recover(self, broken_index: int) -> None:
        """Restart the kernel and re-run the cells before broken_index that define things."""
        self._broken_cells.add(broken_index)
        self.log.warning("Restarting the kernel after cell %d", broken_index)
        await ensure_async(self.km.restart_kernel(now=True))
        await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))
        for index, earlier in enumerate(self._cells[:broken_index]):
            if earlier.cell_type != "code" or index in self._broken_cells or is_test_cell(earlier):
                continue
            if time.monotonic() - self._started > self.notebook_timeout:
                return
            msg_id = self.kc.execute(earlier.source, store_history=False, allow_stdin=False)
            if not await self._reply_within(msg_id, self.timeout):
                self._broken_cells.add(index)
                await ensure_async(self.km.interrupt_kernel())
                if not await self._responsive(self.wedged_grace):
                    await ensure_async(self.km.restart_kernel(now=True))
                    await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))
