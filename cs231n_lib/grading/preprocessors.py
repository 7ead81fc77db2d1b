"""nbgrader autograde plug-ins: the kernel computes, these judge.

Inserted into ``Autograde.autograde_preprocessors`` (see nbgrader_config.py):

    PrepareGradingDirectory (grading_folder.py), InjectHiddenChecks, Execute, JudgeHiddenChecks, ...

Hidden test cells in the source notebooks hold only marker lines
(``# cs231n-hidden-check: knn.predict_labels``). Before execution the markers
are taken out of their test cells and each check becomes a probe cell of its
own, appended at the END of the notebook, carrying the check's inputs (its
plan) and a fresh token. After execution the probe cells are judged and
removed: only each probe's payload (matched by its token) is read, compared
here with the reference, and the verdict is attached to the test cell the
marker came from; a failure becomes an error output so that nbgrader's own
scoring gives that cell zero.

Why at the end, and why everything else a probe cell prints is thrown away:
a student cell can hook whatever the kernel runs (``builtins.exec``,
``compile``, ``sys.settrace``, audit hooks, IPython's input transformers and
events, numpy itself), and the student's function receives the hidden inputs
as arguments anyway. Hiding the inputs inside the kernel is impossible, so
they are kept out of what leaves it: no student cell runs after a plan has
entered the kernel (its cells all run first, and the executor's recovery
never re-runs probe cells or records what it re-runs), nothing a probe cell
outputs reaches the graded notebook except the payload, and the strings a
payload carries back (exception messages, descriptions) are shortened and
stripped of floating-point numbers before they reach the feedback.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import re
import secrets
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from . import probe
from .checks import Check, get_check
from .judge import Verdict, judge
from .limit_errors import CELL_TIMEOUT, KERNEL_DIED, KERNEL_WEDGED, NOTEBOOK_TIME_LIMIT
from .markers import HIDDEN_CHECK_MARKER, grade_id, hidden_check_ids, is_test_cell
from .student_code import PROBE_CELL_KEY, StudentCode, is_probe_cell, parse_cell

STATE_KEY = "cs231n_hidden_checks"

# What a student's code can send back in words: enough for "operands could not be broadcast
# together with shapes (7,13) (7,5)", too little to carry a plan's inputs out in bulk.
MAX_MESSAGE_CHARS = 160
MAX_DESCRIPTION_CHARS = 80  # of a value the probe could not encode
MAX_STRING_CHARS = 200  # of a string a step returned
MAX_LINE_CHARS = 400  # of any verdict line built from a student's results
FLOAT = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+")
BUILTIN_EXCEPTIONS = frozenset(
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
)

# Events the executor records in a probe cell's metadata (grader-written, the kernel cannot forge
# them), or failing that the error names it gives such a cell.
PROBE_EVENTS = {
    "timeout": "your code ran past the {seconds} s time limit on the hidden check's inputs",
    "wedged": "your code ran past the {seconds} s time limit on the hidden check's inputs and ignored the interrupt",
    "died": "your code ended the kernel on the hidden check's inputs (out of memory, os._exit, a signal or a "
    "crash)",
    "not_run": "not run: the hidden checks used up their {seconds} s time budget",
}
EVENT_BY_ERROR_NAME = {CELL_TIMEOUT: "timeout", KERNEL_WEDGED: "wedged", KERNEL_DIED: "died",
                       NOTEBOOK_TIME_LIMIT: "not_run"}


def _grade_id(cell: NotebookNode, index: int) -> str:
    return grade_id(cell) or f"cell {index}"


def probe_cell(probe_source: str, check_id: str, token: str, plan_json: str) -> NotebookNode:
    """A code cell that runs one hidden check's plan in the student's kernel and displays the raw results."""
    call = f"\nprobe(__student__, {check_id!r}, {token!r}, {plan_json!r})\n"
    # A namespace of its own, so the probe's names never clobber the student's.
    source = f"exec({probe_source + call!r}, {{'__name__': 'cs231n_probe', '__student__': globals()}})"
    return nbformat.v4.new_code_cell(source, metadata={PROBE_CELL_KEY: {"check": check_id, "token": token}})


class InjectHiddenChecks(NbGraderPreprocessor):
    """Take the hidden-check markers out of the test cells and append one probe cell per check."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        # A submission cannot pass a cell of its own off as a probe (its outputs would be hidden,
        # the executor's recovery would skip it).
        for cell in nb.cells:
            cell.get("metadata", {}).pop(PROBE_CELL_KEY, None)
        probe_source = inspect.getsource(probe)
        injected, probes = {}, []
        for index, cell in enumerate(nb.cells):
            if not is_test_cell(cell):
                continue
            check_ids = hidden_check_ids(cell.source)
            if not check_ids:
                continue
            checks = []
            for check_id in check_ids:
                token = secrets.token_hex(16)
                probes.append(probe_cell(probe_source, check_id, token, get_check(check_id).plan().to_json()))
                checks.append((check_id, token))
            # Keyed by grade id, not position: a grading note may yet be inserted above the cells.
            injected[_grade_id(cell, index)] = {"source": cell.source, "checks": checks}
            cell.source = "\n".join(line for line in cell.source.splitlines() if not HIDDEN_CHECK_MARKER.match(line))
        if nb.get("nbformat_minor", 5) < 5:
            for cell in probes:
                cell.pop("id", None)  # cell ids came with nbformat 4.5
        nb.cells.extend(probes)
        resources[STATE_KEY] = injected
        return nb, resources


class JudgeHiddenChecks(NbGraderPreprocessor):
    """Judge each probe cell's payload, remove the probe cells, and attach each verdict to its test cell."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        injected = resources.get(STATE_KEY, {})
        probes = {cell.metadata[PROBE_CELL_KEY].get("token"): cell for cell in nb.cells if is_probe_cell(cell)}
        # Everything a probe cell printed is dropped with it: only its payload is read, below.
        nb.cells = [cell for cell in nb.cells if not is_probe_cell(cell)]
        code = StudentCode.from_notebook(nb)

        judged: dict[int, tuple[bool, list[tuple[Check, Verdict]]]] = {}
        failing: dict[str, list[tuple[int, str]]] = {}  # unit -> (cell index, grade id) of each cell it fails
        for index, cell in enumerate(nb.cells):
            if not is_test_cell(cell):
                continue
            cell.outputs = [_neutral(o) for o in cell.outputs if probe.MIME_TYPE not in o.get("data", {})]
            grade_id = _grade_id(cell, index)
            state = injected.get(grade_id)
            if state is None:
                if hidden_check_ids(cell.source):
                    # Never let a check that did not run count as passed.
                    cell.outputs.append(_error("hidden checks were not run: the grader is misconfigured "
                                               "(InjectHiddenChecks must come before Execute)"))
                continue
            cell.source = state["source"]
            had_error = any(o.output_type == "error" for o in cell.outputs)
            verdicts = []
            for check_id, token in state["checks"]:
                check = get_check(check_id)
                verdict = judge_probe(check, probes.get(token), token, code)
                verdicts.append((check, verdict))
                if (had_error or not verdict.passed) and (index, grade_id) not in failing.get(check.unit, []):
                    failing.setdefault(check.unit, []).append((index, grade_id))
            judged[index] = (had_error, verdicts)

        uses = units_used(code, [check for _, verdicts in judged.values() for check, _ in verdicts])
        for index, (had_error, verdicts) in judged.items():
            cell = nb.cells[index]
            failures = [line for _, v in verdicts if not v.passed for line in v.lines]
            passes = [line for _, v in verdicts if v.passed for line in v.lines]
            causes = failure_causes(index, {check.unit for check, _ in verdicts}, uses, failing) \
                if had_error or failures else []
            if passes and not failures:
                note = " (the cell still scores zero: its visible checks above failed)" if had_error else ""
                text = f"Hidden checks passed{note}:\n" + "".join(f"  {line}\n" for line in passes)
                cell.outputs.append(NotebookNode(output_type="stream", name="stdout", text=text))
            if failures:
                cell.outputs.append(_error(*failures, *causes))
            elif causes:
                text = "".join(f"Note: {cause}\n" for cause in causes)
                cell.outputs.append(NotebookNode(output_type="stream", name="stdout", text=text))
        return nb, resources


def failure_causes(index: int, own: set[str], uses: dict[str, set[str]],
                   failing: dict[str, list[tuple[int, str]]]) -> list[str]:
    """Why a failing cell may fail through no fault of its own: units it uses that fail their own checks.

    A unit it uses counts wherever it fails; one of its own units (a training cell of TwoLayerNet)
    only where it failed earlier in the notebook.
    """
    blamed = {}
    for unit in sorted(set().union(*(uses.get(u, set()) for u in own)) | own):
        cells = [(i, grade_id) for i, grade_id in failing.get(unit, [])
                 if i != index and (unit not in own or i < index)]
        if cells:
            blamed[unit] = cells[0]
    return [f"this uses your `{unit}`, which fails its own check (cell {grade_id}): fix that first"
            for unit, (_, grade_id) in sorted(blamed.items(), key=lambda item: item[1])]


def judge_probe(check: Check, cell: NotebookNode | None, token: str, code: StudentCode) -> Verdict:
    """The verdict on one probe cell: its payload judged, or why none came back (never what it printed)."""
    if cell is None:
        return Verdict(check.id, False, (f"{check.id}: not run (the grader found no cell for it)",))
    payloads = [
        output["data"][probe.MIME_TYPE]
        for output in cell.get("outputs", [])
        if output.get("output_type") in ("display_data", "execute_result")
        and isinstance(output.get("data", {}).get(probe.MIME_TYPE), dict)
        and output["data"][probe.MIME_TYPE].get("token") == token
    ]
    if len(payloads) == 1:
        results = sanitized_results(payloads[0].get("results"))
        try:
            verdict = judge(check, results, code)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            # Only forged results get here (the probe writes what the expectations read).
            return Verdict(check.id, False, (f"{check.id}: the results that came back could not be read",))
        return Verdict(verdict.check_id, verdict.passed, tuple(_short(line, MAX_LINE_CHARS) for line in verdict.lines))
    if payloads:
        return Verdict(check.id, False, (f"{check.id}: expected one result from the hidden check, "
                                         f"got {len(payloads)}",))
    record = cell.get("metadata", {}).get(PROBE_CELL_KEY, {})
    error_names = [o.get("ename") for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    event = record.get("event") or next((EVENT_BY_ERROR_NAME[n] for n in error_names if n in EVENT_BY_ERROR_NAME),
                                        None)
    if event in PROBE_EVENTS:
        message = PROBE_EVENTS[event].format(seconds=record.get("seconds", "?"))
        return Verdict(check.id, False, (f"{check.id}: {message}",))
    if error_names:
        name = exception_name(str(error_names[-1]))
        return Verdict(check.id, False, (
            f"{check.id}: the hidden check could not report its results: {name} was raised in the kernel "
            "(does the notebook replace a builtin, numpy or IPython function the check needs?)",))
    return Verdict(check.id, False, (f"{check.id}: expected one result from the hidden check, got 0",))


def exception_name(name: str) -> str:
    """A student exception's class name if it is Python's or numpy's; a class of the notebook's own could
    be named after anything (the inputs, say)."""
    if name in BUILTIN_EXCEPTIONS or re.fullmatch(r"numpy(\.\w+){1,3}", name):
        return name
    return "an exception of a class defined in the notebook"


def student_exception(text: Any) -> str:
    """What a step's exception may tell the student: its class and a short message, no floats.

    The message is the student's own code talking, and that code holds the hidden inputs: it
    could raise ValueError(repr(X)). Floats are cut (repr of an input array is mostly floats),
    and what is left is capped.
    """
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if not lines:
        return "an exception"
    if lines[0].startswith("not run: step "):  # the probe's own words
        return _short(lines[0], MAX_MESSAGE_CHARS)
    # "Type: message" starts the text (after a SyntaxError's quoted line); the message may span lines.
    heading = re.compile(r"^[A-Za-z_][\w.]*(: |$)")
    start = next((i for i, line in enumerate(lines) if heading.match(line)
                  and (": " in line or line in BUILTIN_EXCEPTIONS)), len(lines) - 1)
    name, _, message = " ".join(lines[start:]).partition(": ")
    message = FLOAT.sub("…", message)
    name = exception_name(name) if re.fullmatch(r"[\w.]+", name) else "an exception"
    return _short(f"{name}: {message}" if message else name, MAX_MESSAGE_CHARS)


def sanitized_results(results: Any) -> dict[str, dict[str, Any]]:
    """A payload's results with every string a student's code could have chosen shortened."""
    if not isinstance(results, dict):
        return {}
    clean = {}
    for step, result in results.items():
        if not isinstance(result, dict):
            continue
        result = {key: _capped(value) for key, value in result.items() if key != "error"} | (
            {"error": student_exception(result["error"])} if "error" in result else {})
        clean[_short(str(step), 40)] = result
    return clean


def _capped(value: Any) -> Any:
    if isinstance(value, str):
        return _short(value, MAX_STRING_CHARS)
    if isinstance(value, list):
        return [_capped(v) for v in value]
    if isinstance(value, dict):
        if "$nd" in value:
            return value  # raw bytes of an array: read as numbers, never shown as text
        if "$unsupported" in value:
            return {"$unsupported": _short(FLOAT.sub("…", str(value["$unsupported"])), MAX_DESCRIPTION_CHARS)}
        return {key: _capped(v) for key, v in value.items()}
    return value


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def units_used(code: StudentCode, checks: list[Check]) -> dict[str, set[str]]:
    """unit -> the other graded units it uses, directly or through others.

    Declared by the checks (``uses=``) and inferred from the student's code: the names the unit's
    solution cell refers to (or, for a unit that is an object the notebook builds, such as a
    trained model, the cells that bind it).
    """
    units = {check.unit for check in checks}
    direct: dict[str, set[str]] = {unit: set() for unit in units}
    for check in checks:
        direct[check.unit] |= set(check.uses)
    ids = code.cell_ids or (None,) * len(code.cells)
    for unit in units:
        sources = [s for s, cell_id in zip(code.cells, ids, strict=True) if cell_id == unit]
        sources = sources or [s for s in code.cells if unit in _names_bound(s)]
        for source in sources:
            direct[unit] |= _names_referred_to(source) & units
    closure = {}
    for unit in units:
        seen, pending = set(), list(direct[unit])
        while pending:
            used = pending.pop()
            if used != unit and used not in seen:
                seen.add(used)
                pending += direct.get(used, ())
        closure[unit] = seen
    return closure


def _names_referred_to(source: str) -> set[str]:
    tree = parse_cell(source)
    if tree is None:
        return set(re.findall(r"\b\w+\b", source))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


def _names_bound(source: str) -> set[str]:
    tree = parse_cell(source)
    if tree is None:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


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
