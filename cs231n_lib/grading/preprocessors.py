"""nbgrader autograde plug-ins: the kernel computes, these judge.

Inserted into ``Autograde.autograde_preprocessors`` (see nbgrader_config.py):

    PrepareGradingDirectory (grading_folder.py), InjectHiddenChecks, Execute, JudgeHiddenChecks, ...

Hidden test cells in the source notebooks hold only marker lines
(``# cs231n-hidden-check: knn.predict_labels``). Just before execution each
marker becomes a call of the probe with the check's inputs and a fresh
token; just after, the probe's raw results are compared here with the
reference, the marker is put back, and a failure becomes an error output
so that nbgrader's own scoring gives the cell zero.
"""

from __future__ import annotations

import inspect
import re
import secrets
from typing import Any

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from . import probe
from .checks import get_check
from .judge import judge
from .student_code import StudentCode, is_test_cell

MARKER = re.compile(r"^# cs231n-hidden-check: (?P<check_id>[\w.]+)\s*$")
STATE_KEY = "cs231n_hidden_checks"


def hidden_check_ids(source: str) -> list[str]:
    return [m.group("check_id") for line in source.splitlines() if (m := MARKER.match(line))]


class InjectHiddenChecks(NbGraderPreprocessor):
    """Replace each hidden-check marker with a probe call carrying the check's inputs."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        probe_source = inspect.getsource(probe)
        injected = {}
        for index, cell in enumerate(nb.cells):
            if not is_test_cell(cell):
                continue
            checks, lines = [], []
            for line in cell.source.splitlines():
                match = MARKER.match(line)
                if not match:
                    lines.append(line)
                    continue
                check_id, token = match.group("check_id"), secrets.token_hex(16)
                plan_json = get_check(check_id).plan().to_json()
                call = f"\nprobe(__student__, {check_id!r}, {token!r}, {plan_json!r})\n"
                # A namespace of its own, so the probe's names never clobber the student's.
                lines.append(
                    f"exec({probe_source + call!r}, {{'__name__': 'cs231n_probe', '__student__': globals()}})"
                )
                checks.append((check_id, token))
            if checks:
                injected[index] = {"source": cell.source, "checks": checks}
                cell.source = "\n".join(lines)
        resources[STATE_KEY] = injected
        return nb, resources


class JudgeHiddenChecks(NbGraderPreprocessor):
    """Compare probe results with the reference and turn each verdict into the cell's output."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        injected = resources.get(STATE_KEY, {})
        code = StudentCode.from_notebook(nb)
        for index, cell in enumerate(nb.cells):
            if not is_test_cell(cell):
                continue
            state = injected.get(index)
            probe_outputs = [o for o in cell.outputs if probe.MIME_TYPE in o.get("data", {})]
            cell.outputs = [_neutral(o) for o in cell.outputs if probe.MIME_TYPE not in o.get("data", {})]
            if state is None:
                if hidden_check_ids(cell.source):
                    # Never let a check that did not run count as passed.
                    cell.outputs.append(_error("hidden checks were not run: the grader is misconfigured "
                                               "(InjectHiddenChecks must come before Execute)"))
                continue
            cell.source = state["source"]
            had_error = any(o.output_type == "error" for o in cell.outputs)
            if had_error:
                cell.outputs = [_without_probe_traceback(o) for o in cell.outputs]
            failures, passes = [], []
            for check_id, token in state["checks"]:
                payloads = [
                    o["data"][probe.MIME_TYPE]
                    for o in probe_outputs
                    if isinstance(o["data"][probe.MIME_TYPE], dict)
                    and o["data"][probe.MIME_TYPE].get("token") == token
                ]
                if had_error and not payloads:
                    failures.append(f"{check_id}: not run, because the cell stopped at the error above")
                elif len(payloads) != 1:
                    failures.append(f"{check_id}: expected one result from the hidden check, got {len(payloads)}")
                else:
                    verdict = judge(get_check(check_id), payloads[0].get("results") or {}, code)
                    (passes if verdict.passed else failures).extend(verdict.lines)
            if passes and not failures:
                text = "Hidden checks passed:\n" + "".join(f"  {line}\n" for line in passes)
                cell.outputs.append(NotebookNode(output_type="stream", name="stdout", text=text))
            if failures:
                cell.outputs.append(_error(*failures))
        return nb, resources


def _error(*failures: str) -> NotebookNode:
    return NotebookNode(
        output_type="error",
        ename="HiddenCheckFailed",
        evalue="; ".join(failures),
        traceback=["HiddenCheckFailed: hidden checks failed:", *(f"  {f}" for f in failures)],
    )


def _neutral(output: NotebookNode) -> NotebookNode:
    """Keep nbgrader's scoring to errors alone.

    nbgrader scores a test cell zero for any stderr output (a numpy warning
    from correct code) and reads a trailing value as partial credit; our
    checks fail by raising, so both are shown as ordinary output instead.
    """
    if output.output_type == "stream" and output.get("name") == "stderr":
        return NotebookNode(output_type="stream", name="stdout", text=output.get("text", ""))
    if output.output_type == "execute_result":
        return NotebookNode(output_type="display_data", data=output.get("data", {}), metadata={})
    return output


def _without_probe_traceback(output: NotebookNode) -> NotebookNode:
    # A traceback through the injected probe would print the check's inputs into the feedback.
    if output.output_type == "error" and any("cs231n_probe" in line or "__student__" in line
                                             for line in output.get("traceback", [])):
        output.traceback = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
    return output
