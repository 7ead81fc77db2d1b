"""An embedded image-captioning dataset in the layout of CS231n's COCO captioning data (no download).

Each 32x32 RGB image shows two coloured shapes (a circle, a square or a triangle, in red, green,
blue or yellow) in two cells of a 2x2 grid, side by side or one above the other, with a little
jitter and noise. Each image has two ground-truth captions that say what is where, e.g.

    <START> a red circle above a blue square <END>
    <START> a blue square below a red circle <END>

and a feature vector computed from its pixels by a fixed function (a seeded random projection
with a ReLU, then, like CS231n's "_pca" files, projected on 512 principal components of a fixed
reference set of images), standing in for the CNN features of the real data. Everything is
deterministic: the same arguments give the same dataset on every machine.
"""

from functools import cache

import numpy as np

SPECIAL_TOKENS = ("<NULL>", "<START>", "<END>", "<UNK>")  # <NULL> is 0, as in CS231n's COCO data
COLOURS = {"red": (220, 45, 40), "green": (40, 190, 60), "blue": (50, 90, 235), "yellow": (235, 215, 40)}
SHAPES = ("circle", "square", "triangle")
WORDS = ("a", *COLOURS, *SHAPES, "above", "below", "to", "the", "left", "right", "of")
IDX_TO_WORD = (*SPECIAL_TOKENS, *WORDS)
WORD_TO_IDX = {word: index for index, word in enumerate(IDX_TO_WORD)}
CAPTION_LENGTH = 12  # tokens of the longest caption, "<START> a red circle to the left of a blue square <END>"

IMAGE_SIZE = 32
SHAPE_RADIUS = 6.5  # pixels
POSITION_JITTER = 1.0  # the shape centre is the grid cell's centre +- this, per axis
NOISE_STD = 8.0
FEATURE_DIM = 1024  # the "fc7" features; pca_features=True keeps 512 principal components
PCA_DIM = 512
_FEATURE_SEED, _PCA_SEED = 231, 2310
_SPLIT_SEEDS = {"train": 1, "val": 2}
_CHUNK = 500  # images per random stream


def _shape_masks(kind, u, v):
    """Pixels inside a shape centred at 0, as a boolean array of shape (B, 32, 32).

    Inputs:
    - kind: integer array of shape (B, 1, 1), index into SHAPES
    - u: horizontal pixel offsets from the shape centre in units of SHAPE_RADIUS, of shape (B, 1, 32)
    - v: vertical offsets, of shape (B, 32, 1); (B, 32, 32) arrays broadcast the same way
    """
    # u and v are separable (one per column, one per row), so only the comparisons are 32x32.
    circle = u * u + v * v <= 1.0
    square = (np.abs(u) <= 0.85) & (np.abs(v) <= 0.85)  # max(|u|, |v|) <= 0.85
    triangle = (v <= 0.8) & (v >= -1.0 + 2 * np.abs(u))  # pointing up (v grows downwards)
    return np.where(kind == 0, circle, np.where(kind == 1, square, triangle))


def _draw_scenes(rng, num_images):
    """Scene layouts: for each image two (colour, shape, row, column), the first above or left of the second.

    Returns a tuple of integer arrays of shape (num_images, 2): colours, shapes, rows, columns.
    """
    num_colours, num_shapes = len(COLOURS), len(SHAPES)
    first = rng.integers(0, num_colours * num_shapes, size=num_images)
    # The second object differs from the first in colour, shape or both.
    second = (first + rng.integers(1, num_colours * num_shapes, size=num_images)) % (num_colours * num_shapes)
    objects = np.stack([first, second], axis=1)  # (B, 2)
    vertical = rng.random(num_images) < 0.5
    lane = rng.integers(0, 2, size=num_images)  # the column (vertical pairs) or row (horizontal pairs)
    rows = np.where(vertical[:, None], [[0, 1]], lane[:, None])  # (B, 2)
    cols = np.where(vertical[:, None], lane[:, None], [[0, 1]])
    return objects // num_shapes, objects % num_shapes, rows, cols


def _render(rng, colours, shapes, rows, cols, count=None):
    """uint8 images of shape (count, 32, 32, 3) of the first count scenes (default: all of them).

    The per-scene random numbers are drawn for every scene and the pixel noise, drawn last, for the
    first count images only, so the images are those of rendering all scenes, without the cost.
    """
    B = len(colours)
    count = B if count is None else count
    palette = np.array(list(COLOURS.values()), dtype=np.float64)  # (C, 3)
    grey = rng.uniform(50, 110, size=B)
    layer_colours = [np.repeat(grey[:, None], 3, axis=1)]  # per image: background, first, second shape
    layer = np.zeros((count, IMAGE_SIZE, IMAGE_SIZE), dtype=np.intp)  # which of them each pixel shows
    pixel_coordinates = np.arange(IMAGE_SIZE, dtype=np.float64)
    cell = IMAGE_SIZE / 2
    for k in range(2):
        centre_y = (rows[:, k] + 0.5) * cell + rng.uniform(-POSITION_JITTER, POSITION_JITTER, size=B)
        centre_x = (cols[:, k] + 0.5) * cell + rng.uniform(-POSITION_JITTER, POSITION_JITTER, size=B)
        layer_colours.append(palette[colours[:, k]] + rng.normal(0, 10, size=(B, 3)))  # (B, 3)
        u = (pixel_coordinates[None, None, :] - centre_x[:count, None, None]) / SHAPE_RADIUS  # (count, 1, 32)
        v = (pixel_coordinates[None, :, None] - centre_y[:count, None, None]) / SHAPE_RADIUS  # (count, 32, 1)
        layer[_shape_masks(shapes[:count, k, None, None], u, v)] = k + 1  # the second shape on top
    # One gather from a flat (image, layer) colour table paints every pixel at once.
    colour_table = np.stack(layer_colours, axis=1)[:count].reshape(-1, 3)  # (count * 3, 3)
    images = np.take(colour_table, layer + 3 * np.arange(count)[:, None, None], axis=0)  # (count, 32, 32, 3)
    images += rng.normal(0, NOISE_STD, size=images.shape)
    np.rint(images, out=images)
    np.clip(images, 0, 255, out=images)
    return images.astype(np.uint8)


def _phrase(colour, shape):
    return ["a", list(COLOURS)[colour], SHAPES[shape]]


def _captions(colours, shapes, rows):
    """Two captions per image, as word lists: first object first, then second object first."""
    captions = []
    for c, s, r in zip(colours, shapes, rows, strict=True):
        a, b = _phrase(c[0], s[0]), _phrase(c[1], s[1])
        if r[0] != r[1]:  # one above the other
            captions.append([a + ["above"] + b, b + ["below"] + a])
        else:
            captions.append([a + ["to", "the", "left", "of"] + b, b + ["to", "the", "right", "of"] + a])
    return captions


def encode_captions(word_lists, length=CAPTION_LENGTH):
    """Integer captions <START> words <END> <NULL>..., of shape (len(word_lists), length)."""
    encoded = np.full((len(word_lists), length), WORD_TO_IDX["<NULL>"], dtype=np.int32)
    for row, words in enumerate(word_lists):
        tokens = ["<START>", *words, "<END>"]
        encoded[row, : len(tokens)] = [WORD_TO_IDX.get(word, WORD_TO_IDX["<UNK>"]) for word in tokens]
    return encoded


def make_caption_images(num_images, split="train"):
    """Images and their captions for a split.

    Images come in chunks of _CHUNK, each drawn from its own random stream, so "val" never repeats
    "train", and a larger request starts with the images of a smaller one.

    Returns a tuple of:
    - images: uint8 array of shape (num_images, 32, 32, 3)
    - captions: list of num_images lists of 2 captions, each a list of words (no special tokens)
    """
    images, scenes = [], []
    for chunk in range(-(-num_images // _CHUNK)):
        rng = np.random.default_rng([_SPLIT_SEEDS[split], chunk])
        layout = _draw_scenes(rng, _CHUNK)
        images.append(_render(rng, *layout, count=min(_CHUNK, num_images - chunk * _CHUNK)))
        scenes.append(layout)
    if not images:
        return np.zeros((0, IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8), []
    colours, shapes, rows, _ = (np.concatenate(parts)[:num_images] for parts in zip(*scenes, strict=False))
    return np.concatenate(images)[:num_images], _captions(colours, shapes, rows)


def _read_only(array):
    """array, made read-only: cached arrays are shared by every call in the process."""
    array.flags.writeable = False
    return array


@cache
def _projection():
    rng = np.random.default_rng(_FEATURE_SEED)
    D = (IMAGE_SIZE // 2) ** 2 * 4
    return _read_only(rng.normal(size=(D, FEATURE_DIM)) / np.sqrt(D))


def _block_sums(images):
    """Sums of the 2x2 pixel blocks of uint8 images (B, 32, 32, 3), as int16 of shape (B, 16, 16, 3)."""
    blocks = images.reshape(len(images), IMAGE_SIZE // 2, 2, IMAGE_SIZE // 2, 2, 3).astype(np.int16)
    # Adding the two halves of each axis is much faster than a reduction over two short strided axes.
    row_sums = blocks[:, :, 0] + blocks[:, :, 1]  # (B, 16, 16, 2, 3)
    return row_sums[:, :, :, 0] + row_sums[:, :, :, 1]


def _colour_range(pixels):
    """max - min over the last axis of length 3, like np.ptp(pixels, axis=-1), written out because
    a reduction over three elements costs far more than two elementwise maxima and minima."""
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return np.maximum(np.maximum(red, green), blue) - np.minimum(np.minimum(red, green), blue)


def _fc7(images):
    B = len(images)
    block_sums = _block_sums(images)
    # The sums are exact, so dividing by 4 gives the float64 2x2 mean bit for bit, and so does
    # taking the colour range of the sums before dividing.
    pooled = block_sums / 4.0  # (B, 16, 16, 3)
    colour = pooled.reshape(B, -1) / 64.0 - 2.0  # (B, 16 * 16 * 3), about zero-centred
    # How far each pixel is from grey: high on the shapes, low on the background, whatever the colours.
    saturation = _colour_range(block_sums).reshape(B, -1) / 4.0 / 64.0 - 0.5  # (B, 16 * 16)
    inputs = np.concatenate([colour, saturation], axis=1)  # (B, 1024)
    return np.maximum(inputs @ _projection(), 0.0)  # (B, FEATURE_DIM)


@cache
def _pca_basis():
    """Mean and the top PCA_DIM principal directions of the features of a fixed reference set."""
    rng = np.random.default_rng(_PCA_SEED)
    colours, shapes, rows, cols = _draw_scenes(rng, 600)
    reference = _fc7(_render(rng, colours, shapes, rows, cols))
    mean = reference.mean(axis=0)
    centred = reference - mean
    variances, vectors = np.linalg.eigh(centred.T @ centred / len(reference))  # ascending
    top = vectors[:, ::-1][:, :PCA_DIM]  # (FEATURE_DIM, PCA_DIM)
    scale = np.sqrt(np.mean(variances[::-1][:PCA_DIM]))  # features of about unit variance on average
    return _read_only(mean), _read_only(top / scale)  # (FEATURE_DIM,), (FEATURE_DIM, PCA_DIM)


def image_features(images, pca_features=True):
    """The fixed feature function of the embedded dataset.

    Inputs:
    - images: uint8 array of shape (B, 32, 32, 3)
    - pca_features: if True, 512 principal components (like train2014_vgg16_fc7_pca.h5), else the
      1024 ReLU features they are computed from

    Returns:
    - features: float32 array of shape (B, 512) or (B, 1024)
    """
    features = _fc7(images)
    if pca_features:
        mean, basis = _pca_basis()
        features = (features - mean) @ basis
    return features.astype(np.float32)


def subsample_train(data, max_train):
    """Keep max_train training captions of data, drawn at random with np.random (CS231n's recipe)."""
    if max_train is not None:
        keep = np.random.randint(data["train_captions"].shape[0], size=max_train)
        data["train_captions"] = data["train_captions"][keep]
        data["train_image_idxs"] = data["train_image_idxs"][keep]


def load_embedded_coco_data(num_train=2000, num_val=500, max_train=None, pca_features=True):
    """The embedded captioning dataset, in the dict layout of load_coco_data.

    Inputs:
    - num_train, num_val: numbers of training and validation images (two captions each)
    - max_train: if not None, keep max_train training captions drawn at random with np.random, as
      load_coco_data does
    - pca_features: 512-dimensional features if True, else 1024-dimensional

    Returns a dict with the keys of load_coco_data (train_captions (2 num_train, 12) int32,
    train_image_idxs, train_features (num_train, F) float32, val_..., idx_to_word, word_to_idx,
    train_urls, val_urls), plus train_images and val_images (uint8 (num, 32, 32, 3)), which
    image_from_data displays, and source.
    """
    data = {}
    for split, count in (("train", num_train), ("val", num_val)):
        images, captions = make_caption_images(count, split)
        data[f"{split}_captions"] = encode_captions([c for pair in captions for c in pair])
        data[f"{split}_image_idxs"] = np.repeat(np.arange(count, dtype=np.int32), 2)
        data[f"{split}_features"] = image_features(images, pca_features)
        data[f"{split}_images"] = images
        data[f"{split}_urls"] = np.array([f"embedded://{split}/{i}" for i in range(count)])
    data["idx_to_word"] = list(IDX_TO_WORD)
    data["word_to_idx"] = dict(WORD_TO_IDX)
    subsample_train(data, max_train)
    data["source"] = (f"embedded captioning dataset: {num_train} training and {num_val} validation images "
                      f"of two coloured shapes, two captions each")
    return data
