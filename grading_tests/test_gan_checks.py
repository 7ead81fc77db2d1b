"""The gan checks beyond test_hidden_checks (which judges the unit checks on the solution, the release
and each planted bug): the two sample-quality checks grade the generators the notebook trains, so
they are judged here on generators trained with the notebook's settings, untrained or collapsed.
"""

import numpy as np
import pytest
from test_hidden_checks import notebook_namespace

from cs231n_lib import gan
from cs231n_lib.data.digits import load_digits_for_gan
from cs231n_lib.grading import samples
from cs231n_lib.grading.judge import judge_in_process

SAMPLE_CHECKS = {"gan.vanilla_gan_samples", "gan.ls_gan_samples"}


def test_the_import_cell_brings_the_package_helpers(repo_root):
    namespace, _ = notebook_namespace(samples.solution_submission(repo_root, "gan", "gan", []), "gan")
    assert {"affine_forward", "relu_forward", "adam", "adam_configs", "sample_quality"} <= set(namespace)


@pytest.fixture(scope="module")
def trained_generator():
    """A generator trained as the notebook trains G_vanilla (about 3 s)."""
    X = load_digits_for_gan()["X"]
    D, G = gan.init_discriminator(seed=1), gan.init_generator(seed=2)
    gan.train_gan(X, D, G, loss="vanilla", num_iterations=1500, batch_size=64, learning_rate=3e-3, seed=0,
                  verbose=False)
    return G


def judge_samples(generator, repo_root):
    namespace = {"generator_forward": gan.generator_forward, "G_vanilla": generator, "G_ls": generator}
    return {c: judge_in_process(c, namespace) for c in SAMPLE_CHECKS}


def test_a_trained_generator_passes_the_sample_checks(trained_generator, repo_root):
    for check_id, verdict in judge_samples(trained_generator, repo_root).items():
        assert verdict.passed, (check_id, verdict.lines)
        assert "confidence" in verdict.lines[0]


def test_an_untrained_generator_fails_the_sample_checks(repo_root):
    for check_id, verdict in judge_samples(gan.init_generator(seed=2), repo_root).items():
        assert not verdict.passed and "do not look enough like digits" in verdict.lines[0], check_id


def test_a_generator_collapsed_onto_one_real_digit_fails(repo_root):
    # Every noise vector gives the same real "3": confident, but one class.
    three = load_digits_for_gan()["X"][3]
    collapsed = {"W1": np.zeros((gan.NOISE_DIM, 1)), "b1": np.zeros(1), "W2": np.zeros((1, 1)), "b2": np.zeros(1),
                 "W3": np.zeros((1, 64)), "b3": np.arctanh(np.clip(three, -0.999, 0.999))}
    for check_id, verdict in judge_samples(collapsed, repo_root).items():
        assert not verdict.passed and "1 digit classes" in verdict.lines[0], (check_id, verdict.lines)


def test_a_missing_generator_fails_with_a_hint(repo_root):
    verdict = judge_in_process("gan.vanilla_gan_samples", {"generator_forward": gan.generator_forward})
    assert not verdict.passed and "G_vanilla" in verdict.lines[0] and "run the cell" in verdict.lines[0]
