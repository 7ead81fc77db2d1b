"""The two_layer_net assignment as shipped: hidden checks that mean something, a student package that works."""

import shutil
import subprocess
import sys

import numpy as np
import pytest

from cs231n_lib.grading.checks import all_checks
from cs231n_lib.grading.course import STUDENT_PACKAGE, reference_namespace
from cs231n_lib.grading.judge import judge_in_process
from cs231n_lib.grading.student_code import StudentCode

TRAINING_CHECKS = ["two_layer_net.TwoLayerNet_training", "two_layer_net.FullyConnectedNet_overfit"]


@pytest.mark.parametrize("check_id", TRAINING_CHECKS)
def test_training_checks_reach_far_above_chance_with_the_reference(check_id):
    # The bound of the training check follows the reference; this keeps it meaningful if the
    # embedded data is retuned (chance is 0.10).
    verdict = judge_in_process(check_id, dict(reference_namespace()))
    assert verdict.passed, verdict.lines
    accuracy_line = verdict.lines[-1]
    accuracy = float(accuracy_line.split("accuracy ")[1].split(" ")[0])
    assert accuracy >= (1.0 if "overfit" in check_id else 0.3), accuracy_line


@pytest.mark.parametrize("check_id", TRAINING_CHECKS)
def test_training_checks_fail_a_model_whose_gradients_are_off(check_id):
    namespace = dict(reference_namespace())
    model_class = namespace["TwoLayerNet" if "TwoLayerNet" in check_id else "FullyConnectedNet"]

    class HalfGradients(model_class):
        def loss(self, X, y=None):
            result = super().loss(X, y)
            if y is None:
                return result
            loss, grads = result
            return loss, {name: 0.5 * g for name, g in grads.items()}

    namespace[model_class.__name__] = HalfGradients
    verdict = judge_in_process(check_id, namespace)
    assert not verdict.passed and "loss at step" in verdict.lines[0], verdict.lines


def test_hidden_check_plans_stay_small():
    for check_id, check in all_checks().items():
        if check_id.startswith("two_layer_net."):
            assert len(check.plan().to_json()) < 1_000_000, check_id


def test_a_float64_result_for_float32_inputs_is_graded_by_value():
    # The contract grades values, not a layer's output dtype (CS231n's starter code allocates
    # with np.zeros): a float64 out for float32 inputs keeps the points, a wrong value does not.
    right = "def relu_forward(x):\n    return np.maximum(x, 0).astype(np.float64), x\n"
    wrong = "def relu_forward(x):\n    return np.maximum(x, 0).astype(np.float16), x\n"
    for source, passes in ((right, True), (wrong, False)):
        namespace = {"np": np}
        exec(source, namespace)
        verdict = judge_in_process("two_layer_net.relu_forward", namespace, StudentCode((source,)))
        assert verdict.passed is passes, verdict.lines


def test_a_network_that_ignores_its_dtype_option_names_the_parameter():
    namespace = dict(reference_namespace())

    class Float64Net(namespace["FullyConnectedNet"]):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.params = {name: value.astype(np.float64) for name, value in self.params.items()}

    namespace["FullyConnectedNet"] = Float64Net
    verdict = judge_in_process("two_layer_net.FullyConnectedNet", namespace)
    assert not verdict.passed
    expected = "params['W1']: dtype float64, expected float32 (the network's dtype option"
    assert expected in verdict.lines[0], verdict.lines


def test_the_last_steps_of_training_are_judged_by_outcome():
    # A correct model whose later steps differ by far more than rounding still passes: only the
    # first step's loss is compared tightly.
    namespace = dict(reference_namespace())
    model_class = namespace["TwoLayerNet"]

    class Jittered(model_class):
        calls = 0

        def loss(self, X, y=None):
            result = super().loss(X, y)
            if y is None:
                return result
            Jittered.calls += 1
            loss, grads = result
            scale = 1.0 if Jittered.calls == 1 else 1 + 1e-6
            return loss, {name: scale * g for name, g in grads.items()}

    namespace["TwoLayerNet"] = Jittered
    verdict = judge_in_process("two_layer_net.TwoLayerNet_training", namespace)
    assert verdict.passed, verdict.lines


@pytest.fixture(scope="module")
def student_package(repo_root, tmp_path_factory):
    directory = tmp_path_factory.mktemp("student")
    shutil.copytree(repo_root / "release" / "two_layer_net" / STUDENT_PACKAGE, directory / STUDENT_PACKAGE)
    return directory


def run_in(directory, script):
    result = subprocess.run([sys.executable, "-c", script], cwd=directory, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_student_package_stubs_the_graded_units_and_ships_the_solver(student_package):
    script = (
        "import numpy as np\n"
        "from cs231n import layers, layer_utils, optim\n"
        "from cs231n.classifiers.fc_net import FullyConnectedNet, TwoLayerNet\n"
        "from cs231n.solver import Solver\n"
        "stubbed = []\n"
        "for call in (lambda: layers.affine_forward(np.ones((1, 2)), np.ones((2, 1)), np.ones(1)),\n"
        "             lambda: layers.softmax_loss(np.ones((1, 2)), np.array([0])),\n"
        "             lambda: layer_utils.affine_relu_backward(np.ones((1, 1)), None),\n"
        "             lambda: TwoLayerNet(), lambda: FullyConnectedNet([3]),\n"
        "             lambda: optim.sgd_momentum(np.ones(2), np.ones(2)),\n"
        "             lambda: optim.adam(np.ones(2), np.ones(2))):\n"
        "    try:\n        call()\n    except NotImplementedError:\n        stubbed.append(True)\n"
        "print(len(stubbed))\n"
        "class Model:\n"
        "    params = {'W': np.zeros((2, 2))}\n"
        "    def loss(self, X, y=None):\n"
        "        scores = X @ self.params['W']\n"
        "        return scores if y is None else (0.0, {'W': np.ones((2, 2))})\n"
        "data = {'X_train': np.eye(2), 'y_train': np.array([0, 1]), 'X_val': np.eye(2), 'y_val': np.array([0, 1])}\n"
        "solver = Solver(Model(), data, update_rule='sgd', batch_size=2, num_epochs=1, verbose=False)\n"
        "solver.train()\n"
        "print(solver.loss_history)\n"
    )
    assert run_in(student_package, script).splitlines() == ["7", "[0.0]"]


def test_student_package_leaves_normalization_to_the_next_assignment(student_package):
    # The network's normalization and dropout (a batchnorm_dropout unit) ship as a stub, never as an answer.
    text = (student_package / STUDENT_PACKAGE / "classifiers" / "fc_net.py").read_text()
    assert "batchnorm_forward(" not in text and "dropout_forward(" not in text
    start = text.index("    def normalized_loss(self, X, y=None):")
    stub = text[start:text.index("    def save(", start)]
    assert ('raise NotImplementedError("FullyConnectedNet.normalized_loss is written in a later assignment '
            '(batchnorm_dropout)")') in stub


def test_a_network_failure_names_the_students_failing_layer(repo_root):
    from test_hidden_checks import notebook_namespace

    from cs231n_lib.grading import samples

    nb = samples.solution_submission(repo_root, "two_layer_net", "two_layer_net", [])
    namespace, code = notebook_namespace(nb, "two_layer_net")
    affine_forward = namespace["affine_forward"]
    # The notebook's FullyConnectedNet calls the notebook's affine_forward, looked up at call time.
    namespace["affine_forward"] = lambda x, w, b: (affine_forward(x, w, b)[0] + 1e-3, (x, w, b))
    verdict = judge_in_process("two_layer_net.FullyConnectedNet", namespace, code)
    assert not verdict.passed
    # affine_relu_forward calls the broken affine_forward, so it fails its own check too.
    expected = "FullyConnectedNet uses your `affine_forward`, `affine_relu_forward`, which fail their own checks"
    assert expected in verdict.lines[0], verdict.lines


# ----------------------------------------------------------------------------------------------
# The experiments: best_model and the three-layer network's weight scale and learning rate


class Network:
    def __init__(self, params):
        self.params = params


def test_the_staff_search_keeps_the_stated_network_and_the_notebook_states_the_threshold(repo_root):
    import nbformat

    from cs231n_lib.grading.assignments.two_layer_net import (
        SEARCH_MARGIN,
        STAFF_SEARCH_CHOICE,
        best_model_threshold,
        embedded_validation_accuracy,
        staff_search_run,
    )

    grid = {(lr, reg): embedded_validation_accuracy(staff_search_run(lr, reg)) for lr in (1e-3, 3e-3)
            for reg in (0.05, 0.5)}
    assert max(grid, key=grid.get) == STAFF_SEARCH_CHOICE, grid
    staff_accuracy, threshold = best_model_threshold()
    assert (round(staff_accuracy, 3), threshold) == (0.48, 0.42)
    assert threshold == round(staff_accuracy - SEARCH_MARGIN, 3)
    nb = nbformat.read(repo_root / "source" / "two_layer_net" / "two_layer_net.ipynb", as_version=4)
    task = next(cell.source for cell in nb.cells if cell.source.startswith("## Tune your hyperparameters"))
    assert "scores **0.480**" in task and "threshold is **0.420**" in task
    solution = next(cell.source for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade_id")
                    == "best_model")
    assert "for learning_rate in [1e-3, 3e-3]:" in solution and "for reg in [0.05, 0.5]:" in solution


def test_best_model_is_graded_by_the_accuracy_of_its_parameters():
    from cs231n_lib.grading.assignments.two_layer_net import STAFF_SEARCH_CHOICE, staff_search_run

    params = staff_search_run(*STAFF_SEARCH_CHOICE)
    result = judge_in_process("two_layer_net.best_model", {"best_model": Network(dict(params))})
    assert result.passed and "0.480" in result.lines[0], result.lines
    diverged = staff_search_run(1e-1, 0.05)
    result = judge_in_process("two_layer_net.best_model", {"best_model": Network(dict(diverged))})
    assert not result.passed, result.lines
    for value in ({"W1": params["W1"]}, {**params, "W2": params["W2"][:, :3]}, {}):
        result = judge_in_process("two_layer_net.best_model", {"best_model": Network(value)})
        assert not result.passed and "expected a trained network" in result.lines[0], result.lines


def test_the_overfitting_choice_is_judged_with_the_staff_network():
    for weight_scale, learning_rate, passes in ((3e-2, 3e-3, True), (np.float64(5e-2), 1e-3, True),
                                                (3e-2, 3e-5, False), (1e-2, 3e-3, False)):
        result = judge_in_process("two_layer_net.three_layer_overfit",
                                  {"weight_scale": weight_scale, "learning_rate": learning_rate})
        assert result.passed == passes, (weight_scale, learning_rate, result.lines)
    for bad in ("3e-2", -1.0, float("nan")):
        result = judge_in_process("two_layer_net.three_layer_overfit", {"weight_scale": bad, "learning_rate": 1e-3})
        assert not result.passed and "weight_scale: expected a positive number" in result.lines[0], result.lines
