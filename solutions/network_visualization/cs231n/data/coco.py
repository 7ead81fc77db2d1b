"""CS231n's COCO captioning data: its real files when they are on disk, else the embedded dataset.

Typical use in a notebook:

    from cs231n.data.coco import load_coco_data, sample_coco_minibatch, decode_captions
    data = load_coco_data(pca_features=True)
    print(data['source'])

The real data is CS231n's coco_captioning directory (get_coco_captioning.sh): coco2014_captions.h5
(train_captions, train_image_idxs, val_captions, val_image_idxs), train2014_vgg16_fc7.h5 and
val2014_vgg16_fc7.h5 (4096-dimensional VGG-16 fc7 features, dataset "features"), their _pca versions
(512 dimensions), coco2014_vocab.json (idx_to_word, word_to_idx) and train2014_urls.txt /
val2014_urls.txt (one image URL a line). Put it in cs231n/datasets/coco_captioning or set the
environment variable COCO_CAPTIONING_DIR.
"""

import json
import os
import urllib.request
from io import BytesIO
from pathlib import Path

import numpy as np

from .captions_embedded import load_embedded_coco_data, subsample_train
from .cifar10 import DATASETS_DIR

CAPTION_FILE = "coco2014_captions.h5"


def coco_search_dirs():
    """Where load_coco_data looks for the real data, in order."""
    dirs = []
    if os.environ.get("COCO_CAPTIONING_DIR"):
        dirs.append(Path(os.environ["COCO_CAPTIONING_DIR"]))
    dirs.append(Path(DATASETS_DIR) / "coco_captioning")
    return dirs


def find_coco_data(base_dir=None):
    """The COCO captioning directory: base_dir if it holds the caption file, else the first search dir
    that does; None if there is none."""
    for directory in [Path(base_dir)] if base_dir is not None else coco_search_dirs():
        if (directory / CAPTION_FILE).is_file():
            return directory
    return None


def _read_h5(path, into):
    import h5py  # only the real data needs it

    with h5py.File(path, "r") as f:
        for key, value in f.items():
            into[key] = np.asarray(value)


def load_coco_data(base_dir=None, max_train=None, pca_features=True, num_embedded_train=2000,
                   num_embedded_val=500):
    """Load CS231n's COCO captioning data, or the embedded dataset if it is not on disk.

    Inputs:
    - base_dir: the coco_captioning directory. None searches COCO_CAPTIONING_DIR and
      cs231n/datasets/coco_captioning, and falls back to the embedded dataset; a base_dir without the
      files is an error.
    - max_train: if not None, keep max_train training captions drawn at random (with replacement,
      using np.random, as CS231n does)
    - pca_features: use the 512-dimensional PCA features instead of the 4096-dimensional fc7 ones
      (embedded: 512 instead of 1024)
    - num_embedded_train, num_embedded_val: image counts of the embedded dataset

    Returns a dict with:
    - train_captions: int32 array of shape (N_train, T) of word indices, <START> ... <END> <NULL>...
    - train_image_idxs: int array of shape (N_train,); caption i describes image train_image_idxs[i]
    - train_features: float32 array of shape (num_train_images, D), one row per image
    - val_captions, val_image_idxs, val_features: the same for the validation split
    - idx_to_word: list of V words; word_to_idx: dict from word to index (<NULL> is 0)
    - train_urls, val_urls: arrays of strings, one per image
    - source: one-line description of which data was used
    The embedded dataset adds train_images and val_images (uint8 arrays (num_images, 32, 32, 3)).
    """
    directory = find_coco_data(base_dir)
    if directory is None:
        if base_dir is not None:
            raise FileNotFoundError(f"no {CAPTION_FILE} in {base_dir}")
        data = load_embedded_coco_data(num_embedded_train, num_embedded_val, max_train, pca_features)
        searched = ", ".join(str(d) for d in coco_search_dirs())
        data["source"] += f" (no COCO captioning data found in {searched})"
        return data

    data = {}
    _read_h5(directory / CAPTION_FILE, data)
    suffix = "_pca" if pca_features else ""
    for split in ("train", "val"):
        features = {}
        _read_h5(directory / f"{split}2014_vgg16_fc7{suffix}.h5", features)
        data[f"{split}_features"] = features["features"]
    with open(directory / "coco2014_vocab.json") as f:
        data.update(json.load(f))
    for split in ("train", "val"):
        with open(directory / f"{split}2014_urls.txt") as f:
            data[f"{split}_urls"] = np.asarray([line.strip() for line in f])

    subsample_train(data, max_train)
    data["source"] = f"COCO captioning data from {directory}"
    return data


def decode_captions(captions, idx_to_word):
    """Words of integer captions, without <START>, stopping at <END> and skipping <NULL>.

    Inputs:
    - captions: integer array of shape (T,) or (N, T)
    - idx_to_word: list (or dict) from index to word

    Returns:
    - a string for a single caption, else a list of N strings
    """
    singleton = np.ndim(captions) == 1
    if singleton:
        captions = np.asarray(captions)[None]
    decoded = []
    for caption in np.asarray(captions):
        words = []
        for index in caption:
            word = idx_to_word[int(index)]
            if word != "<NULL>":
                words.append(word)
            if word == "<END>":
                break
        decoded.append(" ".join(words))
    return decoded[0] if singleton else decoded


def sample_coco_minibatch(data, batch_size=100, split="train"):
    """A random minibatch of captions and their images' features (np.random, with replacement).

    Returns a tuple of:
    - captions: of shape (batch_size, T)
    - image_features: of shape (batch_size, D)
    - urls: of shape (batch_size,), the URL (or embedded name) of each caption's image
    """
    split_size = data[f"{split}_captions"].shape[0]
    mask = np.random.choice(split_size, batch_size)
    captions = data[f"{split}_captions"][mask]
    image_idxs = data[f"{split}_image_idxs"][mask]
    image_features = data[f"{split}_features"][image_idxs]
    urls = data[f"{split}_urls"][image_idxs]
    return captions, image_features, urls


def image_from_url(url):
    """Download an image and return it as a uint8 array (H, W, 3); None if that fails."""
    from matplotlib.image import imread

    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return imread(BytesIO(response.read()), format=url.rsplit(".", 1)[-1])
    except (OSError, ValueError) as error:
        print(f"could not load {url}: {error}")
        return None


def coco_image(data, split, image_idx):
    """The image image_idx of a split: the embedded image, or (real data) downloaded from its URL."""
    images = data.get(f"{split}_images")
    if images is not None:
        return images[image_idx]
    return image_from_url(str(data[f"{split}_urls"][image_idx]))


def caption_accuracy(generated, data, split="val", image_idxs=None):
    """How well generated captions match the ground truth of their images.

    Inputs:
    - generated: integer captions of shape (N, L) as CaptioningRNN.sample returns them (no <START>)
    - data: the dict of load_coco_data
    - split: "train" or "val"
    - image_idxs: the N images the captions describe; None means images 0 .. N-1

    Returns a dict with:
    - exact: fraction of images whose caption equals one of their ground-truth captions
    - token_accuracy: mean over images of the best, over the image's ground-truth captions, fraction
      of its tokens (words and <END>) that the generated caption has at the same position
    """
    generated = np.asarray(generated)
    image_idxs = np.arange(len(generated)) if image_idxs is None else np.asarray(image_idxs)
    captions, owners = data[f"{split}_captions"], data[f"{split}_image_idxs"]
    null = data["word_to_idx"]["<NULL>"]
    exact, tokens = [], []
    for caption, image in zip(generated, image_idxs, strict=True):
        targets = captions[owners == image][:, 1:]  # (R, T - 1), without <START>
        padded = np.full(targets.shape[1], null)
        length = min(len(caption), len(padded))
        padded[:length] = caption[:length]
        counted = targets != null
        tokens.append(np.max(((padded == targets) & counted).sum(axis=1) / counted.sum(axis=1)))
        exact.append(bool(np.any(np.all(padded == targets, axis=1))) and not np.any(caption[length:] != null))
    return {"exact": float(np.mean(exact)), "token_accuracy": float(np.mean(tokens))}
