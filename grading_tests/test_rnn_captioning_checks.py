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
    # The check of the notebook's trained lstm_model needs the training cell's run: the nbgrader
    # pipeline test grades it.
    return {check_id: judge_in_process(check_id, namespace, code)
            for check_id, check in all_checks().items()
            if check_id.startswith(ASSIGNMENT + ".") and check.unit in namespace}


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


def notebook_lstm_verdict(model):
    namespace = {"lstm_model": model}
    return judge_in_process("rnn_captioning.notebook_lstm_captions", namespace, StudentCode(("",), ("lstm_model",)))


def test_the_notebooks_trained_lstm_is_held_to_the_caption_bound():
    from cs231n_lib.captioning_solver import CaptioningSolver
    from cs231n_lib.classifiers.rnn import CaptioningRNN
    from cs231n_lib.data.coco import load_coco_data

    data = load_coco_data(pca_features=True)
    np.random.seed(231)
    model = CaptioningRNN(cell_type="lstm", word_to_idx=data["word_to_idx"],
                          input_dim=data["train_features"].shape[1], hidden_dim=96, wordvec_dim=64)
    untrained = notebook_lstm_verdict(model)
    assert not untrained.passed and "token accuracy" in untrained.lines[0], untrained.lines
    # The notebook's training run (about 4 s).
    CaptioningSolver(model, data, update_rule="adam", num_epochs=12, batch_size=100,
                     optim_config={"learning_rate": 1e-2}, lr_decay=0.9, verbose=False).train()
    trained = notebook_lstm_verdict(model)
    assert trained.passed, trained.lines
    print(trained.lines)
