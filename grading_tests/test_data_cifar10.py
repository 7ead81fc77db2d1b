"""cs231n_lib.data: CIFAR-10 loading on small files written in the real format, the fetch,
and the embedded synthetic dataset. No network: the fetch gets a local fake archive."""

import hashlib
import io
import os
import pickle
import shutil
import tarfile

import numpy as np
import pytest

from cs231n_lib import data
from cs231n_lib.data import cifar10


def write_batch(path, images, labels, key_type=str):
    """Write a batch as CIFAR-10 ships it: uint8 rows of 3072, channel-major (all red, green, blue).

    Under pickle.load(encoding='latin1') the real files' Python 2 keys come back as str;
    key_type=bytes writes the keys other readers see.
    """
    rows = np.asarray(images, dtype=np.uint8).transpose(0, 3, 1, 2).reshape(len(images), -1)
    batch = {key_type('data', 'ascii') if key_type is bytes else 'data': rows,
             key_type('labels', 'ascii') if key_type is bytes else 'labels': [int(v) for v in labels],
             'batch_label': 'fake batch'}
    with open(path, 'wb') as f:
        pickle.dump(batch, f, protocol=2)


def random_batch(rng, n):
    return rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, size=n)


@pytest.fixture
def cifar_dir(tmp_path):
    """A complete cifar-10-batches-py with 4 images per batch; returns (folder, {name: (images, labels)})."""
    rng = np.random.default_rng(0)
    folder = tmp_path / 'cifar-10-batches-py'
    folder.mkdir()
    batches = {}
    for name in cifar10.BATCH_FILES:
        batches[name] = random_batch(rng, 4)
        write_batch(folder / name, *batches[name])
    return folder, batches


# ----------------------------------------------------------------------------------------------
# Reading batches


@pytest.mark.parametrize('key_type', [str, bytes])
def test_a_batch_loads_exact_pixels_as_float64_height_width_channel(tmp_path, key_type):
    images, labels = random_batch(np.random.default_rng(1), 3)
    write_batch(tmp_path / 'data_batch_1', images, labels, key_type)
    X, Y = cifar10.load_CIFAR_batch(tmp_path / 'data_batch_1')
    assert X.shape == (3, 32, 32, 3) and X.dtype == np.float64
    assert Y.shape == (3,) and Y.dtype == np.int64
    np.testing.assert_array_equal(X, images)
    np.testing.assert_array_equal(Y, labels)


def test_the_raw_row_is_read_channel_major(tmp_path):
    # Built by hand from the format's description, independently of write_batch.
    row = np.zeros(3072, dtype=np.uint8)
    row[0 * 1024 + 2 * 32 + 4] = 200  # red plane, image row 2, column 4
    row[1 * 1024 + 31 * 32 + 0] = 7   # green plane, bottom-left pixel
    row[2 * 1024 + 0] = 50            # blue plane, top-left pixel
    with open(tmp_path / 'b', 'wb') as f:
        pickle.dump({'data': row[None, :], 'labels': [1]}, f)
    X, _ = cifar10.load_CIFAR_batch(tmp_path / 'b')
    assert X[0, 2, 4, 0] == 200 and X[0, 31, 0, 1] == 7 and X[0, 0, 0, 2] == 50
    assert X.sum() == 257


def test_load_cifar10_stacks_the_five_training_batches_in_order(cifar_dir):
    folder, batches = cifar_dir
    Xtr, Ytr, Xte, Yte = cifar10.load_CIFAR10(folder)
    assert Xtr.shape == (20, 32, 32, 3) and Xtr.dtype == np.float64 and Ytr.shape == (20,)
    for i in range(5):
        images, labels = batches[f'data_batch_{i + 1}']
        np.testing.assert_array_equal(Xtr[4 * i:4 * i + 4], images)
        np.testing.assert_array_equal(Ytr[4 * i:4 * i + 4], labels)
    np.testing.assert_array_equal(Xte, batches['test_batch'][0])
    np.testing.assert_array_equal(Yte, batches['test_batch'][1])


def test_a_missing_batch_file_names_the_path_and_how_to_get_the_data(cifar_dir):
    folder, _ = cifar_dir
    (folder / 'data_batch_3').unlink()
    with pytest.raises(FileNotFoundError) as error:
        cifar10.load_CIFAR10(folder)
    message = str(error.value)
    assert str(folder / 'data_batch_3') in message
    assert 'fetch_CIFAR10' in message and 'cifar-10-python.tar.gz' in message


def test_a_missing_directory_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere'):
        cifar10.load_CIFAR10(tmp_path / 'nowhere')


def _truncated_batch():
    buffer = io.BytesIO()
    pickle.dump({'data': np.zeros((2, 3072), np.uint8), 'labels': [0, 1]}, buffer, protocol=2)
    return buffer.getvalue()[:1000]


@pytest.mark.parametrize('content, problem', [
    (b'', 'cannot unpickle'),
    (b'\x89PNG\r\n\x1a\n not a pickle', 'cannot unpickle'),
    (_truncated_batch(), 'cannot unpickle'),
    (pickle.dumps([1, 2, 3]), 'expected a pickled dict'),
    (pickle.dumps({'labels': [0]}), "'data'"),
    (pickle.dumps({'data': np.zeros((2, 100), np.uint8), 'labels': [0, 1]}), 'shape'),
    (pickle.dumps({'data': np.zeros((2, 3072)), 'labels': [0, 1]}), 'dtype'),
    (pickle.dumps({'data': np.zeros((2, 3072), np.uint8), 'labels': [0]}), "'labels'"),
    (pickle.dumps({'data': np.zeros((1, 3072), np.uint8), 'labels': [10]}), "'labels'"),
])
def test_a_corrupt_batch_raises_value_error_naming_the_file_and_the_problem(tmp_path, content, problem):
    path = tmp_path / 'data_batch_1'
    path.write_bytes(content)
    with pytest.raises(ValueError) as error:
        cifar10.load_CIFAR_batch(path)
    message = str(error.value)
    assert f'{path} is not a CIFAR-10 python batch' in message
    assert problem in message and 're-download' in message


def test_an_unpickling_failure_is_chained_not_hidden(tmp_path):
    (tmp_path / 'b').write_bytes(b'garbage')
    with pytest.raises(ValueError) as error:
        cifar10.load_CIFAR_batch(tmp_path / 'b')
    assert error.value.__cause__ is not None


# ----------------------------------------------------------------------------------------------
# Finding and fetching


def test_find_cifar10_uses_the_environment_variable(cifar_dir, monkeypatch):
    folder, _ = cifar_dir
    monkeypatch.setenv('CIFAR10_DIR', str(folder))
    assert cifar10.find_CIFAR10() == str(folder)


def test_find_cifar10_prefers_an_explicit_root_over_the_environment(cifar_dir, tmp_path, monkeypatch):
    folder, _ = cifar_dir
    monkeypatch.setenv('CIFAR10_DIR', str(folder))
    assert cifar10.find_CIFAR10(tmp_path / 'elsewhere') is None


def test_find_cifar10_rejects_an_incomplete_directory(cifar_dir, monkeypatch):
    folder, _ = cifar_dir
    (folder / 'test_batch').unlink()
    monkeypatch.setenv('CIFAR10_DIR', str(folder))
    assert cifar10.find_CIFAR10() is None


def test_find_cifar10_defaults_to_datasets_next_to_the_package(monkeypatch):
    monkeypatch.delenv('CIFAR10_DIR', raising=False)
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(cifar10.__file__)))
    expected = os.path.join(package_parent, 'datasets', 'cifar-10-batches-py')
    assert cifar10.CIFAR10_search_dir() == expected


def fake_archive(tmp_path):
    """A .tar.gz laid out like CIFAR-10's, plus members that try to escape the destination."""
    rng = np.random.default_rng(2)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w:gz') as tar:
        for name in cifar10.BATCH_FILES:
            write_batch(tmp_path / name, *random_batch(rng, 2))
            tar.add(tmp_path / name, arcname=f'cifar-10-batches-py/{name}')
        # Each points into tmp_path, so an unsafe extractor cannot litter the machine.
        for hostile in ('../../escaped', str(tmp_path / 'escaped_absolute'), 'cifar-10-batches-py/../../escaped2'):
            info = tarfile.TarInfo(hostile)
            info.size = 1
            tar.addfile(info, io.BytesIO(b'x'))
    archive = tmp_path / 'fake-cifar.tar.gz'
    archive.write_bytes(buffer.getvalue())
    return archive


def copying_downloader(archive, calls):
    """A pooch downloader that copies a local file instead of using the network."""
    def download(url, output_file, pooch_instance, check_only=False):
        calls.append(url)
        shutil.copyfile(archive, output_file)
    return download


def test_fetch_extracts_an_archive_with_the_known_checksum(tmp_path, monkeypatch):
    pytest.importorskip('pooch')
    archive = fake_archive(tmp_path)
    monkeypatch.setattr(cifar10, 'CIFAR10_KNOWN_HASH', 'md5:' + hashlib.md5(archive.read_bytes()).hexdigest())
    dest = tmp_path / 'deep' / 'datasets'
    calls = []
    folder = cifar10.fetch_CIFAR10(dest, downloader=copying_downloader(archive, calls))
    assert calls == [cifar10.CIFAR10_URL]
    assert folder == str(dest / 'cifar-10-batches-py') and cifar10.find_CIFAR10(folder) == folder
    Xtr, _, _, _ = cifar10.load_CIFAR10(folder)
    assert Xtr.shape == (10, 32, 32, 3)
    assert not (tmp_path / 'escaped').exists() and not (tmp_path / 'deep' / 'escaped2').exists()
    assert not (tmp_path / 'escaped_absolute').exists()
    assert not (dest / cifar10.CIFAR10_ARCHIVE).exists()  # removed once extracted


def test_fetch_does_not_download_again_when_cifar10_is_already_there(cifar_dir):
    folder, _ = cifar_dir
    calls = []
    assert cifar10.fetch_CIFAR10(folder.parent, downloader=copying_downloader(None, calls)) == str(folder)
    assert calls == []


def test_fetch_refuses_a_download_with_the_wrong_checksum(tmp_path):
    pytest.importorskip('pooch')
    archive = fake_archive(tmp_path)  # its md5 is not CIFAR-10's
    dest = tmp_path / 'datasets'
    with pytest.raises(ValueError, match='checksum'):
        cifar10.fetch_CIFAR10(dest, downloader=copying_downloader(archive, []))
    assert not (dest / 'cifar-10-batches-py').exists()
    assert not (dest / cifar10.CIFAR10_ARCHIVE).exists()


# ----------------------------------------------------------------------------------------------
# The embedded dataset


def test_embedded_images_are_deterministic_per_seed():
    X1, y1 = data.make_embedded_cifar(120, seed=0)
    X2, y2 = data.make_embedded_cifar(120, seed=0)
    X3, y3 = data.make_embedded_cifar(120, seed=1)
    assert X1.shape == (120, 32, 32, 3) and X1.dtype == np.uint8
    assert y1.shape == (120,) and y1.dtype == np.int64
    assert X1.tobytes() == X2.tobytes() and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3) and not np.array_equal(y1, y3)


def test_a_larger_embedded_request_starts_with_the_smaller_one():
    X_small, y_small = data.make_embedded_cifar(70, seed=3)
    X_big, y_big = data.make_embedded_cifar(1100, seed=3)
    np.testing.assert_array_equal(X_big[:70], X_small)
    np.testing.assert_array_equal(y_big[:70], y_small)


def test_embedded_classes_are_balanced_and_images_use_the_pixel_range():
    X, y = data.make_embedded_cifar(1000, seed=0)
    assert np.bincount(y, minlength=10).tolist() == [100] * 10
    assert len(data.EMBEDDED_CLASSES) == 10
    assert X.min() < 20 and X.max() > 235
    assert len(np.unique(X.reshape(1000, -1), axis=0)) == 1000  # no duplicate images


def test_embedded_train_and_test_images_are_disjoint_and_cifar_shaped():
    Xtr, Ytr, Xte, Yte = data.load_embedded_CIFAR10(num_training=600, num_test=200)
    assert Xtr.shape == (600, 32, 32, 3) and Xte.shape == (200, 32, 32, 3)
    assert Xtr.dtype == Xte.dtype == np.float64 and Ytr.dtype == Yte.dtype == np.int64
    train_rows = {row.tobytes() for row in Xtr.reshape(600, -1)}
    assert not any(row.tobytes() in train_rows for row in Xte.reshape(200, -1))


def test_embedded_data_is_learnable_by_nearest_neighbour():
    Xtr, Ytr, Xte, Yte = data.load_embedded_CIFAR10(num_training=2000, num_test=300)
    A, B = Xtr.reshape(2000, -1), Xte.reshape(300, -1)
    dists = (B ** 2).sum(1)[:, None] - 2 * B @ A.T + (A ** 2).sum(1)[None, :]  # (300, 2000)
    accuracy = np.mean(Ytr[dists.argmin(axis=1)] == Yte)
    print(f'1-NN accuracy on embedded data (2000 train / 300 test): {accuracy:.3f}')  # 0.297 when written
    assert accuracy > 0.25  # chance is 0.10


def test_embedded_classes_are_not_separable_by_mean_colour_alone():
    # Guards "learnable but not trivial": nearest class-mean colour must not solve the task.
    Xtr, Ytr, Xte, Yte = data.load_embedded_CIFAR10(num_training=2000, num_test=300)
    means = np.stack([Xtr[Ytr == c].mean(axis=(0, 1, 2)) for c in range(10)])  # (10, 3)
    test_colours = Xte.mean(axis=(1, 2))  # (300, 3)
    predicted = ((test_colours[:, None, :] - means[None]) ** 2).sum(-1).argmin(axis=1)
    assert np.mean(predicted == Yte) < 0.5


# ----------------------------------------------------------------------------------------------
# Choosing the data for a notebook


def test_real_cifar10_is_used_when_found(cifar_dir, monkeypatch):
    folder, batches = cifar_dir
    monkeypatch.setenv('CIFAR10_DIR', str(folder))
    X_train, y_train, X_test, y_test, classes, source = data.load_cifar10_or_embedded(num_training=6, num_test=3)
    assert X_train.shape == (6, 32, 32, 3) and y_train.shape == (6,) and X_test.shape == (3, 32, 32, 3)
    np.testing.assert_array_equal(X_train[4:], batches['data_batch_2'][0][:2])
    np.testing.assert_array_equal(y_test, batches['test_batch'][1][:3])
    assert classes == cifar10.CLASSES and source == f'CIFAR-10 from {folder}'


def test_embedded_data_is_used_and_the_searched_path_named_when_cifar10_is_absent(tmp_path, monkeypatch):
    monkeypatch.setenv('CIFAR10_DIR', str(tmp_path / 'nowhere'))
    X_train, y_train, X_test, y_test, classes, source = data.load_cifar10_or_embedded(num_training=50, num_test=10)
    assert X_train.shape == (50, 32, 32, 3) and X_test.shape == (10, 32, 32, 3)
    assert classes == data.EMBEDDED_CLASSES
    assert 'embedded' in source and str(tmp_path / 'nowhere') in source and 'fetch_CIFAR10' in source
    assert '\n' not in source


def test_asking_for_more_cifar10_images_than_exist_is_an_error(cifar_dir):
    folder, _ = cifar_dir
    with pytest.raises(ValueError, match='only 20'):
        data.load_cifar10_or_embedded(folder, num_training=21, num_test=1)


def test_get_cifar10_data_splits_centres_and_goes_channels_first(tmp_path, monkeypatch):
    monkeypatch.setenv('CIFAR10_DIR', str(tmp_path / 'nowhere'))
    d = data.get_CIFAR10_data(num_training=300, num_validation=50, num_test=40)
    assert d['X_train'].shape == (300, 3, 32, 32) and d['y_train'].shape == (300,)
    assert d['X_val'].shape == (50, 3, 32, 32) and d['y_val'].shape == (50,)
    assert d['X_test'].shape == (40, 3, 32, 32) and d['y_test'].shape == (40,)
    assert d['X_train'].dtype == np.float64 and d['classes'] == data.EMBEDDED_CLASSES
    assert 'embedded' in d['source']
    assert np.abs(d['X_train'].mean(axis=0)).max() < 1e-9
    # Independently: validation is the 50 images after the first 300, minus the mean of those 300.
    raw, raw_y, raw_test, _ = data.load_embedded_CIFAR10(350, 40)
    mean = raw[:300].mean(axis=0)
    np.testing.assert_allclose(d['X_val'][7], (raw[307] - mean).transpose(2, 0, 1))
    np.testing.assert_array_equal(d['y_val'], raw_y[300:])
    np.testing.assert_allclose(d['X_test'][0, :, 5, 9], raw_test[0, 5, 9] - mean[5, 9])


def test_get_cifar10_data_takes_validation_after_training_in_real_cifar10(cifar_dir):
    folder, batches = cifar_dir
    d = data.get_CIFAR10_data(num_training=9, num_validation=3, num_test=2, subtract_mean=False,
                              cifar10_dir=folder)
    # Training images 9..11 are batch 3's images 1..3 (4 per batch).
    np.testing.assert_array_equal(d['X_val'], batches['data_batch_3'][0][1:4].transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(d['y_val'], batches['data_batch_3'][1][1:4])
    assert d['classes'] == cifar10.CLASSES and d['source'] == f'CIFAR-10 from {folder}'
