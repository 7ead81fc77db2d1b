"""CIFAR-10 loading on small files written in the real format, the fetch, and the embedded dataset."""

import hashlib
import io
import pickle
import shutil
import tarfile

import numpy as np
import pytest

from cs231n_lib import data
from cs231n_lib.data import cifar10


def write_batch(path, images, labels):
    """A batch file as CIFAR-10 ships it: uint8 rows, channel-major (all red, then green, then blue)."""
    rows = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    with open(path, "wb") as handle:
        pickle.dump({b"data": rows.astype(np.uint8), b"labels": list(map(int, labels)),
                     b"batch_label": b"fake"}, handle, protocol=2)


@pytest.fixture
def cifar_dir(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in cifar10.BATCH_FILES:
        write_batch(folder / name, rng.integers(0, 256, size=(4, 32, 32, 3)), rng.integers(0, 10, size=4))
    return folder


def test_a_batch_loads_pixels_in_height_width_channel_order(tmp_path):
    images = np.zeros((2, 32, 32, 3), dtype=np.uint8)
    images[1, 5, 7] = (10, 20, 30)  # one pixel of the second image: red, green, blue
    write_batch(tmp_path / "b", images, [3, 9])
    X, y = cifar10.load_CIFAR_batch(tmp_path / "b")
    assert X.shape == (2, 32, 32, 3) and X.dtype == np.float64
    assert X[1, 5, 7].tolist() == [10.0, 20.0, 30.0] and X.sum() == 60
    assert y.tolist() == [3, 9]


def test_the_raw_row_layout_is_channel_major(tmp_path):
    # Independent of write_batch: build the row by hand from the documented format.
    row = np.zeros(3072, dtype=np.uint8)
    row[0 * 1024 + 2 * 32 + 4] = 200  # red plane, row 2, column 4
    row[2 * 1024 + 0] = 50  # blue plane, top-left pixel
    with open(tmp_path / "b", "wb") as handle:
        pickle.dump({b"data": row[None, :], b"labels": [1]}, handle)
    X, _ = cifar10.load_CIFAR_batch(tmp_path / "b")
    assert X[0, 2, 4, 0] == 200 and X[0, 0, 0, 2] == 50


def test_load_cifar10_concatenates_the_five_training_batches(cifar_dir):
    X_train, y_train, X_test, y_test = cifar10.load_CIFAR10(cifar_dir)
    assert X_train.shape == (20, 32, 32, 3) and y_train.shape == (20,)
    assert X_test.shape == (4, 32, 32, 3) and y_test.shape == (4,)


def test_a_missing_file_names_the_path_and_the_fix(cifar_dir):
    (cifar_dir / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError) as error:
        cifar10.load_CIFAR10(cifar_dir)
    assert "data_batch_3" in str(error.value) and "fetch_CIFAR10" in str(error.value)


@pytest.mark.parametrize("content", [b"", b"not a pickle", pickle.dumps({b"data": np.zeros((2, 5))})])
def test_a_corrupt_file_gives_a_clear_error_naming_it(tmp_path, content):
    (tmp_path / "data_batch_1").write_bytes(content)
    with pytest.raises(ValueError) as error:
        cifar10.load_CIFAR_batch(tmp_path / "data_batch_1")
    assert "data_batch_1" in str(error.value)


def test_real_cifar_is_preferred_when_found(cifar_dir, monkeypatch):
    monkeypatch.setenv("CIFAR10_DIR", str(cifar_dir))
    X_train, y_train, X_test, y_test, classes, source = data.load_cifar10_or_embedded(num_training=6, num_test=2)
    assert X_train.shape == (6, 32, 32, 3) and X_test.shape == (2, 32, 32, 3)
    assert classes == cifar10.CLASSES and str(cifar_dir) in source


def test_embedded_data_is_used_and_named_when_cifar_is_absent(tmp_path, monkeypatch):
    monkeypatch.setenv("CIFAR10_DIR", str(tmp_path / "nowhere"))
    *arrays, classes, source = data.load_cifar10_or_embedded(num_training=50, num_test=10)
    assert [a.shape[0] for a in arrays] == [50, 50, 10, 10]
    assert "embedded" in source and len(classes) == 10


def fake_archive(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in cifar10.BATCH_FILES:
            path = tmp_path / name
            write_batch(path, np.zeros((1, 32, 32, 3), dtype=np.uint8), [0])
            tar.add(path, arcname=f"cifar-10-batches-py/{name}")
        evil = tarfile.TarInfo("../../escaped")
        evil.size = 1
        tar.addfile(evil, io.BytesIO(b"x"))
    archive = tmp_path / "fake.tar.gz"
    archive.write_bytes(buffer.getvalue())
    return archive


def local_downloader(archive):
    def download(url, output_file, pooch_instance):
        shutil.copyfile(archive, output_file)

    return download


def test_fetch_verifies_the_checksum_and_extracts_only_the_batches(tmp_path, monkeypatch):
    archive = fake_archive(tmp_path)
    monkeypatch.setattr(cifar10, "CIFAR10_KNOWN_HASH", "md5:" + hashlib.md5(archive.read_bytes()).hexdigest())
    destination = tmp_path / "datasets"
    folder = cifar10.fetch_CIFAR10(destination, downloader=local_downloader(archive))
    assert cifar10.find_CIFAR10(folder) == folder
    assert not (tmp_path / "escaped").exists() and not (destination.parent / "escaped").exists()


def test_fetch_refuses_a_download_with_the_wrong_checksum(tmp_path):
    archive = fake_archive(tmp_path)  # its md5 is not CIFAR-10's
    with pytest.raises(ValueError, match="checksum"):
        cifar10.fetch_CIFAR10(tmp_path / "datasets", downloader=local_downloader(archive))
    assert cifar10.find_CIFAR10(tmp_path / "datasets" / "cifar-10-batches-py") is None


def test_embedded_data_is_deterministic_and_seeded():
    X1, y1 = data.make_embedded_cifar(120, seed=0)
    X2, y2 = data.make_embedded_cifar(120, seed=0)
    X3, _ = data.make_embedded_cifar(120, seed=1)
    assert X1.dtype == np.uint8 and X1.shape == (120, 32, 32, 3) and y1.dtype == np.int64
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2) and not np.array_equal(X1, X3)


def test_embedded_classes_are_balanced_and_train_and_test_differ():
    X_train, y_train, X_test, _ = data.load_embedded_CIFAR10(num_training=1000, num_test=200)
    assert np.bincount(y_train, minlength=10).tolist() == [100] * 10
    train_rows = {row.tobytes() for row in X_train.astype(np.uint8).reshape(1000, -1)}
    assert not any(row.tobytes() in train_rows for row in X_test.astype(np.uint8).reshape(200, -1))


def test_embedded_data_is_learnable_by_nearest_neighbours():
    from cs231n_lib.classifiers import KNearestNeighbor

    X_train, y_train, X_test, y_test = data.load_embedded_CIFAR10(num_training=2000, num_test=300)
    model = KNearestNeighbor()
    model.train(X_train.reshape(2000, -1), y_train)
    accuracy = np.mean(model.predict(X_test.reshape(300, -1), k=10) == y_test)
    print(f"10-NN accuracy on embedded data (2000 train / 300 test): {accuracy:.3f}")
    assert accuracy > 0.18  # chance is 0.10; CIFAR-10 gives ~0.28 at this size


def test_get_cifar10_data_splits_and_centres_channels_first(tmp_path, monkeypatch):
    monkeypatch.setenv("CIFAR10_DIR", str(tmp_path / "nowhere"))
    splits = data.get_CIFAR10_data(num_training=300, num_validation=50, num_test=40)
    assert splits["X_train"].shape == (300, 3, 32, 32) and splits["X_val"].shape == (50, 3, 32, 32)
    assert splits["X_test"].shape == (40, 3, 32, 32) and splits["y_val"].shape == (50,)
    assert np.abs(splits["X_train"].mean(axis=0)).max() < 1e-9
    raw = data.load_embedded_CIFAR10(350, 40)[0]
    assert np.allclose(splits["X_val"][0].transpose(1, 2, 0), raw[300] - raw[:300].mean(axis=0))
