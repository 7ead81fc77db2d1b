import ast
import inspect

import numpy as np
import pytest

from cs231n_lib.classifiers import KNearestNeighbor, knn_cross_validation
from cs231n_lib.grading.student_code import StudentCode, forbid_loops


def independent_distances(A, B):
    # Broadcasting over all pairs: memory-hungry, but obviously correct.
    return np.sqrt(np.sum((A[:, None, :] - B[None, :, :]) ** 2, axis=-1))


@pytest.fixture
def trained():
    rng = np.random.default_rng(11)
    X_train, X_test = rng.normal(size=(40, 12)), rng.normal(size=(15, 12))
    model = KNearestNeighbor()
    model.train(X_train, rng.integers(0, 4, size=40))
    return model, X_train, X_test


@pytest.mark.parametrize("method", ["compute_distances_two_loops", "compute_distances_one_loop",
                                    "compute_distances_no_loops"])
def test_distances_match_an_independent_computation(trained, method):
    model, X_train, X_test = trained
    dists = getattr(model, method)(X_test)
    assert dists.shape == (15, 40)
    np.testing.assert_allclose(dists, independent_distances(X_test, X_train), rtol=1e-12, atol=1e-12)


def test_no_loop_distances_are_zero_not_nan_for_identical_points():
    model = KNearestNeighbor()
    X = np.full((3, 3072), 200.0) + np.arange(3)[:, None]
    model.train(X, np.zeros(3, dtype=int))
    dists = model.compute_distances_no_loops(X)
    assert np.all(np.isfinite(dists))
    assert np.allclose(np.diag(dists), 0.0, atol=1e-4)


def test_no_loop_version_has_no_python_loop():
    source = inspect.getsource(KNearestNeighbor)
    lines = forbid_loops("KNearestNeighbor.compute_distances_no_loops")(StudentCode((source,)))
    assert lines == ["KNearestNeighbor.compute_distances_no_loops: no Python loops"]


def test_no_implementation_uses_linalg_norm_or_scipy():
    tree = ast.parse(inspect.getsource(inspect.getmodule(KNearestNeighbor)))
    names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    imports = {alias.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
               for alias in node.names}
    assert "norm" not in names
    assert not any(name.startswith("scipy") for name in imports)


def test_predict_labels_breaks_ties_towards_the_smaller_label():
    model = KNearestNeighbor()
    model.train(np.zeros((6, 1)), np.array([4, 2, 2, 4, 7, 7]))
    dists = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [6.0, 5.0, 4.0, 3.0, 2.0, 1.0]])
    assert model.predict_labels(dists, k=4).tolist() == [2, 7]  # row 0 is a 2-2 tie between 2 and 4
    assert model.predict_labels(dists, k=1).tolist() == [4, 7]
    assert model.predict_labels(dists, k=6).tolist() == [2, 2]  # three-way 2-2-2 tie


def test_predict_uses_the_requested_implementation_and_rejects_others(trained):
    model, _, X_test = trained
    predictions = [model.predict(X_test, k=3, num_loops=n) for n in (0, 1, 2)]
    assert all(np.array_equal(predictions[0], p) for p in predictions)
    with pytest.raises(ValueError, match="num_loops"):
        model.predict(X_test, num_loops=3)


def test_cross_validation_matches_an_independent_computation():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(23, 4)), rng.integers(0, 3, size=23)
    got = knn_cross_validation(X, y, [1, 3, 5], num_folds=4)
    boundaries = [0, 6, 12, 18, 23]  # np.array_split puts the remainder in the first folds
    for k in (1, 3, 5):
        expected = []
        for i in range(4):
            held_out = np.zeros(23, dtype=bool)
            held_out[boundaries[i] : boundaries[i + 1]] = True
            dists = independent_distances(X[held_out], X[~held_out])
            votes = y[~held_out][np.argsort(dists, axis=1, kind="stable")[:, :k]]
            predicted = np.array([np.bincount(v, minlength=3).argmax() for v in votes])
            expected.append(np.mean(predicted == y[held_out]))
        assert got[k] == pytest.approx(expected, abs=1e-15)
