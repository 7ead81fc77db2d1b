"""Loading MNIST from its original idx files, when they are on disk.

MNIST (http://yann.lecun.com/exdb/mnist/) ships as four idx files, optionally
gzipped: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
and t10k-labels-idx1-ubyte (torchvision keeps them in MNIST/raw/). An idx file
is a big-endian header -- two zero bytes, a type code (0x08 unsigned byte,
0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64) and the
number of dimensions -- then one big-endian int32 per dimension, then the data
in C order. Images are (N, 28, 28) unsigned bytes, labels (N,) unsigned bytes.

The GAN notebook trains on the embedded 8x8 digits (cs231n.data.digits) so it
runs in seconds; load_MNIST is there to train the same code on MNIST at home:

    from cs231n.data.mnist import find_MNIST, load_MNIST, mnist_for_gan
    X_train, y_train, X_test, y_test = load_MNIST(find_MNIST())
"""

import gzip
import os

import numpy as np

from .cifar10 import DATASETS_DIR

MNIST_FILES = {
    'train_images': 'train-images-idx3-ubyte',
    'train_labels': 'train-labels-idx1-ubyte',
    'test_images': 't10k-images-idx3-ubyte',
    'test_labels': 't10k-labels-idx1-ubyte',
}
MNIST_DIR_ENV = 'MNIST_DIR'
DEFAULT_MNIST_DIR = os.path.join(DATASETS_DIR, 'MNIST', 'raw')

# idx type code -> numpy dtype (big-endian where it matters)
IDX_DTYPES = {0x08: np.dtype('u1'), 0x09: np.dtype('i1'), 0x0B: np.dtype('>i2'),
              0x0C: np.dtype('>i4'), 0x0D: np.dtype('>f4'), 0x0E: np.dtype('>f8')}

_HOW_TO_GET_MNIST = (
    'put the four MNIST idx files (e.g. train-images-idx3-ubyte.gz) in one folder and pass it, '
    f'or set the environment variable {MNIST_DIR_ENV} to it')


def _open(path):
    with open(path, 'rb') as f:
        gzipped = f.read(2) == b'\x1f\x8b'
    return gzip.open(path, 'rb') if gzipped else open(path, 'rb')


def load_idx(path):
    """Read an idx file (gzipped or not) into a numpy array of its stored shape.

    Inputs:
    - path: file path

    Returns:
    - array: of the shape in the header; unsigned bytes as uint8, other types in native byte order

    Raises ValueError naming the file if the header is malformed or the data is short or long.
    """
    path = os.fspath(path)
    with _open(path) as f:
        content = f.read()

    def bad(what):
        return ValueError(f'{path} is not an idx file: {what}')

    if len(content) < 4:
        raise bad(f'only {len(content)} bytes')
    if content[0] != 0 or content[1] != 0:
        raise bad('the first two bytes of the header must be zero')
    type_code, ndim = content[2], content[3]
    if type_code not in IDX_DTYPES:
        raise bad(f'unknown type code 0x{type_code:02X}')
    header_size = 4 + 4 * ndim
    if len(content) < header_size:
        raise bad(f'header announces {ndim} dimensions but the file ends after {len(content)} bytes')
    shape = tuple(int(d) for d in np.frombuffer(content, dtype='>u4', count=ndim, offset=4))
    dtype = IDX_DTYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(content) - header_size != expected:
        raise bad(f'shape {shape} of {dtype} needs {expected} bytes of data, found {len(content) - header_size}')
    array = np.frombuffer(content, dtype=dtype, offset=header_size).reshape(shape)
    return array.astype(dtype.newbyteorder('='))


def _find_file(root, stem):
    for name in (stem, stem + '.gz', stem.replace('-idx', '.idx'), stem.replace('-idx', '.idx') + '.gz'):
        path = os.path.join(root, name)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(f'MNIST file {stem}(.gz) not found in {root}; {_HOW_TO_GET_MNIST}')


def load_MNIST(root):
    """Load MNIST from a folder holding its four idx files.

    Inputs:
    - root: folder with train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz),
      t10k-images-idx3-ubyte(.gz), t10k-labels-idx1-ubyte(.gz)

    Returns a tuple of:
    - X_train: uint8 array of shape (N_train, 28, 28); (60000, 28, 28) for real MNIST
    - y_train: int64 array of shape (N_train,), labels 0..9
    - X_test: uint8 array of shape (N_test, 28, 28); (10000, 28, 28) for real MNIST
    - y_test: int64 array of shape (N_test,)
    """
    root = os.fspath(root)
    if not os.path.isdir(root):
        raise FileNotFoundError(f'MNIST directory {root} does not exist; {_HOW_TO_GET_MNIST}')
    splits = []
    for split in ('train', 'test'):
        images_path = _find_file(root, MNIST_FILES[f'{split}_images'])
        labels_path = _find_file(root, MNIST_FILES[f'{split}_labels'])
        images, labels = load_idx(images_path), load_idx(labels_path)
        if images.ndim != 3 or images.dtype != np.uint8:
            raise ValueError(f'{images_path}: expected (N, rows, cols) unsigned bytes, found {images.shape} '
                             f'{images.dtype}')
        if labels.shape != (images.shape[0],):
            raise ValueError(f'{labels_path}: {labels.shape[0] if labels.ndim else 0} labels for '
                             f'{images.shape[0]} images in {images_path}')
        if labels.size and labels.max() > 9:
            raise ValueError(f'{labels_path}: labels range up to {labels.max()}, expected 0..9')
        splits += [images, labels.astype(np.int64)]
    return tuple(splits)


def find_MNIST(root=None):
    """The first folder holding MNIST's training images: root, else $MNIST_DIR, else cs231n/datasets/MNIST/raw.

    Returns the folder, or None if none has them.
    """
    for candidate in (root, os.environ.get(MNIST_DIR_ENV), DEFAULT_MNIST_DIR):
        if candidate is None:
            continue
        try:
            _find_file(candidate, MNIST_FILES['train_images'])
        except FileNotFoundError:
            continue
        return candidate
    return None


def mnist_for_gan(root=None):
    """MNIST training images prepared like the embedded digits: flattened, scaled to [-1, 1].

    Returns a dict with 'X' float64 (60000, 784), 'y' int64 (60000,), 'image_shape' (28, 28) and
    'source'; raises FileNotFoundError if MNIST is not found (see find_MNIST).
    """
    path = find_MNIST(root)
    if path is None:
        raise FileNotFoundError(f'MNIST not found; {_HOW_TO_GET_MNIST}')
    X_train, y_train, _, _ = load_MNIST(path)
    X = X_train.reshape(len(X_train), -1).astype(np.float64) / 127.5 - 1
    return {'X': X, 'y': y_train, 'image_shape': X_train.shape[1:], 'source': f'MNIST from {path}'}
