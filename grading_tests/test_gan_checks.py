"""The gan hidden checks, judged in process on the solution notebook, the release and each planted bug.

Like test_hidden_checks.py, but the notebook's import cell runs too (with release/gan/ on sys.path),
because the gan units call helpers from the student package (affine_forward, adam, adam_configs).
The two sample-quality checks grade the generators the notebook trains; they are judged here on a
generator trained with the notebook's settings.
"""

import sys

import numpy as np
import pytest

from cs231n_lib import gan
from cs231n_lib.data.digits import load_digits_for_gan
from cs231n_lib.grading import samples
from cs231n_lib.grading.checks import all_checks
from cs231n_lib.grading.course import get_assignment
from cs231n_lib.grading.judge import judge_in_process
from cs231n_lib.grading.student_code import StudentCode

SAMPLE_CHECKS = {"gan.vanilla_gan_samples", "gan.ls_gan_samples"}
UNIT_CHECKS = sorted(c for c in all_checks() if c.startswith("gan.") and c not in SAMPLE_CHECKS)


@pytest.fixture(scope="module")
def student_package(repo_root):
    """Import `cs231n` from release/gan for this module, then forget it again."""
    saved = {name: module for name, module in sys.modules.items() if name == "cs231n" or name.startswith("cs231n.")}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(repo_root / "release" / "gan"))
    yield
    sys.path.remove(str(repo_root / "release" / "gan"))
    for name in [n for n in sys.modules if n == "cs231n" or n.startswith("cs231n.")]:
        del sys.modules[name]
    sys.modules.update(saved)


def namespace_of(nb):
    """Run the import cell and the solution cells of a notebook as a kernel would; return globals and code."""
    namespace = {"__name__": "__main__"}
    sources, ids = [], []
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    imports = "\n".join(line for line in code_cells[0].source.splitlines() if not line.startswith("%"))
    exec(compile(imports, "<imports>", "exec"), namespace)
    for cell in code_cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            sources.append(cell.source)
            ids.append(cell.metadata["nbgrader"]["grade_id"])
            exec(compile(cell.source, "<cell>", "exec"), namespace)
    return namespace, StudentCode(tuple(sources), tuple(ids))


def test_the_import_cell_is_the_first_code_cell(repo_root, student_package):
    namespace, _ = namespace_of(samples.solution_submission(repo_root, "gan", "gan", []))
    assert {"affine_forward", "relu_forward", "adam", "adam_configs", "sample_quality"} <= set(namespace)


def test_reference_passes_every_unit_check(repo_root, student_package):
    namespace, code = namespace_of(samples.solution_submission(repo_root, "gan", "gan", []))
    for check_id in UNIT_CHECKS:
        verdict = judge_in_process(check_id, namespace, code)
        assert verdict.passed, (check_id, verdict.lines)


def test_release_stubs_fail_every_unit_check(repo_root, student_package):
    namespace, code = namespace_of(samples.release_notebook(repo_root, "gan", "gan"))
    for check_id in UNIT_CHECKS:
        verdict = judge_in_process(check_id, namespace, code)
        assert not verdict.passed and "NotImplementedError" in verdict.lines[0], (check_id, verdict.lines)


@pytest.mark.parametrize("bug", get_assignment("gan").planted_bugs, ids=lambda bug: bug.name)
def test_planted_bug_fails_exactly_its_unit_checks(repo_root, student_package, bug):
    # The sample cells depend on the notebook's training run; the nbgrader pipeline test grades them.
    namespace, code = namespace_of(samples.solution_submission(repo_root, "gan", "gan", [bug]))
    failed = {all_checks()[c].cell for c in UNIT_CHECKS if not judge_in_process(c, namespace, code).passed}
    assert failed == set(bug.loses) - {all_checks()[c].cell for c in SAMPLE_CHECKS}, bug.name


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
