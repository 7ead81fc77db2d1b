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


def alternatives_verdict(repo_root, check_id, names):
    alternatives = [samples.get_alternative(ASSIGNMENT, name) for name in names]
    nb = samples.with_alternatives(samples.solution_submission(repo_root, ASSIGNMENT, ASSIGNMENT, []), alternatives)
    namespace, code = notebook_namespace(nb, ASSIGNMENT)
    return judge_in_process(check_id, namespace, code)


def test_training_check_passes_the_textbook_lstm_loops_and_a_one_hot_embedding(repo_root):
    """60 Adam steps amplify rounding: the loop over lstm_step_forward / lstm_step_backward and the one-hot
    dW end about 0.01 away from the staff's loss, and the check, judged by outcome, still passes them."""
    verdict = alternatives_verdict(repo_root, "rnn_captioning.CaptioningRNN_training", (
        "lstm_step_forward_split", "lstm_step_backward_in_place", "lstm_forward_textbook", "lstm_backward_textbook",
        "word_embedding_backward_one_hot"))
    assert verdict.passed, verdict.lines


def test_training_check_passes_a_time_major_einsum_lstm_and_bincount_embedding(repo_root):
    verdict = alternatives_verdict(repo_root, "rnn_captioning.CaptioningRNN_training", (
        "lstm_forward_batched_input", "lstm_backward_einsum", "word_embedding_backward_bincount",
        "captioning_rnn_inline"))
    assert verdict.passed, verdict.lines


def test_training_check_still_fails_a_model_that_feeds_start_at_every_step(repo_root):
    verdict = submission_verdicts(repo_root, ("sample_always_feeds_start",))["rnn_captioning.CaptioningRNN_training"]
    assert not verdict.passed and "token accuracy" in verdict.lines[0], verdict.lines


def test_sample_check_ignores_what_follows_end(repo_root):
    """CS231n's sample writes max_length words whatever comes after <END>: the contract does not grade them."""
    verdict = alternatives_verdict(repo_root, "rnn_captioning.CaptioningRNN_sample", ("captioning_rnn_textbook",))
    assert verdict.passed, verdict.lines


def test_token_accuracy_counts_nothing_after_end():
    from cs231n_lib.grading.assignments.rnn_captioning import token_accuracy

    references = np.array([[1, 5, 2, 0, 0, 0], [1, 6, 7, 8, 9, 2]])  # one image, two references
    assert token_accuracy(np.array([[5, 2, 0, 0, 0]]), references, end=2) == 1.0
    # Words after <END> that happen to match the second reference earn nothing (else 4/5).
    assert token_accuracy(np.array([[6, 2, 8, 9, 2]]), references, end=2) == 0.5
