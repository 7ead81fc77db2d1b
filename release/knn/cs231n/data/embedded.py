"""A synthetic, CIFAR-shaped dataset generated on the fly (no download needed).

Each 32x32 RGB image shows one of ten shapes (the class) in a class-typical but
jittered colour, at a jittered position, size and tilt, over a background with
a random smooth colour gradient, plus pixel noise. The shapes overlap in colour
and position across classes, so raw-pixel classifiers (kNN, linear) learn it
only partly, while models that recognise a shape wherever it sits (convnets)
can do much better: the same lessons CIFAR-10 teaches, without the 163 MB.

Images are generated in fixed-size chunks, each from its own random stream,
so a larger request starts with the same images as a smaller one:
make_embedded_cifar(1000)[0][:100] equals make_embedded_cifar(100)[0].
"""

import numpy as np

EMBEDDED_CLASSES = ('disk', 'square', 'triangle', 'hbars', 'vbars',
                    'ring', 'cross', 'diagonal', 'checker', 'twoblobs')

# Mean hue of each class's shape, in turns (0 red, 1/3 green, 2/3 blue); neighbours
# on the colour wheel differ by less than the hue jitter, so colour alone is ambiguous.
CLASS_HUES = np.arange(10) / 10.0

_SIZE = 32
_CHUNK = 500         # images per random stream; a multiple of 10 keeps each chunk balanced
_TRAIN, _TEST = 0, 1  # stream families: make_embedded_cifar uses _TRAIN

# Appearance knobs (pixel units unless stated). They set how hard the dataset is.
HUE_JITTER = 0.06         # std of the foreground hue around CLASS_HUES, in turns
POSITION_JITTER = 6.0     # shape centre is uniform in 16 +- this, per axis
SCALE_RANGE = (6.0, 10.0)  # shape "radius"
TILT_JITTER = np.pi / 12  # shapes are rotated by uniform +- this (15 degrees)
NOISE_STD = 10.0          # per-pixel, per-channel Gaussian noise


def _hsv_to_rgb(h, s, v):
    """Vectorised HSV -> RGB. Inputs: arrays of shape (B,) in [0, 1]. Returns (B, 3) in [0, 1]."""
    k = (np.array([5.0, 3.0, 1.0]) + 6.0 * h[:, None]) % 6.0  # (B, 3)
    return v[:, None] * (1.0 - s[:, None] * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0))


def _stripes(t, period):
    """Signed distance-like field of stripes across coordinate t; negative inside a stripe."""
    return -np.sin(2 * np.pi * t / period) * period / (2 * np.pi)


def _box(u, v, half):
    return np.maximum(np.abs(u), np.abs(v)) - half


def _shape_sdf(label, u, v, extra):
    """Signed distance (in units of the shape radius) to the class's shape; negative inside.

    Inputs:
    - label: class index 0..9
    - u, v: shape-frame coordinates of every pixel, arrays of shape (B, 32, 32);
      the shape is centred at 0 with radius about 1
    - extra: array of shape (B, 1, 1) in [0, 1), a per-image shape parameter
    """
    r = np.sqrt(u * u + v * v)
    if label == 0:  # disk
        return r - 1.0
    if label == 1:  # square
        return _box(u, v, 0.85)
    if label == 2:  # triangle pointing up (v grows downwards, like image rows)
        sides = [u * np.cos(a) + v * np.sin(a) for a in (np.pi / 2, np.pi * 7 / 6, np.pi * 11 / 6)]
        return np.maximum(np.maximum(sides[0], sides[1]), sides[2]) - 0.55
    if label == 3:  # horizontal bars
        return np.maximum(_box(u, v, 0.95), _stripes(v + 0.2, 0.75))
    if label == 4:  # vertical bars
        return np.maximum(_box(u, v, 0.95), _stripes(u + 0.2, 0.75))
    if label == 5:  # ring
        return np.abs(r - 0.75) - 0.25
    if label == 6:  # plus-shaped cross
        return np.minimum(np.maximum(np.abs(u) - 0.3, np.abs(v) - 1.0),
                          np.maximum(np.abs(u) - 1.0, np.abs(v) - 0.3))
    if label == 7:  # diagonal stripes
        return np.maximum(_box(u, v, 0.95), _stripes((u + v) / np.sqrt(2), 0.75))
    if label == 8:  # checkerboard
        p = 0.9
        checks = -np.sin(2 * np.pi * u / p) * np.sin(2 * np.pi * v / p) * p / (2 * np.pi)
        return np.maximum(_box(u, v, 0.95), checks)
    # two blobs, on an axis at any angle
    a = 2 * np.pi * extra
    offset_u, offset_v = 0.55 * np.cos(a), 0.55 * np.sin(a)
    return np.minimum(np.hypot(u - offset_u, v - offset_v), np.hypot(u + offset_u, v + offset_v)) - 0.45


def _generate_chunk(rng):
    """_CHUNK images from one random stream: (X uint8 (_CHUNK, 32, 32, 3), y int64 (_CHUNK,))."""
    B = _CHUNK
    y = rng.permutation(np.arange(B) % len(EMBEDDED_CLASSES))

    # Per-image parameters, all drawn up front so the stream's layout is fixed.
    cx, cy = (_SIZE / 2 + rng.uniform(-POSITION_JITTER, POSITION_JITTER, (2, B))).astype(np.float32)
    scale = rng.uniform(*SCALE_RANGE, B).astype(np.float32)
    tilt = rng.uniform(-TILT_JITTER, TILT_JITTER, B).astype(np.float32)
    extra = rng.uniform(0, 1, B).astype(np.float32)
    hue = (CLASS_HUES[y] + HUE_JITTER * rng.standard_normal(B)) % 1.0
    fg = 255 * _hsv_to_rgb(hue, rng.uniform(0.5, 1.0, B), rng.uniform(0.45, 1.0, B))  # (B, 3)
    bg0, bg1 = rng.uniform(0, 255, (2, B, 3))                                          # (B, 3) each
    grad_angle = rng.uniform(0, 2 * np.pi, B)
    noise = rng.standard_normal((B, _SIZE, _SIZE, 3), dtype=np.float32)

    ys, xs = np.mgrid[0:_SIZE, 0:_SIZE].astype(np.float32) + 0.5  # pixel centres, (32, 32) each
    dx = xs - cx[:, None, None]  # (B, 32, 32)
    dy = ys - cy[:, None, None]

    # Background: a linear blend bg0 -> bg1 along a random direction.
    t = (dx * np.cos(grad_angle)[:, None, None].astype(np.float32)
         + dy * np.sin(grad_angle)[:, None, None].astype(np.float32)) / _SIZE + 0.5
    t = np.clip(t, 0, 1)[..., None]  # (B, 32, 32, 1)
    img = bg0[:, None, None, :].astype(np.float32) * (1 - t) + bg1[:, None, None, :].astype(np.float32) * t

    # Shape coverage in [0, 1], anti-aliased over about one pixel.
    cos_t, sin_t = np.cos(tilt)[:, None, None], np.sin(tilt)[:, None, None]
    s = scale[:, None, None]
    u = (dx * cos_t + dy * sin_t) / s
    v = (-dx * sin_t + dy * cos_t) / s
    cover = np.empty((B, _SIZE, _SIZE), dtype=np.float32)
    for label in range(len(EMBEDDED_CLASSES)):
        idx = np.flatnonzero(y == label)
        sdf = _shape_sdf(label, u[idx], v[idx], extra[idx, None, None])
        cover[idx] = np.clip(0.5 - sdf * s[idx], 0, 1)
    cover = cover[..., None]  # (B, 32, 32, 1)

    img = img * (1 - cover) + fg[:, None, None, :].astype(np.float32) * cover
    img += NOISE_STD * noise
    return np.clip(np.rint(img), 0, 255).astype(np.uint8), y.astype(np.int64)


def _generate(num_images, seed, family):
    """num_images images from stream family `family` of `seed`, chunk by chunk."""
    if num_images < 0:
        raise ValueError(f'num_images must be >= 0, got {num_images}')
    num_chunks = -(-num_images // _CHUNK)
    X = np.empty((num_chunks * _CHUNK, _SIZE, _SIZE, 3), dtype=np.uint8)
    y = np.empty(num_chunks * _CHUNK, dtype=np.int64)
    for c in range(num_chunks):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(family, c)))
        X[c * _CHUNK:(c + 1) * _CHUNK], y[c * _CHUNK:(c + 1) * _CHUNK] = _generate_chunk(rng)
    return X[:num_images], y[:num_images]


def make_embedded_cifar(num_images, seed=0):
    """Generate synthetic CIFAR-shaped images of ten shape classes (EMBEDDED_CLASSES).

    Deterministic: the same (num_images, seed) always gives the same bytes, and
    the first n images do not depend on num_images >= n.

    Inputs:
    - num_images: number of images N
    - seed: integer seed

    Returns a tuple of:
    - X: uint8 array of shape (N, 32, 32, 3), channels last (RGB)
    - y: int64 array of shape (N,), labels in 0..9; exactly N/10 of each class when
      N is a multiple of 500, close to it otherwise
    """
    return _generate(num_images, seed, _TRAIN)


def load_embedded_CIFAR10(num_training=5000, num_test=1000, seed=0):
    """Synthetic stand-in for load_CIFAR10: same dtypes and shapes, any size.

    Training and test images come from different random streams, so no test
    image is a training image.

    Inputs:
    - num_training, num_test: numbers of images
    - seed: integer seed

    Returns a tuple of:
    - Xtr: float64 array of shape (num_training, 32, 32, 3), values 0..255
    - Ytr: int64 array of shape (num_training,)
    - Xte: float64 array of shape (num_test, 32, 32, 3)
    - Yte: int64 array of shape (num_test,)
    """
    Xtr, Ytr = _generate(num_training, seed, _TRAIN)
    Xte, Yte = _generate(num_test, seed, _TEST)
    return Xtr.astype(np.float64), Ytr, Xte.astype(np.float64), Yte
