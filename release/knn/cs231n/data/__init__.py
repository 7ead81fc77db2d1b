"""Datasets: real CIFAR-10 when it is on disk, an embedded synthetic stand-in otherwise."""

import numpy as np

from .cifar10 import (
    CLASSES,
    CIFAR10_search_dir,
    fetch_CIFAR10,
    find_CIFAR10,
    load_CIFAR10,
    load_CIFAR_batch,
)
from .embedded import EMBEDDED_CLASSES, load_embedded_CIFAR10, make_embedded_cifar

__all__ = [
    "CLASSES",
    "EMBEDDED_CLASSES",
    "fetch_CIFAR10",
    "find_CIFAR10",
    "get_CIFAR10_data",
    "load_CIFAR10",
    "load_CIFAR_batch",
    "load_cifar10_or_embedded",
    "load_embedded_CIFAR10",
    "make_embedded_cifar",
]


def _load(root, num_training, num_test):
    """(X_train, y_train, X_test, y_test, classes, source) from CIFAR-10 if found, else embedded."""
    found = find_CIFAR10(root)
    if found is not None:
        X_train, y_train, X_test, y_test = load_CIFAR10(found)
        if num_training > len(X_train) or num_test > len(X_test):
            raise ValueError(f"asked for {num_training} training and {num_test} test images; "
                             f"CIFAR-10 at {found} has {len(X_train)} and {len(X_test)}")
        return (X_train[:num_training], y_train[:num_training], X_test[:num_test], y_test[:num_test],
                CLASSES, f"CIFAR-10 from {found}")
    X_train, y_train, X_test, y_test = load_embedded_CIFAR10(num_training, num_test)
    source = (f"embedded synthetic CIFAR-shaped dataset (no CIFAR-10 found at {CIFAR10_search_dir(root)}; "
              "see fetch_CIFAR10)")
    return X_train, y_train, X_test, y_test, EMBEDDED_CLASSES, source


def load_cifar10_or_embedded(root=None, num_training=5000, num_test=500):
    """The first num_training / num_test images of CIFAR-10, or of the embedded dataset.

    Inputs:
    - root: a cifar-10-batches-py directory; None searches $CIFAR10_DIR, then cs231n/datasets/
    - num_training, num_test: how many images to keep

    Returns a tuple of:
    - X_train: float64 array of shape (num_training, 32, 32, 3)
    - y_train: int64 array of shape (num_training,)
    - X_test: float64 array of shape (num_test, 32, 32, 3)
    - y_test: int64 array of shape (num_test,)
    - classes: tuple of the 10 class names
    - source: one line saying which data was loaded
    """
    return _load(root, num_training, num_test)


def get_CIFAR10_data(num_training=49000, num_validation=1000, num_test=1000, subtract_mean=True,
                     cifar10_dir=None):
    """CS231n's train / validation / test split, channels first, mean image subtracted.

    Inputs:
    - num_training, num_validation, num_test: sizes; validation is the num_validation
      images right after the first num_training
    - subtract_mean: subtract the training set's mean image from every split
    - cifar10_dir: a cifar-10-batches-py directory; None searches as find_CIFAR10 does

    Returns a dict with:
    - X_train (num_training, 3, 32, 32), y_train (num_training,), X_val, y_val, X_test, y_test
      (float64 images, int64 labels), classes (the 10 names) and source (which data)
    """
    X_train, y_train, X_test, y_test, classes, source = _load(
        cifar10_dir, num_training + num_validation, num_test)
    X_val, y_val = X_train[num_training:], y_train[num_training:]
    X_train, y_train = X_train[:num_training], y_train[:num_training]
    if subtract_mean:
        mean_image = np.mean(X_train, axis=0)
        X_train, X_val, X_test = X_train - mean_image, X_val - mean_image, X_test - mean_image
    return {
        "X_train": X_train.transpose(0, 3, 1, 2).copy(),
        "y_train": y_train,
        "X_val": X_val.transpose(0, 3, 1, 2).copy(),
        "y_val": y_val,
        "X_test": X_test.transpose(0, 3, 1, 2).copy(),
        "y_test": y_test,
        "classes": classes,
        "source": source,
    }
