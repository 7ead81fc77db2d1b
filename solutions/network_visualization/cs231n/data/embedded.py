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
HUE_JITTER = 0.08         # std of the foreground hue around CLASS_HUES, in turns
POSITION_JITTER = 7.0     # shape centre is uniform in 16 +- this, per axis
SCALE_RANGE = (6.0, 10.0)  # shape "radius"
TILT_JITTER = np.pi / 12  # shapes are rotated by uniform +- this (15 degrees)
NOISE_STD = 10.0          # std of the per-pixel, per-channel noise
BACKGROUND_GREY = (40.0, 215.0)  # range of the background's grey level at each end of its gradient
BACKGROUND_COLOUR = 40.0  # each channel departs from that grey by up to +- this

_TWO_BYTES_STD = np.sqrt(2 * (256 ** 2 - 1) / 12)  # std of the sum of two uniform bytes


def _hsv_to_rgb(h, s, v):
    """Vectorised HSV -> RGB. Inputs: arrays of shape (B,) in [0, 1]. Returns (B, 3) in [0, 1]."""
    k = (np.array([5.0, 3.0, 1.0]) + 6.0 * h[:, None]) % 6.0  # (B, 3)
    return v[:, None] * (1.0 - s[:, None] * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0))


def _stripes(t, period):
    """Signed distance-like field of stripes across coordinate t; negative inside a stripe."""
    return -np.sin(2 * np.pi * t / period) * period / (2 * np.pi)


def _box(u, v, half):
    """Signed distance-like field of an axis-aligned square of half-width `half`."""
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


def _generate_chunk(rng, out):
    """Draw _CHUNK images from one random stream.

    Inputs:
    - rng: numpy Generator for this chunk
    - out: uint8 array of shape (_CHUNK, 32, 32, 3) that receives the images

    Returns y: int64 array of shape (_CHUNK,), the labels.
    """
    B = _CHUNK
    y = rng.permutation(np.arange(B) % len(EMBEDDED_CLASSES))

    # Per-image parameters, all drawn up front so the stream's layout is fixed.
    cx, cy = _SIZE / 2 + rng.uniform(-POSITION_JITTER, POSITION_JITTER, (2, B))
    scale = rng.uniform(*SCALE_RANGE, B)
    tilt = rng.uniform(-TILT_JITTER, TILT_JITTER, B)
    extra = rng.uniform(0, 1, B)
    hue = (CLASS_HUES[y] + HUE_JITTER * rng.standard_normal(B)) % 1.0
    fg = 255 * _hsv_to_rgb(hue, rng.uniform(0.5, 1.0, B), rng.uniform(0.45, 1.0, B))  # (B, 3)
    grey = rng.uniform(*BACKGROUND_GREY, (2, B, 1))
    bg0, bg1 = grey + BACKGROUND_COLOUR * rng.uniform(-1, 1, (2, B, 3))  # (B, 3) each
    grad_angle = rng.uniform(0, 2 * np.pi, B)
    # Sum of two uniform bytes: bell-shaped noise, several times cheaper to draw than normals.
    noise_bytes = np.frombuffer(rng.bytes(2 * B * _SIZE * _SIZE * 3), np.uint8).reshape(2, B, 3, _SIZE, _SIZE)

    # Images are built channels-first, (B, 3, 32, 32), so that every broadcast runs
    # over contiguous 32x32 planes; a trailing axis of 3 makes numpy several times slower.
    def per_image(a):  # (B,) -> (B, 1, 1); (B, 3) -> (B, 3, 1, 1); as float32
        a = np.asarray(a, np.float32)
        return a.reshape(B, 1, 1) if a.ndim == 1 else a.reshape(B, 3, 1, 1)

    ys, xs = np.mgrid[0:_SIZE, 0:_SIZE].astype(np.float32) + 0.5  # pixel centres, (32, 32) each
    dx = xs - per_image(cx)  # (B, 32, 32)
    dy = ys - per_image(cy)

    # Background: a linear blend bg0 -> bg1 along a random direction.
    t = np.clip((dx * per_image(np.cos(grad_angle)) + dy * per_image(np.sin(grad_angle))) / _SIZE + 0.5, 0, 1)
    img = per_image(bg1 - bg0) * t[:, None]  # (B, 3, 32, 32)
    img += per_image(bg0)

    # Shape coverage in [0, 1], anti-aliased over about one pixel.
    cos_t, sin_t, s = per_image(np.cos(tilt)), per_image(np.sin(tilt)), per_image(scale)
    u = (dx * cos_t + dy * sin_t) / s
    v = (dy * cos_t - dx * sin_t) / s
    cover = np.empty((B, 1, _SIZE, _SIZE), dtype=np.float32)
    for label in range(len(EMBEDDED_CLASSES)):
        idx = np.flatnonzero(y == label)
        sdf = _shape_sdf(label, u[idx], v[idx], per_image(extra)[idx])
        cover[idx, 0] = np.clip(0.5 - sdf * s[idx], 0, 1)

    img += cover * (per_image(fg) - img)
    noise = noise_bytes[0].astype(np.float32)
    noise += noise_bytes[1]
    noise -= 255
    img += noise * np.float32(NOISE_STD / _TWO_BYTES_STD)
    np.rint(img, out=img)
    np.clip(img, 0, 255, out=img)
    out[...] = img.transpose(0, 2, 3, 1)  # (B, 32, 32, 3); the cast to uint8 rides on this copy
    return y.astype(np.int64)


def _generate(num_images, seed, family):
    """num_images images from stream family `family` of `seed`, chunk by chunk."""
    if num_images < 0:
        raise ValueError(f'num_images must be >= 0, got {num_images}')
    num_chunks = -(-num_images // _CHUNK)
    X = np.empty((num_chunks * _CHUNK, _SIZE, _SIZE, 3), dtype=np.uint8)
    y = np.empty(num_chunks * _CHUNK, dtype=np.int64)
    for c in range(num_chunks):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(family, c)))
        y[c * _CHUNK:(c + 1) * _CHUNK] = _generate_chunk(rng, X[c * _CHUNK:(c + 1) * _CHUNK])
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
