"""The batchnorm_dropout hidden checks in this process, with the notebook's imports in its namespace.

fc_net_normalized_loss runs inside the student package's FullyConnectedNet and calls the layers of
two_layer_net, which a notebook imports from `cs231n` rather than defining: so, unlike
test_hidden_checks.notebook_namespace, the namespace here also holds what the notebook's own
import statements bring in from release/batchnorm_dropout/cs231n.
"""

import ast
import sys

import numpy as np
import pytest

from cs231n_lib.grading import samples
from cs231n_lib.grading.checks import all_checks
from cs231n_lib.grading.course import STUDENT_PACKAGE, get_assignment
from cs231n_lib.grading.judge import judge_in_process
from cs231n_lib.grading.student_code import StudentCode, is_test_cell

ASSIGNMENT, NOTEBOOK = "batchnorm_dropout", "batchnorm_dropout"


def notebook_namespace(repo_root, nb):
    """The notebook's import statements (from its student package), then its solution cells."""
    namespace = {"np": np, "__name__": "__main__"}
    for name in [m for m in sys.modules if m == STUDENT_PACKAGE or m.startswith(STUDENT_PACKAGE + ".")]:
        del sys.modules[name]
    sys.path.insert(0, str(repo_root / "release" / ASSIGNMENT))
    try:
        for cell in nb.cells:
            if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("solution") or is_test_cell(cell):
                continue
            source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                               for line in cell.source.splitlines())
            imports = [node for node in ast.parse(source).body if isinstance(node, (ast.Import, ast.ImportFrom))]
            exec(compile(ast.Module(imports, []), "<imports>", "exec"), namespace)
    finally:
        sys.path.pop(0)
    sources, ids = [], []
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            sources.append(cell.source)
            ids.append(cell.metadata["nbgrader"]["grade_id"])
            exec(compile(cell.source, "<cell>", "exec"), namespace)
    return namespace, StudentCode(tuple(sources), tuple(ids))


def verdicts(namespace, code):
    return {check_id: judge_in_process(check_id, namespace, code)
            for check_id in all_checks() if check_id.startswith(ASSIGNMENT + ".")}


def test_reference_passes_every_hidden_check(repo_root):
    namespace, code = notebook_namespace(repo_root, samples.solution_submission(repo_root, ASSIGNMENT, NOTEBOOK, []))
    results = verdicts(namespace, code)
    assert len(results) == 11
    for check_id, verdict in results.items():
        assert verdict.passed, f"{check_id}: {verdict.lines}"


def test_release_stubs_fail_every_hidden_check(repo_root):
    namespace, code = notebook_namespace(repo_root, samples.release_notebook(repo_root, ASSIGNMENT, NOTEBOOK))
    for check_id, verdict in verdicts(namespace, code).items():
        assert not verdict.passed, check_id
        assert "NotImplementedError" in verdict.lines[0], verdict.lines


@pytest.mark.parametrize("bug", get_assignment(ASSIGNMENT).planted_bugs, ids=lambda bug: bug.name)
def test_planted_bug_fails_exactly_its_checks(repo_root, bug):
    namespace, code = notebook_namespace(repo_root, samples.solution_submission(repo_root, ASSIGNMENT, NOTEBOOK, [bug]))
    failed = {all_checks()[check_id].cell for check_id, v in verdicts(namespace, code).items() if not v.passed}
    assert failed == set(bug.loses), f"{bug.name} ({bug.description})"


def test_fc_net_checks_grade_the_notebooks_function_not_the_class_method(repo_root):
    # A class whose normalized_loss is right does not help a notebook whose own function is wrong.
    bug = samples.get_bug(ASSIGNMENT, "fcn_one_bn_param_for_all_layers")
    nb = samples.solution_submission(repo_root, ASSIGNMENT, NOTEBOOK, [bug])
    namespace, code = notebook_namespace(repo_root, nb)
    from cs231n_lib.classifiers.fc_net import fc_net_normalized_loss

    namespace["FullyConnectedNet"].normalized_loss = fc_net_normalized_loss
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
