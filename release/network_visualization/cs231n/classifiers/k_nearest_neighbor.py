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
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            for j in range(num_train):
                #####################################################################
                # TODO: compute the L2 distance between the ith test point and the  #
                # jth training point, and store it in dists[i, j]. Loop over the    #
                # dimension neither explicitly nor with np.linalg.norm().           #
                #####################################################################
                dists[i, j] = np.sqrt(np.sum((X[i] - self.X_train[j]) ** 2))
        return dists

    def compute_distances_one_loop(self, X):
        """L2 distances as in compute_distances_two_loops, with one loop over test points.

        Inputs:
        - X: test data, of shape (num_test, D)

        Returns:
        - dists: of shape (num_test, num_train)
        """
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            #######################################################################
            # TODO: compute the L2 distance between the ith test point and all    #
            # training points, and store them in dists[i, :]. No np.linalg.norm(). #
            #######################################################################
            dists[i, :] = np.sqrt(np.sum((self.X_train - X[i]) ** 2, axis=1))
        return dists

    def compute_distances_no_loops(self, X):
        """L2 distances as in compute_distances_two_loops, with no Python loop at all.

        Inputs:
        - X: test data, of shape (num_test, D)

        Returns:
        - dists: of shape (num_test, num_train)
        """
        #########################################################################
        # TODO: compute all distances with no explicit loop, using only basic   #
        # array operations (no scipy, no np.linalg.norm()). Hint: expand       #
        # ||x - t||^2 into a matrix multiplication and two broadcast sums.       #
        #########################################################################
        # ||x - t||^2 = ||x||^2 - 2 x.t + ||t||^2; the product dominates and runs in BLAS.
        dists = X @ self.X_train.T  # (num_test, num_train)
        dists *= -2
        dists += np.einsum("ij,ij->i", X, X)[:, np.newaxis]
        dists += np.einsum("ij,ij->i", self.X_train, self.X_train)
        # Cancellation can leave tiny negatives where points (nearly) coincide.
        np.maximum(dists, 0, out=dists)
        np.sqrt(dists, out=dists)
        return dists

    def predict_labels(self, dists, k=1):
        """Majority vote among the k nearest training points; ties go to the smaller label.

        Inputs:
        - dists: of shape (num_test, num_train); dists[i, j] is the distance
          between the ith test point and the jth training point
        - k: number of nearest neighbors that vote

        Returns:
        - y_pred: predicted labels, of shape (num_test,)
        """
        num_test = dists.shape[0]
        y_pred = np.zeros(num_test, dtype=self.y_train.dtype)
        for i in range(num_test):
            ###################################################################
            # TODO: find the labels of the k nearest training points of the   #
            # ith test point (np.argsort helps), store the most common one in #
            # y_pred[i], and break ties by choosing the smaller label.        #
            ###################################################################
            # A stable sort keeps equal distances in training order, so results are reproducible.
            closest_y = self.y_train[np.argsort(dists[i], kind="stable")[:k]]
            # argmax returns the first maximum, which is the smallest tied label.
            y_pred[i] = np.bincount(closest_y).argmax()
        return y_pred


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
    if classifier_class is None:
        classifier_class = KNearestNeighbor
    k_to_accuracies = {k: [] for k in k_choices}
    X_folds = np.array_split(X_train, num_folds)
    y_folds = np.array_split(y_train, num_folds)
    for i in range(num_folds):
        classifier = classifier_class()
        classifier.train(
            np.concatenate(X_folds[:i] + X_folds[i + 1 :]),
            np.concatenate(y_folds[:i] + y_folds[i + 1 :]),
        )
        # Distances do not depend on k: compute them once per fold.
        dists = classifier.compute_distances_no_loops(X_folds[i])
        for k in k_choices:
            y_pred = classifier.predict_labels(dists, k=k)
            k_to_accuracies[k].append(float(np.mean(y_pred == y_folds[i])))
    return k_to_accuracies
