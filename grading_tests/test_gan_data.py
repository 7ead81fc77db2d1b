"""The MNIST idx loader on small files the tests write, and the embedded digits with their classifier."""

import gzip
import struct

import numpy as np
import pytest

from cs231n_lib.data import mnist
from cs231n_lib.data.digits import digit_classifier, load_digits_for_gan, sample_quality


def write_idx(path, array, type_code=0x08, compress=False):
    array = np.asarray(array)
    dtype = mnist.IDX_DTYPES[type_code]
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    content = header + array.astype(dtype).tobytes()
    (gzip.open if compress else open)(path, "wb").write(content)


def write_mnist(folder, num_train=5, num_test=3, compress=False):
    rng = np.random.default_rng(0)
    arrays = {"train_images": rng.integers(0, 256, size=(num_train, 28, 28)),
              "train_labels": rng.integers(0, 10, size=num_train),
              "test_images": rng.integers(0, 256, size=(num_test, 28, 28)),
              "test_labels": rng.integers(0, 10, size=num_test)}
    folder.mkdir(parents=True, exist_ok=True)
    for key, array in arrays.items():
        write_idx(folder / (mnist.MNIST_FILES[key] + (".gz" if compress else "")), array, compress=compress)
    return arrays


@pytest.mark.parametrize("compress", [False, True])
def test_load_mnist_reads_what_was_written(tmp_path, compress):
    arrays = write_mnist(tmp_path, compress=compress)
    X_train, y_train, X_test, y_test = mnist.load_MNIST(tmp_path)
    assert X_train.dtype == np.uint8 and X_train.shape == (5, 28, 28) and y_train.dtype == np.int64
    assert np.array_equal(X_train, arrays["train_images"]) and np.array_equal(y_test, arrays["test_labels"])
    assert np.array_equal(X_test, arrays["test_images"]) and np.array_equal(y_train, arrays["train_labels"])


@pytest.mark.parametrize("type_code", [0x09, 0x0B, 0x0C, 0x0D, 0x0E])
def test_load_idx_reads_every_type_big_endian(tmp_path, type_code):
    array = np.arange(-6, 6).reshape(3, 2, 2)
    write_idx(tmp_path / "a.idx", array, type_code)
    loaded = mnist.load_idx(tmp_path / "a.idx")
    assert loaded.shape == (3, 2, 2) and np.array_equal(loaded, array) and loaded.dtype.isnative


@pytest.mark.parametrize("corrupt, message", [
    (lambda b: b[:3], "only 3 bytes"),
    (lambda b: b"\x01" + b[1:], "first two bytes"),
    (lambda b: b[:2] + b"\x07" + b[3:], "unknown type code 0x07"),
    (lambda b: b[:-1], "needs 12 bytes of data, found 11"),
    (lambda b: b + b"\x00", "found 13"),
])
def test_load_idx_rejects_malformed_files_naming_them(tmp_path, corrupt, message):
    write_idx(tmp_path / "good", np.zeros((3, 4)))
    (tmp_path / "bad").write_bytes(corrupt((tmp_path / "good").read_bytes()))
    with pytest.raises(ValueError, match=message) as error:
        mnist.load_idx(tmp_path / "bad")
    assert "bad" in str(error.value)


def test_load_mnist_says_how_to_get_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="MNIST_DIR"):
        mnist.load_MNIST(tmp_path / "nowhere")
    write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        mnist.load_MNIST(tmp_path)


def test_load_mnist_rejects_labels_that_do_not_match_the_images(tmp_path):
    write_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(4))
    with pytest.raises(ValueError, match="4 labels for 5 images"):
        mnist.load_MNIST(tmp_path)


def test_find_mnist_uses_the_argument_then_the_environment(tmp_path, monkeypatch):
    monkeypatch.setattr(mnist, "DEFAULT_MNIST_DIR", str(tmp_path / "default"))
    monkeypatch.delenv(mnist.MNIST_DIR_ENV, raising=False)
    assert mnist.find_MNIST() is None
    write_mnist(tmp_path / "env", compress=True)
    monkeypatch.setenv(mnist.MNIST_DIR_ENV, str(tmp_path / "env"))
    assert mnist.find_MNIST() == str(tmp_path / "env")
    write_mnist(tmp_path / "arg")
    assert mnist.find_MNIST(tmp_path / "arg") == tmp_path / "arg"


def test_mnist_for_gan_scales_to_minus_one_one(tmp_path):
    arrays = write_mnist(tmp_path)
    data = mnist.mnist_for_gan(tmp_path)
    assert data["X"].shape == (5, 784) and data["image_shape"] == (28, 28)
    assert np.allclose(data["X"], arrays["train_images"].reshape(5, -1) / 127.5 - 1)
    assert data["X"].min() >= -1 and data["X"].max() <= 1


def test_embedded_digits_are_real_digits_in_minus_one_one():
    data = load_digits_for_gan()
    X, y = data["X"], data["y"]
    assert X.shape == (1797, 64) and X.dtype == np.float64 and y.shape == (1797,)
    assert X.min() == -1 and X.max() == 1 and np.array_equal(np.unique(y), np.arange(10))
    assert np.mean(X == -1) > 0.4  # mostly background, as handwriting is


def test_digit_classifier_is_accurate_and_scores_real_digits_above_noise():
    X = load_digits_for_gan()["X"]
    assert digit_classifier().train_accuracy > 0.95
    real = sample_quality(X[:500])
    noise = sample_quality(np.random.default_rng(0).uniform(-1, 1, size=(500, 64)))
    blank = sample_quality(-np.ones((500, 64)))
    assert real["confidence"] > 0.85 and real["classes"] == 10
    assert noise["confidence"] < 0.55 and blank["classes"] == 1
    assert real["counts"].sum() == 500


def test_sample_quality_rejects_images_that_are_not_8x8():
    with pytest.raises(ValueError, match="8x8"):
        sample_quality(np.zeros((5, 784)))


def test_the_graders_digit_probabilities_are_scikit_learns():
    """The hidden checks score samples from the classifier's shared weights (no scikit-learn in a grading
    process): the same probabilities as its predict_proba, on real digits, noise and a blank image."""
    from cs231n_lib.grading.assignments.gan import digit_probabilities

    X = load_digits_for_gan()["X"]
    images = np.vstack([X[:300], np.random.default_rng(1).uniform(-1, 1, size=(200, 64)), -np.ones((1, 64))])
    expected = digit_classifier().predict_proba(images)
    got = digit_probabilities(images)
    print(f"largest difference from predict_proba: {np.max(np.abs(got - expected)):.1e}")
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert sample_quality(images, predict_proba=digit_probabilities)["counts"].tolist() == \
        sample_quality(images)["counts"].tolist()
