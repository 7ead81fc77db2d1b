"""The grader-side judge, fed outputs a kernel could produce, honest or forged (no kernel needed)."""

import json

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from cs231n_lib.grading.checks import get_check
from cs231n_lib.grading.course import reference_namespace
from cs231n_lib.grading.preprocessors import InjectHiddenChecks, JudgeHiddenChecks
from cs231n_lib.grading.probe import MIME_TYPE, run_plan

CHECK_ID = "knn.predict_labels"
SOURCE = f"print('visible checks')\n### BEGIN HIDDEN TESTS\n# cs231n-hidden-check: {CHECK_ID}\n### END HIDDEN TESTS"


def graded_notebook():
    cell = new_code_cell(SOURCE)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_predict_labels", "points": 3}
    return new_notebook(cells=[cell])


def inject():
    nb, resources = InjectHiddenChecks().preprocess(graded_notebook(), {})
    (check_id, token), = resources["cs231n_hidden_checks"][0]["checks"]
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


def test_injection_carries_inputs_but_no_expected_values():
    nb, _, token = inject()
    source = nb.cells[0].source
    assert token in source and "$array" in source and "cs231n-hidden-check" not in source
    expected_labels = json.dumps(honest_results())
    assert expected_labels not in source


def test_honest_results_pass_and_the_cell_reads_as_it_was():
    nb, resources, token = inject()
    nb.cells[0].outputs = [probe_output(token, honest_results())]
    cell = judged(nb, resources)
    assert not errors(cell)
    assert cell.source == SOURCE
    assert all(MIME_TYPE not in o.get("data", {}) for o in cell.outputs)
    assert "Hidden checks passed" in cell.outputs[-1].text


def test_wrong_results_fail_with_an_explanation():
    nb, resources, token = inject()
    results = honest_results()
    first = next(iter(k for k, v in results.items() if "value" in v))
    results[first]["value"] = {"$seq": [], "kind": "list"}
    nb.cells[0].outputs = [probe_output(token, results)]
    (error,) = errors(judged(nb, resources))
    assert "expected shape" in error.evalue


def test_a_forged_result_without_the_token_is_ignored():
    nb, resources, _ = inject()
    nb.cells[0].outputs = [probe_output("0" * 32, honest_results())]
    (error,) = errors(judged(nb, resources))
    assert "got 0" in error.evalue


def test_a_second_result_with_the_token_fails_the_check():
    nb, resources, token = inject()
    nb.cells[0].outputs = [probe_output(token, honest_results()), probe_output(token, honest_results())]
    (error,) = errors(judged(nb, resources))
    assert "got 2" in error.evalue


def test_a_cell_that_stopped_early_says_the_hidden_check_did_not_run():
    nb, resources, _ = inject()
    nb.cells[0].outputs = [new_output("error", ename="AssertionError", evalue="visible check failed",
                                      traceback=["AssertionError: visible check failed"])]
    cell = judged(nb, resources)
    assert len(errors(cell)) == 2 and "not run" in errors(cell)[-1].evalue


def test_a_traceback_through_the_probe_is_reduced_to_its_message():
    nb, resources, _ = inject()
    leaky = ["exec(... {'__name__': 'cs231n_probe', '__student__': globals()} ...)", "ValueError: boom"]
    nb.cells[0].outputs = [new_output("error", ename="ValueError", evalue="boom", traceback=leaky)]
    cell = judged(nb, resources)
    assert errors(cell)[0].traceback == ["ValueError: boom"]


def test_stderr_and_trailing_values_do_not_change_the_score():
    nb, resources, token = inject()
    nb.cells[0].outputs = [
        new_output("stream", name="stderr", text="RuntimeWarning: divide by zero\n"),
        new_output("execute_result", data={"text/plain": "False"}, execution_count=1),
        probe_output(token, honest_results()),
    ]
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
    nb.cells[0].outputs = [probe_output(token, honest_results())]
    nb, _ = JudgeHiddenChecks().preprocess(nb, resources)
    nbformat.validate(nb)
