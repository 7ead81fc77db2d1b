"""The embedded handwritten digits: real 8x8 digits that ship with scikit-learn (no download).

scikit-learn's load_digits is the test part of the UCI "Optical Recognition of
Handwritten Digits" dataset: 1797 digits written by 43 people, downsampled to
8x8 pixels with 17 grey levels (0..16). They are small enough for a numpy GAN
to learn in seconds, and real enough that its samples can be judged by eye and
by a classifier (digit_classifier).

    from cs231n.data.digits import load_digits_for_gan
    data = load_digits_for_gan()
    X = data['X']  # (1797, 64), values in [-1, 1]
"""

from functools import lru_cache

import numpy as np

DIGITS_SHAPE = (8, 8)
DIGITS_MAX = 16.0  # grey levels run 0..16


def load_digits_for_gan():
    """The embedded digits, flattened and scaled from 0..16 to [-1, 1] (the range of tanh).

    Returns a dict with:
    - 'X': float64 array of shape (1797, 64), values in [-1, 1]; -1 is background
    - 'y': int64 array of shape (1797,), the digit 0..9 of each image
    - 'image_shape': (8, 8)
    - 'source': one-line description of the data
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = digits.data.astype(np.float64) * (2 / DIGITS_MAX) - 1  # (1797, 64)
    return {'X': X, 'y': digits.target.astype(np.int64), 'image_shape': DIGITS_SHAPE,
            'source': "embedded 8x8 handwritten digits (scikit-learn's load_digits, 1797 images)"}


class DigitClassifier:
    """A fixed softmax classifier of 8x8 digits, trained on all embedded digits (deterministic).

    Multinomial logistic regression (scikit-learn, lbfgs, C=0.1) on pixels in [-1, 1]; it
    classifies the embedded digits with about 98% training accuracy. Used to score generated
    samples: real-looking digits get confident predictions, spread over all ten classes.
    """

    def __init__(self):
        from sklearn.linear_model import LogisticRegression

        data = load_digits_for_gan()
        self.model = LogisticRegression(C=0.1, max_iter=1000)
        self.model.fit(data['X'], data['y'])
        self.train_accuracy = float(self.model.score(data['X'], data['y']))

    def predict_proba(self, images):
        """Class probabilities, of shape (N, 10), for images of shape (N, 64) in [-1, 1]."""
        return self.model.predict_proba(np.asarray(images, dtype=np.float64).reshape(len(images), -1))


@lru_cache(maxsize=1)
def digit_classifier():
    """The DigitClassifier (trained once per process, about 0.1 s)."""
    return DigitClassifier()


def sample_quality(images, min_count=5, predict_proba=None):
    """Score generated 8x8 digits with digit_classifier.

    Inputs:
    - images: of shape (N, 64) (or (N, 8, 8)), values in [-1, 1]
    - min_count: a class counts as covered if at least this many samples are predicted as it
    - predict_proba: class probabilities of shape (N, 10) for images of shape (N, 64); default
      digit_classifier().predict_proba

    Returns a dict with:
    - 'confidence': mean over samples of the classifier's largest class probability
    - 'classes': number of digit classes covered (0..10)
    - 'counts': int array of shape (10,), samples predicted as each digit
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim < 2 or images[0].size != np.prod(DIGITS_SHAPE):
        raise ValueError(f'sample_quality scores 8x8 digits: expected images of shape (N, 64), got {images.shape}')
    probabilities = (predict_proba or digit_classifier().predict_proba)(images.reshape(len(images), -1))
    counts = np.bincount(probabilities.argmax(axis=1), minlength=10)
    return {'confidence': float(probabilities.max(axis=1).mean()), 'classes': int(np.sum(counts >= min_count)),
            'counts': counts}
