"""The batchnorm_dropout hidden checks in this process, beyond the generic test_hidden_checks.

normalized_loss runs inside the student package's FullyConnectedNet and calls the layers of
two_layer_net, which a notebook imports from `cs231n` rather than defining; the namespace holds
what the notebook's own import statements bring in from release/batchnorm_dropout/cs231n.
"""

from test_hidden_checks import notebook_namespace as notebook_namespace_of

from cs231n_lib.grading import samples
from cs231n_lib.grading.checks import all_checks
from cs231n_lib.grading.judge import judge_in_process

ASSIGNMENT, NOTEBOOK = "batchnorm_dropout", "batchnorm_dropout"


def notebook_namespace(repo_root, nb):
    """The notebook's imports from its student package, then its solution cells (see test_hidden_checks)."""
    return notebook_namespace_of(nb, ASSIGNMENT)


def verdicts(namespace, code):
    return {check_id: judge_in_process(check_id, namespace, code)
            for check_id in all_checks() if check_id.startswith(ASSIGNMENT + ".")}


# test_hidden_checks covers the release stubs and the planted bugs of every assignment.
def test_reference_passes_every_hidden_check(repo_root):
    namespace, code = notebook_namespace(repo_root, samples.solution_submission(repo_root, ASSIGNMENT, NOTEBOOK, []))
    results = verdicts(namespace, code)
    assert len(results) == 11
    for check_id, verdict in results.items():
        assert verdict.passed, f"{check_id}: {verdict.lines}"


def test_fc_net_checks_grade_the_notebooks_function_not_the_class_method(repo_root):
    # A class whose normalized_loss is right does not help a notebook whose own function is wrong.
    bug = samples.get_bug(ASSIGNMENT, "fcn_one_bn_param_for_all_layers")
    nb = samples.solution_submission(repo_root, ASSIGNMENT, NOTEBOOK, [bug])
    namespace, code = notebook_namespace(repo_root, nb)
    from cs231n_lib.classifiers.fc_net import FullyConnectedNet

    namespace["FullyConnectedNet"].normalized_loss = FullyConnectedNet.normalized_loss
    assert not judge_in_process(f"{ASSIGNMENT}.fc_net_batchnorm", namespace, code).passed


def test_a_backward_is_graded_on_the_cache_of_the_students_own_forward(repo_root):
    # A different but consistent cache design passes: the backward checks do not assume the staff's cache.
    namespace, code = notebook_namespace(repo_root, samples.solution_submission(repo_root, ASSIGNMENT, NOTEBOOK, []))
    forward, backward = namespace["batchnorm_forward"], namespace["batchnorm_backward_alt"]

    def wrapped_forward(x, gamma, beta, bn_param):
        out, cache = forward(x, gamma, beta, bn_param)
        return out, {"inner": cache}

    namespace["batchnorm_forward"] = wrapped_forward
    namespace["batchnorm_backward_alt"] = lambda dout, cache: backward(dout, cache["inner"])
    assert judge_in_process(f"{ASSIGNMENT}.batchnorm_backward_alt", namespace, code).passed


def test_a_rearranged_batchnorm_backward_alt_keeps_the_fc_net_points(repo_root, monkeypatch):
    # (gamma / (N * std)) * (N * dout - dbeta - x_hat * dgamma) is correct; through a network its
    # bias gradients before a batch norm are ~1e-16 noise on quantities that are exactly 0. The
    # comparison on the scale of the largest gradient accepts them; by their own relative error
    # (the grader before issue 13) the same code lost the fc_net cells.
    from cs231n_lib.grading import compare

    alternative = samples.get_alternative(ASSIGNMENT, "bn_alt_gamma_over_n_std")
    nb = samples.with_alternatives(samples.solution_submission(repo_root, ASSIGNMENT, NOTEBOOK, []), [alternative])
    namespace, code = notebook_namespace(repo_root, nb)
    checks = [f"{ASSIGNMENT}.fc_net_batchnorm", f"{ASSIGNMENT}.fc_net_dropout"]
    assert all(judge_in_process(check_id, namespace, code).passed for check_id in checks)
    monkeypatch.setattr(compare, "SCALE_FLOOR", 0.0)
    failures = [judge_in_process(check_id, namespace, code) for check_id in checks]
    assert not any(verdict.passed for verdict in failures)
    assert all("grads['b" in verdict.lines[0] for verdict in failures), [v.lines for v in failures]


def test_layernorm_is_not_passed_a_mode():
    # ln_param holds eps only (the notebook's contract): an implementation that hands ln_param to
    # its batch norm, whose mode would then be read from it, is not confused by the checks.
    from cs231n_lib.grading.checks import get_check

    plan = get_check(f"{ASSIGNMENT}.layernorm_forward").plan().to_json()
    assert '"mode"' not in plan
