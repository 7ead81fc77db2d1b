"""The grader-side judge, fed outputs a kernel could produce, honest or forged (no kernel needed)."""

import json

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from cs231n_lib.grading.checks import Check, get_check
from cs231n_lib.grading.course import reference_namespace
from cs231n_lib.grading.preprocessors import (
    InjectHiddenChecks,
    JudgeHiddenChecks,
    failure_causes,
    student_exception,
    units_used,
)
from cs231n_lib.grading.probe import MIME_TYPE, run_plan
from cs231n_lib.grading.student_code import PROBE_CELL_KEY, StudentCode

CHECK_ID = "knn.predict_labels"
SOURCE = f"print('visible checks')\n### BEGIN HIDDEN TESTS\n# cs231n-hidden-check: {CHECK_ID}\n### END HIDDEN TESTS"


def graded_notebook(source=SOURCE, grade_id="test_predict_labels"):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": grade_id, "points": 3}
    return new_notebook(cells=[cell])


def inject(nb=None):
    nb, resources = InjectHiddenChecks().preprocess(nb or graded_notebook(), {})
    (check_id, token), = resources["cs231n_hidden_checks"]["test_predict_labels"]["checks"]
    assert check_id == CHECK_ID
    return nb, resources, token


def probe_output(token, results, check_id=CHECK_ID):
    return new_output("display_data", data={MIME_TYPE: {"check": check_id, "token": token, "results": results},
                                            "text/plain": "[hidden check]"})


def honest_results():
    return json.loads(json.dumps(run_plan(get_check(CHECK_ID).plan().wire(), reference_namespace())))


def judged(nb, resources):
    nb, _ = JudgeHiddenChecks().preprocess(nb, resources)
    return nb.cells[0]


def errors(cell):
    return [o for o in cell.outputs if o.output_type == "error"]


def probe_cell(nb):
    (cell,) = [c for c in nb.cells if PROBE_CELL_KEY in c.metadata]
    return cell


def test_the_plan_goes_into_a_probe_cell_at_the_end_not_into_the_test_cell():
    nb, _, token = inject()
    test_cell, probe = nb.cells
    assert probe is nb.cells[-1] and "nbgrader" not in probe.metadata
    assert token in probe.source and "$array" in probe.source
    assert token not in test_cell.source and "$array" not in test_cell.source
    assert "cs231n-hidden-check" not in test_cell.source and "print('visible checks')" in test_cell.source
    assert json.dumps(honest_results()) not in probe.source  # inputs only, never expected values


def test_a_submission_cannot_mark_its_own_cell_as_a_probe():
    nb = graded_notebook()
    nb.cells.insert(0, new_code_cell("print('mine')", metadata={PROBE_CELL_KEY: {"token": "0" * 32}}))
    nb, _ = InjectHiddenChecks().preprocess(nb, {})
    assert PROBE_CELL_KEY not in nb.cells[0].metadata
    assert [PROBE_CELL_KEY in c.metadata for c in nb.cells] == [False, False, True]


def test_honest_results_pass_and_the_notebook_reads_as_it_was():
    nb, resources, token = inject()
    probe_cell(nb).outputs = [probe_output(token, honest_results())]
    cell = judged(nb, resources)
    assert len(nb.cells) == 1
    assert not errors(cell)
    assert cell.source == SOURCE
    assert all(MIME_TYPE not in o.get("data", {}) for o in cell.outputs)
    assert "Hidden checks passed" in cell.outputs[-1].text


def test_everything_else_a_probe_cell_printed_is_dropped():
    nb, resources, token = inject()
    leak = probe_cell(nb).source
    probe_cell(nb).outputs = [
        new_output("stream", name="stdout", text=leak),
        new_output("stream", name="stderr", text=leak),
        new_output("display_data", data={"text/plain": leak}),
        probe_output(token, honest_results()),
        new_output("error", ename="ValueError", evalue=leak, traceback=[leak]),
    ]
    nb, _ = JudgeHiddenChecks().preprocess(nb, resources)
    text = nbformat.writes(nb)
    assert token not in text and "$array" not in text and "def run_plan" not in text
    assert not errors(nb.cells[0])


def test_wrong_results_fail_with_an_explanation():
    nb, resources, token = inject()
    results = honest_results()
    first = next(iter(k for k, v in results.items() if "value" in v))
    results[first]["value"] = {"$seq": [], "kind": "list"}
    probe_cell(nb).outputs = [probe_output(token, results)]
    (error,) = errors(judged(nb, resources))
    assert "expected shape" in error.evalue


def test_a_forged_result_without_the_token_is_ignored():
    nb, resources, _ = inject()
    probe_cell(nb).outputs = [probe_output("0" * 32, honest_results())]
    (error,) = errors(judged(nb, resources))
    assert "got 0" in error.evalue


def test_a_result_in_another_cell_is_ignored():
    nb, resources, token = inject()
    nb.cells[0].outputs = [probe_output(token, honest_results())]
    (error,) = errors(judged(nb, resources))
    assert "got 0" in error.evalue


def test_a_second_result_with_the_token_fails_the_check():
    nb, resources, token = inject()
    probe_cell(nb).outputs = [probe_output(token, honest_results()), probe_output(token, honest_results())]
    (error,) = errors(judged(nb, resources))
    assert "got 2" in error.evalue


def test_a_cell_whose_visible_checks_failed_still_reports_its_hidden_checks():
    nb, resources, token = inject()
    nb.cells[0].outputs = [new_output("error", ename="AssertionError", evalue="visible check failed",
                                      traceback=["AssertionError: visible check failed"])]
    probe_cell(nb).outputs = [probe_output(token, honest_results())]
    cell = judged(nb, resources)
    assert len(errors(cell)) == 1  # the visible failure: nbgrader scores the cell zero
    assert "Hidden checks passed (the cell still scores zero" in cell.outputs[-1].text


@pytest.mark.parametrize(("event", "expected"), [
    ({"event": "timeout", "seconds": 120}, "ran past the 120 s time limit"),
    ({"event": "died"}, "ended the kernel"),
    ({"event": "not_run", "seconds": 600}, "used up their 600 s time budget"),
])
def test_a_probe_that_did_not_finish_says_why(event, expected):
    nb, resources, _ = inject()
    probe_cell(nb).metadata[PROBE_CELL_KEY].update(event)
    probe_cell(nb).outputs = [new_output("error", ename="KeyboardInterrupt", evalue="", traceback=[])]
    (error,) = errors(judged(nb, resources))
    assert expected in error.evalue


def test_a_probe_that_raised_names_no_more_than_a_known_exception_class():
    nb, resources, _ = inject()
    probe_cell(nb).outputs = [new_output("error", ename="Leak_0_5772", evalue="[0.5772, 1.6180]",
                                         traceback=["Leak_0_5772: [0.5772, 1.6180]"])]
    (error,) = errors(judged(nb, resources))
    assert "could not report its results" in error.evalue and "5772" not in error.evalue


def test_exception_messages_from_student_code_carry_no_floats_and_are_capped():
    nb, resources, token = inject()
    results = honest_results()
    first = next(iter(results))
    inputs = repr(list(np.random.default_rng(0).normal(size=200)))
    results[first] = {"error": f"ValueError: {inputs}"}
    probe_cell(nb).outputs = [probe_output(token, results)]
    (error,) = errors(judged(nb, resources))
    assert "raised ValueError" in error.evalue and "0." not in error.evalue
    assert len(error.evalue) < 400


def test_student_exception_keeps_what_helps_and_drops_what_leaks():
    assert student_exception("ValueError: operands could not be broadcast together with shapes (7,13) (7,5)") == (
        "ValueError: operands could not be broadcast together with shapes (7,13) (7,5)")
    assert student_exception("__main__.Leak_3_14: x") == "an exception of a class defined in the notebook: x"
    assert student_exception("ValueError: array([[0.5, 1.5],\n       [2.5, 3.5]])") == (
        "ValueError: array([[…, …], […, …]])")
    assert student_exception("numpy.linalg.LinAlgError: Singular matrix") == (
        "numpy.linalg.LinAlgError: Singular matrix")
    assert student_exception("TypeError: " + "1.5e-3 " * 100).count("…") > 10
    assert len(student_exception("TypeError: " + "x" * 1000)) <= 160


def test_stderr_and_trailing_values_do_not_change_the_score():
    nb, resources, token = inject()
    nb.cells[0].outputs = [
        new_output("stream", name="stderr", text="RuntimeWarning: divide by zero\n"),
        new_output("execute_result", data={"text/plain": "False"}, execution_count=1),
    ]
    probe_cell(nb).outputs = [probe_output(token, honest_results())]
    cell = judged(nb, resources)
    kinds = [(o.output_type, o.get("name")) for o in cell.outputs]
    assert ("stream", "stderr") not in kinds and ("execute_result", None) not in kinds
    assert not errors(cell)


def test_a_marker_that_was_never_injected_fails_instead_of_passing():
    nb = graded_notebook()
    cell = judged(nb, {})
    (error,) = errors(cell)
    assert "not run" in error.evalue


def test_judged_notebook_is_valid_nbformat():
    nb, resources, token = inject()
    probe_cell(nb).outputs = [probe_output(token, honest_results())]
    nb, _ = JudgeHiddenChecks().preprocess(nb, resources)
    nbformat.validate(nb)


# Composite feedback: a failing unit that uses another failing unit says which to fix first.

LAYER_CHECK, NET_CHECK = "two_layer_net.affine_forward", "two_layer_net.TwoLayerNet"
LAYER_SOURCE = "def affine_forward(x, w, b):\n    out = x.reshape(x.shape[0], -1) @ w + b\n    return out, (x, w, b)"
NET_SOURCE = ("class TwoLayerNet:\n    def loss(self, X, y=None):\n"
              "        hidden, _ = affine_forward(X, self.params['W1'], self.params['b1'])\n        return hidden")


def composite_notebook():
    """affine_forward and TwoLayerNet (which calls it), each a solution cell followed by its test cell."""
    cells = []
    for unit, source, check_id, test in (("affine_forward", LAYER_SOURCE, LAYER_CHECK, "test_affine_forward"),
                                         ("TwoLayerNet", NET_SOURCE, NET_CHECK, "test_TwoLayerNet")):
        solution = new_code_cell(source)
        solution.metadata["nbgrader"] = {"grade": False, "solution": True, "grade_id": unit}
        marker = f"### BEGIN HIDDEN TESTS\n# cs231n-hidden-check: {check_id}\n### END HIDDEN TESTS"
        cells += [solution, graded_notebook(marker, test).cells[0]]
    return new_notebook(cells=cells)


def judge_composite(layer_passes):
    nb, resources = InjectHiddenChecks().preprocess(composite_notebook(), {})
    tokens = {check_id: token for state in resources["cs231n_hidden_checks"].values()
              for check_id, token in state["checks"]}
    for cell in nb.cells:
        if PROBE_CELL_KEY in cell.metadata:
            check_id = cell.metadata[PROBE_CELL_KEY]["check"]
            honest = layer_passes and check_id == LAYER_CHECK
            results = run_plan(get_check(check_id).plan().wire(), reference_namespace()) if honest else {}
            cell.outputs = [probe_output(tokens[check_id], json.loads(json.dumps(results)), check_id)]
    nb, _ = JudgeHiddenChecks().preprocess(nb, resources)
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if c.metadata["nbgrader"].get("grade")}


def test_a_failing_composite_names_the_failing_unit_it_uses():
    cells = judge_composite(layer_passes=False)
    (error,) = errors(cells["test_TwoLayerNet"])
    assert ("this uses your `affine_forward`, which fails its own check (cell test_affine_forward): fix that first"
            in error.evalue)
    (layer_error,) = errors(cells["test_affine_forward"])
    assert "this uses" not in layer_error.evalue


def test_a_failing_composite_blames_no_unit_that_passes():
    cells = judge_composite(layer_passes=True)
    assert not errors(cells["test_affine_forward"])
    (error,) = errors(cells["test_TwoLayerNet"])
    assert "this uses" not in error.evalue


def test_a_later_cell_of_a_failing_unit_points_to_its_first_failure():
    failing = {"TwoLayerNet": [(3, "test_TwoLayerNet"), (9, "test_TwoLayerNet_training")],
               "affine_forward": [(1, "test_affine_forward")]}
    uses = {"TwoLayerNet": {"affine_forward"}}
    assert failure_causes(9, {"TwoLayerNet"}, uses, failing) == [
        "this uses your `affine_forward`, which fails its own check (cell test_affine_forward): fix that first",
        "this uses your `TwoLayerNet`, which fails its own check (cell test_TwoLayerNet): fix that first"]
    assert failure_causes(3, {"TwoLayerNet"}, uses, failing) == [
        "this uses your `affine_forward`, which fails its own check (cell test_affine_forward): fix that first"]
    assert failure_causes(1, {"affine_forward"}, uses, failing) == []


def test_declared_and_inferred_uses_are_followed_through_other_units():
    def build(plan, rng):
        pass

    checks = [Check("t.net", "TwoLayerNet", build, uses=("affine_relu_forward",)),
              Check("t.sandwich", "affine_relu_forward", build),
              Check("t.layer", "affine_forward", build),
              Check("t.model", "model", build)]
    code = StudentCode(("def affine_relu_forward(x, w, b):\n    return affine_forward(x, w, b)  # relu_forward",
                        "class TwoLayerNet:\n    pass",
                        "model = TwoLayerNet()\n# affine_forward in a comment is not a use",
                        "def affine_forward(x, w, b):\n    pass"),
                       ("affine_relu_forward", "TwoLayerNet", None, "affine_forward"))
    uses = units_used(code, checks)
    assert uses["TwoLayerNet"] == {"affine_relu_forward", "affine_forward"}
    assert uses["model"] == {"TwoLayerNet", "affine_relu_forward", "affine_forward"}
    assert uses["affine_forward"] == set()


SHARED_PROGRAM = """
import json, sys
from cs231n_lib.grading.judge import reference_results
print(json.dumps(reference_results(sys.argv[1])))
"""


def reference_in_a_new_process(check_id, variable=None):
    import os
    import subprocess
    import sys

    from cs231n_lib.grading.judge import SHARED_REFERENCES_ENV

    environment = {k: v for k, v in os.environ.items() if k != SHARED_REFERENCES_ENV}
    if variable is not None:
        environment[SHARED_REFERENCES_ENV] = variable
    completed = subprocess.run([sys.executable, "-c", SHARED_PROGRAM, check_id], env=environment,
                               capture_output=True, text=True, check=True)
    return json.loads(completed.stdout)


def without_timings(results):
    """Results without the seconds each step took (they differ from run to run)."""
    if isinstance(results, dict):
        return {key: without_timings(value) for key, value in results.items() if key != "seconds"}
    if isinstance(results, list):
        return [without_timings(value) for value in results]
    return results


def test_shared_references_are_used_only_when_they_match_their_digest(tmp_path):
    """A grading run computes the reference once and shares it; a file changed after that is ignored."""
    from cs231n_lib.grading.judge import reference_results, shared_references, shared_references_variable

    check_id = "knn.compute_distances_two_loops"
    content = shared_references("knn")
    assert json.loads(json.loads(content)[check_id]) == reference_results(check_id)
    expected = without_timings(reference_results(check_id))
    # A marked copy shows which source a new process used.
    marked = json.loads(content)
    marked[check_id] = json.dumps({"marker": "from the shared file"})
    marked_content = json.dumps(marked).encode()
    path = tmp_path / "shared-references.json"
    path.write_bytes(marked_content)
    variable = shared_references_variable(path, marked_content)
    assert reference_in_a_new_process(check_id, variable) == {"marker": "from the shared file"}
    # Edited after its digest was taken (as a kernel without the sandbox could): computed afresh.
    path.write_bytes(marked_content.replace(b"from the shared file", b"forged by a student!"))
    assert without_timings(reference_in_a_new_process(check_id, variable)) == expected
    # A link in its place is not followed.
    path.unlink()
    (tmp_path / "elsewhere.json").write_bytes(marked_content)
    path.symlink_to(tmp_path / "elsewhere.json")
    assert without_timings(reference_in_a_new_process(check_id, variable)) == expected


GRADER_VALUES_PROGRAM = """
import json, sys
import numpy as np
from cs231n_lib.grading.assignments import svm_softmax
def refuse(*arguments):
    raise AssertionError("the staff's search ran again")
if sys.argv[1] == "shared":
    svm_softmax.staff_search_run = refuse
X_val, y_val = svm_softmax._validation_set()
print(json.dumps({"threshold": svm_softmax.search_threshold("LinearSVM"), "writeable": X_val.flags.writeable,
                  "X_val": X_val.tobytes().hex()[:4096], "sum": float(X_val.sum()), "y_val": y_val.tolist()}))
"""


def grader_values_in_a_new_process(variable, mode):
    import os
    import subprocess
    import sys

    from cs231n_lib.grading.judge import SHARED_REFERENCES_ENV

    environment = {k: v for k, v in os.environ.items() if k != SHARED_REFERENCES_ENV}
    environment[SHARED_REFERENCES_ENV] = variable
    completed = subprocess.run([sys.executable, "-c", GRADER_VALUES_PROGRAM, mode], env=environment,
                               capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return json.loads(completed.stdout)


def test_grader_values_are_computed_once_and_shared_with_each_nbgrader_process(tmp_path):
    """The staff's search threshold and the validation images a student's weights are measured on are
    computed in the instructor's process and handed to every nbgrader process, bit for bit; a process
    handed a file that does not match its digest computes them itself."""
    from cs231n_lib.grading.assignments import svm_softmax
    from cs231n_lib.grading.grader_values import KEY_PREFIX
    from cs231n_lib.grading.judge import shared_references, shared_references_variable

    content = json.loads(shared_references("svm_softmax"))
    prefix = f"{KEY_PREFIX}cs231n_lib.grading.assignments.svm_softmax."
    assert {key for key in content if key.startswith(KEY_PREFIX)} == {
        f"{prefix}_validation_set()", f"{prefix}search_threshold('LinearSVM',)",
        f"{prefix}search_threshold('Softmax',)"}
    X_val, y_val = svm_softmax._validation_set()
    here = {"threshold": list(svm_softmax.search_threshold("LinearSVM")), "writeable": False,
            "X_val": X_val.tobytes().hex()[:4096], "sum": float(X_val.sum()), "y_val": y_val.tolist()}
    # A marked threshold shows the new process read the file (and it never reran the staff's search).
    content[f"{prefix}search_threshold('LinearSVM',)"] = {"tuple": [0.5, 0.25]}
    marked = json.dumps(content).encode()
    path = tmp_path / "shared-references.json"
    path.write_bytes(marked)
    shared = grader_values_in_a_new_process(shared_references_variable(path, marked), "shared")
    assert shared == {**here, "threshold": [0.5, 0.25]}
    # Edited after its digest was taken: the values are computed afresh, the same as here.
    path.write_bytes(marked.replace(b"[0.5, 0.25]", b"[0.0, 0.00]"))
    assert grader_values_in_a_new_process(shared_references_variable(path, marked), "computed") == here


def test_reference_results_are_the_same_when_threads_ask_at_once():
    """Graders in threads of one process (a `dask worker` runs several by default) ask for the same
    references at once. Seeded checks draw from numpy's global generator, so two computations at the
    same time would take each other's draws and store a wrong reference for the whole run."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from cs231n_lib.grading import judge

    def values(check_id):
        return {step: result.get("value") for step, result in judge.reference_results(check_id).items()}

    check_id = "rnn_captioning.CaptioningRNN_loss"  # seeds numpy, then draws a model's weights
    judge.forget_reference_results()
    alone = values(check_id)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, as a busy machine would
    try:
        for _ in range(3):
            judge.forget_reference_results()
            with ThreadPoolExecutor(4) as pool:
                together = list(pool.map(lambda _: values(check_id), range(4)))
            assert all(result == alone for result in together)
    finally:
        sys.setswitchinterval(interval)
        judge.forget_reference_results()
