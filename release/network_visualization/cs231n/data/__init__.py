"""Datasets for the assignments: real CIFAR-10 when it is on disk, else a synthetic stand-in.

Typical use in a notebook:

    from cs231n.data import get_CIFAR10_data
    data = get_CIFAR10_data()
    print(data['source'])

To use the real CIFAR-10, put cifar-10-batches-py in cs231n/datasets/ (for
example with fetch_CIFAR10('cs231n/datasets')) or set the environment variable
CIFAR10_DIR to its path.
"""

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
    'CLASSES', 'EMBEDDED_CLASSES',
    'load_CIFAR_batch', 'load_CIFAR10', 'find_CIFAR10', 'fetch_CIFAR10',
    'make_embedded_cifar', 'load_embedded_CIFAR10',
    'load_cifar10_or_embedded', 'get_CIFAR10_data',
]


def _embedded_source(root):
    return (f'embedded synthetic CIFAR-shaped dataset (no CIFAR-10 found at '
            f'{CIFAR10_search_dir(root)}; see fetch_CIFAR10)')


def _first(name, n, X, y):
    """The first n examples of (X, y), refusing to silently return fewer."""
    if n > len(X):
        raise ValueError(f'asked for {n} {name} images but the dataset has only {len(X)}')
    return X[:n], y[:n]


def load_cifar10_or_embedded(root=None, num_training=5000, num_test=500):
    """Load a subsample of CIFAR-10 if it is on disk, else the embedded synthetic dataset.

    Like the CS231n kNN notebook, real CIFAR-10 is subsampled to its first
    num_training training and first num_test test images.

    Inputs:
    - root: CIFAR-10 directory; None searches as find_CIFAR10 does
    - num_training, num_test: numbers of images to return

    Returns a tuple of:
    - X_train: float64 array of shape (num_training, 32, 32, 3), values 0..255
    - y_train: int64 array of shape (num_training,)
    - X_test: float64 array of shape (num_test, 32, 32, 3)
    - y_test: int64 array of shape (num_test,)
    - classes: tuple of the 10 class names
    - source: one-line description of which data was used
    """
    path = find_CIFAR10(root)
    if path is None:
        X_train, y_train, X_test, y_test = load_embedded_CIFAR10(num_training, num_test)
        return X_train, y_train, X_test, y_test, EMBEDDED_CLASSES, _embedded_source(root)

    X_train, y_train, X_test, y_test = load_CIFAR10(path)
    X_train, y_train = _first('training', num_training, X_train, y_train)
    X_test, y_test = _first('test', num_test, X_test, y_test)
    # Copies, so that the full 1.2 GB arrays can be freed.
    return X_train.copy(), y_train.copy(), X_test.copy(), y_test.copy(), CLASSES, f'CIFAR-10 from {path}'


def get_CIFAR10_data(num_training=49000, num_validation=1000, num_test=1000,
                     subtract_mean=True, cifar10_dir=None):
    """Load CIFAR-10 (or the embedded dataset) prepared for the classifiers, as in CS231n.

    The validation set is the num_validation training images right after the
    first num_training. Images are converted to channels-first layout.

    Inputs:
    - num_training, num_validation, num_test: split sizes
    - subtract_mean: if True, the mean training image is subtracted from every split
    - cifar10_dir: CIFAR-10 directory; None searches as find_CIFAR10 does. If no
      CIFAR-10 is found, exactly the requested numbers of embedded images are generated.

    Returns a dict with:
    - 'X_train': float64 array of shape (num_training, 3, 32, 32); 'y_train' int64 (num_training,)
    - 'X_val': float64 array of shape (num_validation, 3, 32, 32); 'y_val' int64 (num_validation,)
    - 'X_test': float64 array of shape (num_test, 3, 32, 32); 'y_test' int64 (num_test,)
    - 'classes': tuple of the 10 class names
    - 'source': one-line description of which data was used
    """
    path = find_CIFAR10(cifar10_dir)
    if path is None:
        X_train, y_train, X_test, y_test = load_embedded_CIFAR10(num_training + num_validation, num_test)
        classes, source = EMBEDDED_CLASSES, _embedded_source(cifar10_dir)
    else:
        X_train, y_train, X_test, y_test = load_CIFAR10(path)
        classes, source = CLASSES, f'CIFAR-10 from {path}'

    X_all, y_all = _first('training + validation', num_training + num_validation, X_train, y_train)
    X_val, y_val = X_all[num_training:], y_all[num_training:]
    X_train, y_train = X_all[:num_training], y_all[:num_training]
    X_test, y_test = _first('test', num_test, X_test, y_test)

    if subtract_mean:
        mean_image = np.mean(X_train, axis=0)  # (32, 32, 3)
        # In place: these arrays were loaded by this call, and at full size each is 1.2 GB.
        X_train -= mean_image
        X_val -= mean_image
        X_test -= mean_image

    def channels_first(X):  # (N, 32, 32, 3) -> (N, 3, 32, 32), contiguous
        return np.ascontiguousarray(X.transpose(0, 3, 1, 2))

    return {
        'X_train': channels_first(X_train), 'y_train': y_train.copy(),
        'X_val': channels_first(X_val), 'y_val': y_val.copy(),
        'X_test': channels_first(X_test), 'y_test': y_test.copy(),
        'classes': classes, 'source': source,
    }
