"""k-nearest-neighbour classifier with L2 distance, and k-fold cross-validation of k."""

import numpy as np


class KNearestNeighbor:
    """A kNN classifier with L2 distance."""

    def __init__(self):
        pass

    def train(self, X, y):
        """Memorize the training data.

        Inputs:
        - X: training data, of shape (num_train, D)
        - y: training labels, of shape (num_train,); y[i] is the label of X[i]
        """
        self.X_train = X
        self.y_train = y

    def predict(self, X, k=1, num_loops=0):
        """Predict labels for test data.

        Inputs:
        - X: test data, of shape (num_test, D)
        - k: number of nearest neighbors that vote
        - num_loops: which distance implementation to use: 0, 1 or 2

        Returns:
        - y: predicted labels, of shape (num_test,)
        """
        if num_loops == 0:
            dists = self.compute_distances_no_loops(X)
        elif num_loops == 1:
            dists = self.compute_distances_one_loop(X)
        elif num_loops == 2:
            dists = self.compute_distances_two_loops(X)
        else:
            raise ValueError(f"Invalid value {num_loops} for num_loops; use 0, 1 or 2")
        return self.predict_labels(dists, k=k)

    def compute_distances_two_loops(self, X):
        """L2 distance between each test point and each training point, with two loops.

        Inputs:
        - X: test data, of shape (num_test, D)

        Returns:
        - dists: of shape (num_test, num_train); dists[i, j] is the Euclidean
          distance between X[i] and self.X_train[j]
        """
        # Written and graded in knn.ipynb; edit it there. This copy calls the notebook's.
        from cs231n.notebook_units import written_in_notebook
        return written_in_notebook("KNearestNeighbor", "knn.ipynb").compute_distances_two_loops(self, X)

    def compute_distances_one_loop(self, X):
        """L2 distances as in compute_distances_two_loops, with one loop over test points.

        Inputs:
        - X: test data, of shape (num_test, D)

        Returns:
        - dists: of shape (num_test, num_train)
        """
        # Written and graded in knn.ipynb; edit it there. This copy calls the notebook's.
        from cs231n.notebook_units import written_in_notebook
        return written_in_notebook("KNearestNeighbor", "knn.ipynb").compute_distances_one_loop(self, X)

    def compute_distances_no_loops(self, X):
        """L2 distances as in compute_distances_two_loops, with no Python loop at all.

        Inputs:
        - X: test data, of shape (num_test, D)

        Returns:
        - dists: of shape (num_test, num_train)
        """
        # Written and graded in knn.ipynb; edit it there. This copy calls the notebook's.
        from cs231n.notebook_units import written_in_notebook
        return written_in_notebook("KNearestNeighbor", "knn.ipynb").compute_distances_no_loops(self, X)

    def predict_labels(self, dists, k=1):
        """Majority vote among the k nearest training points; ties go to the smaller label.

        Inputs:
        - dists: of shape (num_test, num_train); dists[i, j] is the distance
          between the ith test point and the jth training point
        - k: number of nearest neighbors that vote

        Returns:
        - y_pred: predicted labels, of shape (num_test,)
        """
        # Written and graded in knn.ipynb; edit it there. This copy calls the notebook's.
        from cs231n.notebook_units import written_in_notebook
        return written_in_notebook("KNearestNeighbor", "knn.ipynb").predict_labels(self, dists, k)


def knn_cross_validation(X_train, y_train, k_choices, num_folds=5, classifier_class=None):
    """Accuracy of kNN for every k on each of num_folds cross-validation folds.

    Split the training data into num_folds folds with np.array_split (in
    order, no shuffling). For fold i, train a classifier on the other folds,
    compute the distances from fold i to them once with
    compute_distances_no_loops, then for every k predict fold i with
    predict_labels and record the fraction predicted correctly.

    Inputs:
    - X_train: of shape (N, D)
    - y_train: of shape (N,)
    - k_choices: list of values of k to try
    - num_folds: number of folds
    - classifier_class: class to instantiate for each fold; KNearestNeighbor if None

    Returns:
    - k_to_accuracies: dict mapping each k in k_choices to a list of num_folds
      accuracies (floats); entry i is the accuracy on fold i
    """
    # Written and graded in knn.ipynb; edit it there. This copy calls the notebook's.
    from cs231n.notebook_units import written_in_notebook
    return written_in_notebook("knn_cross_validation", "knn.ipynb")(X_train, y_train, k_choices, num_folds, classifier_class)
