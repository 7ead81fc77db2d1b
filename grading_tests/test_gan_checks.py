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
from cs231n_lib.grading.course import REPO_ROOT
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


# ---------------------------------------------------------------------------------------------- the contract's
# properties: any uniform sampler and any way of drawing minibatches pass; breaking a stated property fails.


def judge_with(repo_root, check_id, unit, source):
    """Judge check_id on the solution notebook with the solution cell of unit replaced by source."""
    nb = samples.solution_submission(repo_root, "gan", "gan", [])
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == unit:
            cell.source = source
    namespace, code = notebook_namespace(nb, "gan")
    return judge_in_process(check_id, namespace, code)


NOISE = "def sample_noise(batch_size, dim, seed=None):\n    {}\n"


@pytest.mark.parametrize("body", [
    "return np.random.default_rng(seed).uniform(-1, 1, (batch_size, dim)) if seed is not None "
    "else np.random.uniform(-1, 1, (batch_size, dim))",
    "return (1 - 2 * np.random.RandomState(seed).random_sample((batch_size, dim))) if seed is not None "
    "else 1 - 2 * np.random.random_sample((batch_size, dim))",
])
def test_the_noise_check_accepts_any_uniform_sampler(repo_root, body):
    verdict = judge_with(repo_root, "gan.sample_noise", "sample_noise", NOISE.format(body))
    assert verdict.passed, verdict.lines


@pytest.mark.parametrize("body, message", [
    ("return np.random.RandomState(seed).rand(batch_size, dim)", "not uniform on [-1, 1]"),
    ("return 3 * np.random.RandomState(seed).rand(batch_size, dim) - 1", "they must lie in [-1, 1]"),
    ("return np.clip(np.random.RandomState(seed).randn(batch_size, dim), -1, 1)", "not uniform"),
    ("return 2 * np.random.rand(batch_size, dim) - 1", "a second call with the same seed"),
    ("return 2 * np.random.RandomState(seed).rand(batch_size, dim) - 1", "draw from the global np.random"),
    ("return np.tile(2 * np.random.RandomState(seed).rand(1, dim) - 1, (batch_size, 1))", "independent entries"),
])
def test_the_noise_check_rejects_what_the_contract_excludes(repo_root, body, message):
    verdict = judge_with(repo_root, "gan.sample_noise", "sample_noise", NOISE.format(body))
    assert not verdict.passed and message in verdict.lines[0], verdict.lines


def train_gan_source(old, new):
    source = samples.solution_notebook(REPO_ROOT, "gan", "gan")
    cell = next(c for c in source.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "train_gan")
    assert old in cell.source
    return cell.source.replace(old, new)


def test_the_training_check_accepts_another_random_stream(repo_root):
    source = train_gan_source("x_real = X[np.random.choice(X.shape[0], batch_size)]",
                              "x_real = X[np.random.permutation(X.shape[0])[:batch_size]]")
    verdict = judge_with(repo_root, "gan.train_gan", "train_gan", source)
    assert verdict.passed, verdict.lines


@pytest.mark.parametrize("old, new, message", [
    # Trains copies: the caller's parameters never change.
    ("    for iteration in range(1, num_iterations + 1):\n",
     "    D_params, G_params = {k: v.copy() for k, v in D_params.items()}, {k: v.copy() for k, v in G_params.items()}\n"
     "    for iteration in range(1, num_iterations + 1):\n", "G_params must be updated in place"),
    # Never trains the generator: its step goes to a throwaway copy.
    ("D_params, G_params, D_configs, G_configs, loss)",
     "D_params, {k: v.copy() for k, v in G_params.items()}, D_configs, adam_configs(G_params), loss)",
     "did not learn"),
    ("if iteration % show_every == 0 or iteration == num_iterations:", "if iteration % show_every == 0:",
     "should have the iterations"),
])
def test_the_training_check_rejects_what_the_contract_excludes(repo_root, old, new, message):
    verdict = judge_with(repo_root, "gan.train_gan", "train_gan", train_gan_source(old, new))
    assert not verdict.passed and message in verdict.lines[0], verdict.lines
