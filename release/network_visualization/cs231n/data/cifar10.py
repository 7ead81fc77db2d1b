"""Loading the real CIFAR-10 dataset (python version), and fetching it.

CIFAR-10 (https://www.cs.toronto.edu/~kriz/cifar.html) ships as six pickled
batches in a folder `cifar-10-batches-py/`: data_batch_1 ... data_batch_5
(10,000 training images each) and test_batch (10,000 test images). Each batch
is a dict whose 'data' entry is a uint8 array of shape (N, 3072): every row is
one 32x32 image stored channel-major (1024 red values, then 1024 green, then
1024 blue, each plane row by row), and whose 'labels' entry is a list of N
integers in 0..9.

Only numpy is needed to load batches; `fetch_CIFAR10` also needs pooch.
"""

import os
import pickle
import posixpath
import re
import shutil
import tarfile

import numpy as np

CLASSES = ('plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')

BATCH_FILES = ('data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5',
               'test_batch')

CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz'
CIFAR10_ARCHIVE = 'cifar-10-python.tar.gz'
CIFAR10_FOLDER = 'cifar-10-batches-py'
# Read at call time by fetch_CIFAR10, so tests can substitute the hash of a small fake archive.
CIFAR10_KNOWN_HASH = 'md5:c58f30108f718f92721af3b95e74349a'

# Where to look when no directory is given, in this order.
CIFAR10_DIR_ENV = 'CIFAR10_DIR'
# The package's own datasets/ folder (cs231n/datasets in a student package), for every dataset.
DATASETS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'datasets')
DEFAULT_CIFAR10_DIR = os.path.join(DATASETS_DIR, CIFAR10_FOLDER)

_HOW_TO_GET_CIFAR10 = (
    "to get CIFAR-10, run fetch_CIFAR10('<folder>') (needs internet and pooch), or download "
    f"{CIFAR10_URL} and extract it so that <folder>/{CIFAR10_FOLDER}/data_batch_1 exists; "
    "or use the embedded synthetic dataset instead (load_embedded_CIFAR10)")


def _entry(datadict, key):
    """datadict[key], whether the pickle's keys came back as str or as bytes."""
    for k in (key, key.encode('ascii')):
        if k in datadict:
            return datadict[k]
    raise KeyError(key)


def _load_batch_uint8(filename):
    """Read one batch file as stored: (X uint8 (N, 32, 32, 3), Y int64 (N,)).

    Kept in uint8 so that load_CIFAR10 can concatenate five batches before the
    single conversion to float64 (1.2 GB), instead of holding twice that.
    """
    filename = os.fspath(filename)
    try:
        f = open(filename, 'rb')
    except FileNotFoundError as e:
        raise FileNotFoundError(f'CIFAR-10 batch file {filename} not found; {_HOW_TO_GET_CIFAR10}') from e

    def bad(what):
        return ValueError(f'{filename} is not a CIFAR-10 python batch: {what}; re-download it')

    with f:
        try:
            # The batches were pickled by Python 2; latin1 maps its byte strings 1:1 to str.
            datadict = pickle.load(f, encoding='latin1')
        except Exception as e:
            # A damaged pickle can fail in almost any way (EOFError, UnpicklingError,
            # ValueError from numpy, ...); all of them mean the same thing to the user.
            raise bad(f'cannot unpickle it ({type(e).__name__}: {e})') from e

    if not isinstance(datadict, dict):
        raise bad(f'expected a pickled dict, found {type(datadict).__name__}')
    try:
        data, labels = _entry(datadict, 'data'), _entry(datadict, 'labels')
    except KeyError as e:
        keys = sorted(k.decode('latin1') if isinstance(k, bytes) else str(k) for k in datadict)
        raise bad(f"no {e.args[0]!r} entry (it has {keys})") from None

    data = np.asarray(data)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise bad(f"'data' has shape {data.shape}, expected (N, 3072)")
    if data.dtype != np.uint8:
        raise bad(f"'data' has dtype {data.dtype}, expected uint8")
    N = data.shape[0]
    try:
        Y = np.asarray(labels, dtype=np.int64)
    except (TypeError, ValueError) as e:
        raise bad(f"'labels' are not integers ({e})") from e
    if Y.shape != (N,):
        raise bad(f"'labels' has shape {Y.shape}, expected ({N},) to match 'data'")
    if N and (Y.min() < 0 or Y.max() >= len(CLASSES)):
        raise bad(f"'labels' range over {Y.min()}..{Y.max()}, expected 0..{len(CLASSES) - 1}")

    X = data.reshape(N, 3, 32, 32).transpose(0, 2, 3, 1)  # (N, 32, 32, 3)
    return X, Y


def load_CIFAR_batch(filename):
    """Load one CIFAR-10 batch file.

    Inputs:
    - filename: path of a batch file such as .../cifar-10-batches-py/data_batch_1

    Returns a tuple of:
    - X: float64 array of shape (N, 32, 32, 3), pixel values 0..255, channels last (RGB)
    - Y: int64 array of shape (N,), labels in 0..9 (names in CLASSES)

    Raises FileNotFoundError (saying how to get the data) if the file is missing,
    and ValueError naming the file if it is not a readable CIFAR-10 batch.
    """
    X, Y = _load_batch_uint8(filename)
    return X.astype(np.float64), Y


def load_CIFAR10(root):
    """Load all of CIFAR-10 from a cifar-10-batches-py directory.

    Inputs:
    - root: directory holding data_batch_1 ... data_batch_5 and test_batch

    Returns a tuple of:
    - Xtr: float64 array of shape (N_train, 32, 32, 3); (50000, 32, 32, 3) for real CIFAR-10
    - Ytr: int64 array of shape (N_train,)
    - Xte: float64 array of shape (N_test, 32, 32, 3); (10000, 32, 32, 3) for real CIFAR-10
    - Yte: int64 array of shape (N_test,)
    """
    root = os.fspath(root)
    if not os.path.isdir(root):
        raise FileNotFoundError(f'CIFAR-10 directory {root} does not exist; {_HOW_TO_GET_CIFAR10}')
    batches = [_load_batch_uint8(os.path.join(root, name)) for name in BATCH_FILES[:5]]
    Xtr = np.concatenate([X for X, _ in batches]).astype(np.float64)
    Ytr = np.concatenate([Y for _, Y in batches])
    del batches
    Xte, Yte = load_CIFAR_batch(os.path.join(root, BATCH_FILES[5]))
    return Xtr, Ytr, Xte, Yte


def CIFAR10_search_dir(root=None):
    """The directory find_CIFAR10 looks in: root, else $CIFAR10_DIR, else DEFAULT_CIFAR10_DIR."""
    if root is not None:
        return os.fspath(root)
    return os.environ.get(CIFAR10_DIR_ENV) or DEFAULT_CIFAR10_DIR


def find_CIFAR10(root=None):
    """Locate a complete CIFAR-10 directory on disk.

    Inputs:
    - root: directory to check; if None, the environment variable CIFAR10_DIR is
      used, and if that is unset, <package>/../datasets/cifar-10-batches-py
      (CS231n's cs231n/datasets/ folder)

    Returns the directory (str) if all six batch files are in it, else None.
    """
    path = CIFAR10_search_dir(root)
    if all(os.path.isfile(os.path.join(path, name)) for name in BATCH_FILES):
        return path
    return None


# Names like data_batch_1, batches.meta; nothing a filesystem could read as a path or drive.
_PLAIN_NAME = re.compile(r'[A-Za-z0-9_][A-Za-z0-9_.-]*')


def _extract_batches(archive, dest_dir):
    """Extract the regular files of cifar-10-batches-py/ from archive into dest_dir.

    Only plain file names directly inside that folder are written, each through
    a fresh file under dest_dir, so a hostile archive (absolute paths, '..',
    links, devices) cannot write anywhere else on any Python version.
    """
    out_dir = os.path.join(dest_dir, CIFAR10_FOLDER)
    os.makedirs(out_dir, exist_ok=True)
    with tarfile.open(archive, 'r:*') as tar:
        for member in tar.getmembers():
            folder, name = posixpath.split(posixpath.normpath(member.name))
            if not (member.isfile() and folder == CIFAR10_FOLDER and _PLAIN_NAME.fullmatch(name)):
                continue
            with tar.extractfile(member) as src, open(os.path.join(out_dir, name), 'wb') as dst:
                shutil.copyfileobj(src, dst)
    return out_dir


def fetch_CIFAR10(dest_dir, downloader=None):
    """Download CIFAR-10 (python version, 163 MB) and extract it; needs internet and pooch.

    Does nothing if dest_dir already holds a complete cifar-10-batches-py.
    The archive's MD5 is checked before extraction and the archive is deleted
    afterwards, like CS231n's get_datasets.sh.

    Inputs:
    - dest_dir: folder to put cifar-10-batches-py in (created if needed); CS231n
      uses cs231n/datasets, which find_CIFAR10 searches by default
    - downloader: optional pooch downloader, called as downloader(url, output_file, pooch);
      None means pooch's HTTP downloader

    Returns the path of the extracted cifar-10-batches-py directory.
    Raises ValueError if the downloaded file fails its checksum (it is then discarded).
    """
    dest_dir = os.fspath(dest_dir)
    out_dir = os.path.join(dest_dir, CIFAR10_FOLDER)
    if find_CIFAR10(out_dir) is not None:
        return out_dir
    try:
        import pooch
    except ImportError as e:
        raise ImportError(
            'fetch_CIFAR10 needs pooch (pip install pooch); or download '
            f'{CIFAR10_URL} by hand and extract it into {dest_dir}') from e

    try:
        archive = pooch.retrieve(CIFAR10_URL, known_hash=CIFAR10_KNOWN_HASH, fname=CIFAR10_ARCHIVE,
                                 path=dest_dir, downloader=downloader)
    except ValueError as e:
        if 'hash' not in str(e):
            raise
        raise ValueError(
            f'the download of {CIFAR10_URL} does not match its known checksum {CIFAR10_KNOWN_HASH} '
            f'and was discarded (a broken or intercepted download); try again. Details: {e}') from e

    _extract_batches(archive, dest_dir)
    missing = [name for name in BATCH_FILES if not os.path.isfile(os.path.join(out_dir, name))]
    if missing:
        raise ValueError(f'{archive} does not contain {CIFAR10_FOLDER}/{missing[0]}; '
                         'it is not the CIFAR-10 python archive')
    os.remove(archive)
    return out_dir
