"""COCO captioning data: the loader on small files written in CS231n's format, the embedded
dataset (deterministic, captions true to the pixels), caption helpers and CaptioningSolver."""

import json

import h5py
import numpy as np
import pytest

from cs231n_lib.captioning_solver import CaptioningSolver
from cs231n_lib.classifiers.rnn import CaptioningRNN
from cs231n_lib.data import captions_embedded as embedded
from cs231n_lib.data.coco import (
    caption_accuracy,
    coco_image,
    decode_captions,
    load_coco_data,
    sample_coco_minibatch,
)

VOCAB = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "cat", "on", "mat"]


def write_coco_files(directory, num_train_images=4, num_val_images=3, T=6):
    """The files of CS231n's coco_captioning directory, small, in their real formats."""
    rng = np.random.default_rng(0)
    with h5py.File(directory / "coco2014_captions.h5", "w") as f:
        for split, images in (("train", num_train_images), ("val", num_val_images)):
            captions = np.zeros((2 * images, T), dtype=np.int32)
            captions[:, 0], captions[:, 1:4], captions[:, 4] = 1, rng.integers(3, 8, size=(2 * images, 3)), 2
            f.create_dataset(f"{split}_captions", data=captions)
            f.create_dataset(f"{split}_image_idxs", data=np.repeat(np.arange(images), 2).astype(np.int32))
    for split, images in (("train", num_train_images), ("val", num_val_images)):
        for suffix, dim in (("", 4096), ("_pca", 512)):
            with h5py.File(directory / f"{split}2014_vgg16_fc7{suffix}.h5", "w") as f:
                f.create_dataset("features", data=rng.normal(size=(images, dim)).astype(np.float32))
        (directory / f"{split}2014_urls.txt").write_text(
            "".join(f"http://images.example/{split}/{i}.jpg\n" for i in range(images)))
    (directory / "coco2014_vocab.json").write_text(json.dumps(
        {"idx_to_word": VOCAB, "word_to_idx": {w: i for i, w in enumerate(VOCAB)}}))


def test_load_coco_data_reads_cs231n_files(tmp_path):
    write_coco_files(tmp_path)
    data = load_coco_data(tmp_path)
    assert data["train_captions"].shape == (8, 6) and data["val_captions"].shape == (6, 6)
    assert data["train_features"].shape == (4, 512) and data["val_features"].dtype == np.float32
    assert data["idx_to_word"] == VOCAB and data["word_to_idx"]["cat"] == 5
    assert data["val_urls"][2] == "http://images.example/val/2.jpg"
    assert load_coco_data(tmp_path, pca_features=False)["train_features"].shape == (4, 4096)
    assert "COCO captioning data from" in data["source"]


def test_load_coco_data_subsamples_captions_like_cs231n(tmp_path):
    write_coco_files(tmp_path)
    full = load_coco_data(tmp_path)
    np.random.seed(231)
    small = load_coco_data(tmp_path, max_train=5)
    np.random.seed(231)
    mask = np.random.randint(8, size=5)
    assert np.array_equal(small["train_captions"], full["train_captions"][mask])
    assert np.array_equal(small["train_image_idxs"], full["train_image_idxs"][mask])


def test_load_coco_data_finds_the_environment_directory_and_refuses_a_wrong_base_dir(tmp_path, monkeypatch):
    write_coco_files(tmp_path)
    monkeypatch.setenv("COCO_CAPTIONING_DIR", str(tmp_path))
    assert load_coco_data()["source"] == f"COCO captioning data from {tmp_path}"
    with pytest.raises(FileNotFoundError):
        load_coco_data(tmp_path / "missing")


def test_embedded_data_has_the_coco_layout_and_special_tokens(monkeypatch):
    monkeypatch.delenv("COCO_CAPTIONING_DIR", raising=False)
    data = load_coco_data(num_embedded_train=40, num_embedded_val=10)
    assert data["source"].startswith("embedded")
    assert data["word_to_idx"]["<NULL>"] == 0 and {"<START>", "<END>", "<UNK>"} <= set(data["word_to_idx"])
    assert data["train_captions"].shape == (80, embedded.CAPTION_LENGTH)
    assert data["train_features"].shape == (40, 512) and data["train_features"].dtype == np.float32
    assert data["val_images"].shape == (10, 32, 32, 3) and data["val_images"].dtype == np.uint8
    assert np.all(data["train_captions"][:, 0] == data["word_to_idx"]["<START>"])
    assert np.all((data["train_captions"] == data["word_to_idx"]["<END>"]).sum(axis=1) == 1)
    assert load_coco_data(num_embedded_train=40, num_embedded_val=10, pca_features=False)["train_features"].shape \
        == (40, embedded.FEATURE_DIM)


def test_embedded_data_is_deterministic_and_splits_differ():
    a, b = embedded.load_embedded_coco_data(30, 10), embedded.load_embedded_coco_data(60, 10)
    assert np.array_equal(a["train_images"], b["train_images"][:30])
    assert np.array_equal(a["train_features"], b["train_features"][:30])
    assert np.array_equal(a["train_captions"], b["train_captions"][:60])
    assert not np.array_equal(a["train_images"][:10], a["val_images"])


def test_embedded_captions_describe_the_pixels():
    images, captions = embedded.make_caption_images(200, "val")
    colours = np.array(list(embedded.COLOURS.values()), dtype=np.float64)
    for image, (first, _) in zip(images, captions, strict=False):
        # The first caption names the upper (or left) object first; its colour is at its cell's centre.
        vertical = "above" in first
        halves = (image[:16], image[16:]) if vertical else (image[:, :16], image[:, 16:])
        for half, colour_word in zip(halves, (first[1], first[-2]), strict=False):
            centre = half.reshape(-1, 3).astype(np.float64)
            # The named colour is the one nearest to the most saturated pixels of that half.
            saturated = centre[np.ptp(centre, axis=1) > 100]
            nearest = np.argmin(((saturated.mean(axis=0) - colours) ** 2).sum(axis=1))
            assert list(embedded.COLOURS)[nearest] == colour_word


def test_decode_captions_stops_at_end_and_skips_null():
    idx_to_word = ["<NULL>", "<START>", "<END>", "a", "cat"]
    assert decode_captions(np.array([1, 3, 4, 2, 0]), idx_to_word) == "<START> a cat <END>"
    assert decode_captions(np.array([[3, 0, 4, 2, 3]]), idx_to_word) == ["a cat <END>"]


def test_sample_coco_minibatch_pairs_captions_with_their_images():
    data = embedded.load_embedded_coco_data(20, 5)
    np.random.seed(0)
    captions, features, urls = sample_coco_minibatch(data, batch_size=7)
    for caption, feature, url in zip(captions, features, urls, strict=False):
        image = int(url.rsplit("/", 1)[-1])
        assert np.array_equal(feature, data["train_features"][image])
        assert any(np.array_equal(caption, c) for c in data["train_captions"][data["train_image_idxs"] == image])
        assert np.array_equal(coco_image(data, "train", image), data["train_images"][image])


def test_caption_accuracy_scores_exact_and_partial_captions():
    data = embedded.load_embedded_coco_data(5, 4)
    truth = data["val_captions"][[0, 3, 4, 6]][:, 1:]  # one ground truth of each image
    generated = truth.copy()
    assert caption_accuracy(generated, data) == {"exact": 1.0, "token_accuracy": 1.0}
    generated[0, 1] = data["word_to_idx"]["<UNK>"]  # one wrong word of the first caption
    scores = caption_accuracy(generated, data)
    assert scores["exact"] == 0.75 and 0.95 < scores["token_accuracy"] < 1.0


def test_captioning_solver_overfits_a_few_captions():
    data = embedded.load_embedded_coco_data(10, 2)
    np.random.seed(231)
    model = CaptioningRNN(data["word_to_idx"], input_dim=512, wordvec_dim=16, hidden_dim=32, cell_type="lstm")
    solver = CaptioningSolver(model, data, update_rule="adam", optim_config={"learning_rate": 2e-2},
                              num_epochs=60, batch_size=20, verbose=False)
    solver.train()
    assert len(solver.loss_history) == 60
    assert solver.loss_history[-1] < 0.25 * solver.loss_history[0]


def test_captioning_solver_rejects_unknown_arguments():
    data = embedded.load_embedded_coco_data(2, 1)
    model = CaptioningRNN(data["word_to_idx"])
    with pytest.raises(ValueError, match="Unrecognized"):
        CaptioningSolver(model, data, learning_rate=1e-3)
    with pytest.raises(ValueError, match="update_rule"):
        CaptioningSolver(model, data, update_rule="nesterov")
