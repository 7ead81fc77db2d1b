"""Every hidden check, run in this process: the reference passes, each planted bug fails exactly its checks."""

import numpy as np
import pytest

from cs231n_lib.grading import samples
from cs231n_lib.grading.checks import all_checks
from cs231n_lib.grading.course import assignments, check_cells
from cs231n_lib.grading.judge import judge_in_process
from cs231n_lib.grading.student_code import StudentCode


def notebook_namespace(nb, assignment=None):
    """Run a notebook's solution cells the way a kernel would, and return its globals and code.

    With an assignment, the import statements of the notebook's other code cells run first, with
    release/<assignment> importable: what a notebook takes from its student package (units of
    earlier assignments, such as FullyConnectedNet or affine_forward) is then defined too.
    """
    namespace = {"np": np, "__name__": "__main__"}
    if assignment is not None:
        _run_imports(nb, assignment, namespace)
    sources, ids = [], []
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            sources.append(cell.source)
            ids.append(cell.metadata["nbgrader"]["grade_id"])
            defined = set(namespace)
            try:
                exec(compile(cell.source, "<cell>", "exec"), namespace)
            except NotImplementedError:
                # A notebook-only solution cell (knn's best_k) runs at the top level: its release stub
                # raises here, as in a kernel, and the names it would set stay undefined.
                pass
            except NameError:
                # An experiment the student runs (svm_softmax's searches, two_layer_net's best_model) needs
                # the notebook's data, which only a whole run defines: its checks are not judged here, and
                # test_nbgrader_pipeline grades them. What the cell set before it failed is dropped.
                for name in set(namespace) - defined:
                    del namespace[name]
    return namespace, StudentCode(tuple(sources), tuple(ids))


def _run_imports(nb, assignment, namespace):
    import ast
    import sys

    from cs231n_lib.grading.course import REPO_ROOT, STUDENT_PACKAGE
    from cs231n_lib.grading.student_code import _without_magics, is_test_cell

    for name in [m for m in sys.modules if m == STUDENT_PACKAGE or m.startswith(STUDENT_PACKAGE + ".")]:
        del sys.modules[name]  # another assignment's student package
    sys.path.insert(0, str(REPO_ROOT / "release" / assignment))
    try:
        for cell in nb.cells:
            if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("solution") or is_test_cell(cell):
                continue
            tree = ast.parse(_without_magics(cell.source))
            imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
            exec(compile(ast.Module(imports, []), "<imports>", "exec"), namespace)
    finally:
        sys.path.pop(0)


def verdicts(namespace, code, assignment="knn"):
    return {check_id: judge_in_process(check_id, namespace, code) for check_id in checks_of(assignment)}


def test_every_hidden_check_has_one_marker_in_a_graded_test_cell(repo_root):
    import nbformat

    from cs231n_lib.grading.preprocessors import hidden_check_ids

    markers = []
    for assignment in assignments():
        for name in assignment.notebooks:
            nb = nbformat.read(repo_root / "source" / assignment.name / f"{name}.ipynb", as_version=4)
            for cell in nb.cells:
                for check_id in hidden_check_ids(cell.source):
                    meta = cell.metadata.get("nbgrader", {})
                    assert meta.get("grade") and not meta.get("solution"), f"{check_id} is not in a graded test cell"
                    assert check_id.startswith(assignment.name + "."), f"{check_id} is in {assignment.name}'s notebook"
                    markers.append(check_id)
    assert sorted(markers) == sorted(all_checks())
    assert {c for a in assignments() for c in check_cells(a.name, repo_root)} == set(markers)


def test_a_check_is_named_after_its_function_and_seeded_by_its_name():
    import json
    import os
    import subprocess
    import sys

    for check_id, check in all_checks().items():
        assert check_id == f"{check.build.__module__.rpartition('.')[2]}.{check.build.__name__}"
    seeds = {check_id: check.seed for check_id, check in all_checks().items()}
    assert len(set(seeds.values())) == len(seeds)
    # Every grading process must build the same inputs: a process with another string-hash salt
    # derives the same seeds.
    program = ("import json; from cs231n_lib.grading.checks import all_checks; "
               "print(json.dumps({i: c.seed for i, c in all_checks().items()}))")
    other = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert json.loads(other.stdout) == seeds


def test_every_graded_code_cell_has_a_hidden_check(repo_root):
    # Visible checks run in the student's kernel and can be forged; only hidden ones are judged here.
    import nbformat

    from cs231n_lib.grading.preprocessors import hidden_check_ids

    for assignment in assignments():
        for name in assignment.notebooks:
            nb = nbformat.read(repo_root / "source" / assignment.name / f"{name}.ipynb", as_version=4)
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                    assert hidden_check_ids(cell.source), meta["grade_id"]


NOTEBOOKS = [(a.name, name) for a in assignments() for name in a.notebooks]


def checks_of(assignment):
    return {check_id: check for check_id, check in all_checks().items() if check_id.startswith(assignment + ".")}


def notebook_verdicts(namespace, code, assignment):
    # Only the checks whose marker is in this notebook; other notebooks' units are not defined here.
    return {check_id: v for check_id, v in verdicts(namespace, code, assignment).items()
            if all_checks()[check_id].unit in namespace}


@pytest.mark.parametrize("assignment, notebook", NOTEBOOKS)
def test_reference_passes_every_hidden_check(repo_root, assignment, notebook):
    namespace, code = notebook_namespace(samples.solution_submission(repo_root, assignment, notebook, []), assignment)
    results = notebook_verdicts(namespace, code, assignment)
    assert results
    for check_id, verdict in results.items():
        assert verdict.passed, f"{check_id}: {verdict.lines}"
        print(check_id, *verdict.lines, sep="\n  ")


@pytest.mark.parametrize("threads", [2, 4])
@pytest.mark.parametrize("assignment, notebook", NOTEBOOKS)
def test_reference_verdicts_do_not_depend_on_blas_threads(repo_root, assignment, notebook, threads):
    """The reference, run as a student's code under another BLAS thread count (so another summation
    order), still passes every hidden check: no check compares a chaotic quantity tightly."""
    namespace, code = notebook_namespace(samples.solution_submission(repo_root, assignment, notebook, []), assignment)
    checks = {check_id for check_id, check in checks_of(assignment).items() if check.unit in namespace}
    failed = {}
    for check_id in sorted(checks):
        verdict = judge_in_process(check_id, namespace, code, blas_threads=threads)
        if not verdict.passed:
            failed[check_id] = verdict.lines
    assert not failed


@pytest.mark.parametrize("assignment, notebook", NOTEBOOKS)
def test_release_stubs_fail_every_hidden_check(repo_root, assignment, notebook):
    namespace, code = notebook_namespace(samples.release_notebook(repo_root, assignment, notebook), assignment)
    results = notebook_verdicts(namespace, code, assignment)
    assert results
    for check_id, verdict in results.items():
        assert not verdict.passed, check_id
        assert "NotImplementedError" in verdict.lines[0], verdict.lines


def _bug_cases():
    for assignment in assignments():
        for bug in assignment.planted_bugs:
            if not bug.hangs:
                notebook = bug.notebook or assignment.notebooks[0]
                yield pytest.param(assignment.name, notebook, bug, id=f"{assignment.name}-{bug.name}")


@pytest.mark.parametrize("assignment, notebook, bug", list(_bug_cases()))
def test_planted_bug_fails_exactly_its_checks(repo_root, assignment, notebook, bug):
    nb = samples.solution_submission(repo_root, assignment, notebook, [bug])
    namespace, code = notebook_namespace(nb, assignment)
    judged = notebook_verdicts(namespace, code, assignment)
    cells = check_cells(assignment, repo_root)
    failed = {cells[check_id] for check_id, v in judged.items() if not v.passed}
    # Checks of what a notebook's own run leaves (gan's trained generators) are not judged here;
    # test_nbgrader_pipeline grades those cells.
    assert failed == set(bug.loses) & {cells[c] for c in judged}, f"{bug.name} ({bug.description})"


def _alternative_cases():
    for assignment in assignments():
        for alternative in assignment.planted_alternatives:
            notebook = alternative.notebook or assignment.notebooks[0]
            yield pytest.param(assignment.name, notebook, alternative, id=f"{assignment.name}-{alternative.name}")


@pytest.mark.parametrize("assignment, notebook, alternative", list(_alternative_cases()))
def test_planted_alternative_passes_its_checks(repo_root, assignment, notebook, alternative):
    """A correct implementation written from the contract passes every check of the cells that use it.

    (test_nbgrader_pipeline grades the same alternatives through real nbgrader, all checks included.)
    """
    nb = samples.with_alternatives(samples.solution_submission(repo_root, assignment, notebook, []), [alternative])
    namespace, code = notebook_namespace(nb, assignment)
    if alternative.unit not in namespace:
        pytest.skip(f"{alternative.unit} is an experiment on the notebook's data: test_nbgrader_pipeline grades it")
    judged = {check_id: judge_in_process(check_id, namespace, code) for check_id, check in checks_of(assignment).items()
              if check.unit == alternative.unit}
    assert judged, f"no hidden check exercises {alternative.unit}"
    failed = {check_id: verdict.lines for check_id, verdict in judged.items() if not verdict.passed}
    assert not failed, f"{alternative.name} ({alternative.description})"


def test_failure_message_names_expected_value_and_relative_error(repo_root):
    bug = samples.get_bug("knn", "two_loops_l1")
    namespace, code = notebook_namespace(samples.solution_submission(repo_root, "knn", "knn", [bug]))
    verdict = judge_in_process("knn.compute_distances_two_loops", namespace, code)
    message = verdict.lines[0]
    assert "relative error" in message and "expected" in message and "got" in message, message


def test_an_answer_that_equals_everything_is_not_accepted(repo_root):
    class EqualsEverything(np.ndarray):
        def __eq__(self, other):
            return True

    class Cheat:
        def train(self, X, y):
            self.shape = (len(X),)

        def predict_labels(self, dists, k=1):
            return np.zeros(len(dists)).view(EqualsEverything)

    verdict = judge_in_process("knn.predict_labels", {"KNearestNeighbor": Cheat})
    assert not verdict.passed


def test_an_implementation_that_modifies_its_input_is_caught():
    from cs231n_lib.classifiers import KNearestNeighbor

    class Mutating(KNearestNeighbor):
        def compute_distances_one_loop(self, X):
            dists = super().compute_distances_one_loop(X)
            X[0, 0] = 1e6  # a student normalizing in place
            return dists

    verdict = judge_in_process("knn.compute_distances_one_loop", {"KNearestNeighbor": Mutating})
    assert not verdict.passed and "modified in place" in verdict.lines[0]
