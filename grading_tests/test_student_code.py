"""The loop ban follows the code: into methods, functions, and functions used as values."""

import textwrap

import pytest

from cs231n_lib.grading.compare import CheckFailure
from cs231n_lib.grading.student_code import StudentCode, forbid_loops

NO_LOOPS = "KNearestNeighbor.compute_distances_no_loops"

CLASS = '''
class KNearestNeighbor:
    def train(self, X, y):
        self.X_train, self.y_train = X, y

    def compute_distances_one_loop(self, X):
        dists = np.zeros((X.shape[0], self.X_train.shape[0]))
        for i in range(X.shape[0]):
            dists[i, :] = np.sqrt(np.sum((self.X_train - X[i]) ** 2, axis=1))
        return dists

    def _squared_norms(self, X):
        return np.sum(X ** 2, axis=1)

    def compute_distances_no_loops(self, X):
{body}
'''


def knn(body, *other_cells):
    source = CLASS.format(body=textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8))
    return StudentCode((source, *other_cells))


def verdict(code, name=NO_LOOPS):
    try:
        return forbid_loops(name)(code)[0]
    except CheckFailure as failure:
        return str(failure)


def test_a_vectorized_method_using_its_own_loop_free_helpers_passes():
    code = knn("""
        squared = self._squared_norms(X)[:, None] + self._squared_norms(self.X_train)[None, :]
        return np.sqrt(np.maximum(squared - 2 * X @ self.X_train.T, 0))
    """)
    assert verdict(code) == f"{NO_LOOPS}: no Python loops"


@pytest.mark.parametrize("body", [
    "return self.compute_distances_one_loop(X)",
    "f = self.compute_distances_one_loop\nreturn f(X)",
    "return getattr(self, 'compute_distances_one_loop')(X)",
    "return KNearestNeighbor.compute_distances_one_loop(self, X)",
    "return type(self).compute_distances_one_loop(self, X)",
    "other = KNearestNeighbor()\nother.train(self.X_train, self.y_train)\nreturn other.compute_distances_one_loop(X)",
])
def test_a_method_that_reaches_a_looping_method_is_a_loop(body):
    message = verdict(knn(body))
    assert "must not use Python loops" in message and "compute_distances_one_loop" in message


@pytest.mark.parametrize("body", [
    "return getattr(self, 'compute_distances_' + 'one_loop')(X)",
    "name = 'compute_distances_one_loop'\nreturn getattr(self, name)(X)",
    "return vars(type(self))['compute_distances_one_loop'](self, X)",
])
def test_a_name_computed_at_run_time_is_taken_to_reach_every_method(body):
    assert "must not use Python loops" in verdict(knn(body))


def test_code_the_grader_cannot_read_is_refused():
    message = verdict(knn("return eval('self.compute_distances_one_loop(X)')"))
    assert "eval" in message and "cannot check" in message


def test_calls_are_followed_through_functions_and_functions_as_values():
    helper = "def rows(X, Y):\n    return np.stack([np.sum((Y - x) ** 2, axis=1) for x in X])\n"
    relay = "def relay(X, Y):\n    return rows(X, Y)\n"
    assert "(through rows)" in verdict(knn("return relay(X, self.X_train)", helper, relay))
    assert "must not use Python loops" in verdict(knn("f = relay\nreturn f(X, self.X_train)", helper, relay))
    assert "must not use Python loops" in verdict(knn("return np.sqrt(np.apply_along_axis(len, 1, X))"))


def test_an_inherited_looping_method_is_followed():
    base = "class Base:\n    def slow(self, X):\n        while True:\n            pass\n"
    source = ("class KNearestNeighbor(Base):\n    def compute_distances_no_loops(self, X):\n"
              "        return self.slow(X)\n")
    assert "a while loop (line 3) (through KNearestNeighbor.slow)" in verdict(StudentCode((base, source)))


def test_numpy_methods_named_like_notebook_methods_are_not_followed():
    # `.copy()` and `.sum()` on arrays are numpy's, even though the class below has methods of those names.
    source = textwrap.dedent('''
        class KNearestNeighbor:
            def copy(self):
                return [x for x in range(3)]

            def sum(self):
                while True:
                    pass

            def compute_distances_no_loops(self, X):
                return np.sqrt(X.copy().sum(axis=1))
    ''')
    assert verdict(StudentCode((source,))) == f"{NO_LOOPS}: no Python loops"


def test_recursion_and_cycles_between_methods_terminate():
    source = textwrap.dedent('''
        class KNearestNeighbor:
            def a(self, X):
                return self.b(X)

            def b(self, X):
                return self.a(X)

            def compute_distances_no_loops(self, X):
                return self.a(X)
    ''')
    assert verdict(StudentCode((source,))) == f"{NO_LOOPS}: no Python loops"


def test_a_top_level_function_is_checked_as_before():
    looping = "def relu_forward(x):\n    return np.array([max(v, 0) for v in x])"
    assert "a comprehension" in verdict(StudentCode((looping,)), "relu_forward")
    clean = "def relu_forward(x):\n    return np.maximum(x, 0), x"
    assert verdict(StudentCode((clean,)), "relu_forward") == "relu_forward: no Python loops"


def test_cell_metadata_of_the_wrong_type_reads_as_absent():
    # A submission's metadata is untrusted: nbgrader metadata that is not a dict must not crash the grader.
    import nbformat

    from cs231n_lib.grading.markers import grade_id, is_solution_cell, is_test_cell

    solution = nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {"grade_id": "unit", "solution": True}})
    test = nbformat.v4.new_code_cell("assert x", metadata={"nbgrader": {"grade_id": "test_unit", "grade": True}})
    broken = [nbformat.from_dict({"cell_type": "code", "source": "y = 2", "metadata": {"nbgrader": "solution"}}),
              nbformat.from_dict({"cell_type": "code", "source": "y = 2", "metadata": ["nbgrader"]}),
              nbformat.from_dict({"cell_type": "code", "source": "y = 2"})]
    assert (grade_id(solution), is_solution_cell(solution), is_test_cell(solution)) == ("unit", True, False)
    assert (grade_id(test), is_solution_cell(test), is_test_cell(test)) == ("test_unit", False, True)
    for cell in broken:
        assert (grade_id(cell), is_solution_cell(cell), is_test_cell(cell)) == (None, False, False)
    notebook = nbformat.from_dict({"cells": [solution, test, *broken]})
    assert StudentCode.from_notebook(notebook).cell_ids == ("unit", None, None, None)
