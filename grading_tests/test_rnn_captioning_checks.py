"""The rnn_captioning hidden checks, run in this process: the reference passes, stubs and planted bugs fail.

The notebook's units use names the first cell imports from the student package (sigmoid,
affine_forward, temporal_softmax_loss, ...), so the namespace here runs those imports first, from cs231n_lib, the
library the student package is generated from; then the solution cells, as a kernel would.
"""

import ast
from functools import cache

import numpy as np
import pytest

from cs231n_lib.grading import samples
from cs231n_lib.grading.checks import all_checks
from cs231n_lib.grading.course import get_assignment
from cs231n_lib.grading.judge import judge_in_process
from cs231n_lib.grading.student_code import StudentCode

ASSIGNMENT = "rnn_captioning"


def package_imports(source: str) -> str:
    """The `from cs231n... import ...` statements of a cell, importing from cs231n_lib instead."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    statements = []
    for node in ast.parse("\n".join(lines)).body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "cs231n":
            node.module = "cs231n_lib" + node.module[len("cs231n"):]
            statements.append(ast.unparse(node))
    return "\n".join(statements)


def notebook_namespace(nb):
    namespace = {"np": np, "__name__": "__main__"}
    sources, ids = [], []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            sources.append(cell.source)
            ids.append(meta["grade_id"])
            exec(compile(cell.source, "<cell>", "exec"), namespace)
        elif not meta.get("grade"):
            exec(compile(package_imports(cell.source), "<imports>", "exec"), namespace)
    return namespace, StudentCode(tuple(sources), tuple(ids))


def verdicts(nb):
    namespace, code = notebook_namespace(nb)
    return {check_id: judge_in_process(check_id, namespace, code)
            for check_id in all_checks() if check_id.startswith(ASSIGNMENT + ".")}


@cache
def submission_verdicts(repo_root, bug_names=()):
    """Verdicts of the solution with the named planted bugs; cached, since the training check takes ~1 s."""
    bugs = [samples.get_bug(ASSIGNMENT, name) for name in bug_names]
    return verdicts(samples.solution_submission(repo_root, ASSIGNMENT, ASSIGNMENT, bugs))


def test_reference_passes_every_rnn_captioning_check(repo_root):
    results = submission_verdicts(repo_root)
    assert len(results) == 13
    for check_id, verdict in results.items():
        assert verdict.passed, f"{check_id}: {verdict.lines}"


def test_release_stubs_fail_every_rnn_captioning_check(repo_root):
    for check_id, verdict in verdicts(samples.release_notebook(repo_root, ASSIGNMENT, ASSIGNMENT)).items():
        assert not verdict.passed, check_id
        assert "NotImplementedError" in verdict.lines[0], verdict.lines


@pytest.mark.parametrize("bug", get_assignment(ASSIGNMENT).planted_bugs, ids=lambda bug: bug.name)
def test_planted_bug_fails_exactly_its_cells(repo_root, bug):
    results = submission_verdicts(repo_root, (bug.name,))
    failed = {all_checks()[check_id].cell for check_id, verdict in results.items() if not verdict.passed}
    assert failed == set(bug.loses), f"{bug.name} ({bug.description}): {[v.lines for v in results.values()]}"


def test_missing_accumulation_message_names_the_step(repo_root):
    results = submission_verdicts(repo_root, ("embedding_backward_without_accumulation",))
    message = results["rnn_captioning.word_embedding_backward"].lines[0]
    assert "repeated words" in message and "relative error" in message, message


def test_trained_model_check_reports_token_accuracy(repo_root):
    results = submission_verdicts(repo_root)
    lines = results["rnn_captioning.CaptioningRNN_training"].lines
    assert any("token accuracy" in line and "held-out" in line for line in lines), lines
