"""The rnn_captioning hidden checks beyond test_hidden_checks: what their messages say, and the check of
the notebook's trained lstm_model.
"""

from functools import cache

import numpy as np
from test_hidden_checks import notebook_namespace

from cs231n_lib.grading import samples
from cs231n_lib.grading.checks import all_checks
from cs231n_lib.grading.judge import judge_in_process
from cs231n_lib.grading.student_code import StudentCode

ASSIGNMENT = "rnn_captioning"


def verdicts(nb):
    namespace, code = notebook_namespace(nb, ASSIGNMENT)
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


# test_hidden_checks covers the reference, the release stubs and every planted bug of every assignment.
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
