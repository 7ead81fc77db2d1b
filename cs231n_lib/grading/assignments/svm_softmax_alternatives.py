"""Correct solution cells of the svm_softmax assignment, written from the notebook's contracts alone.

Two per graded unit, the way students who did CS231n (or read only the contract) write them; each
must keep full marks (grading_tests/test_hidden_checks.py and test_nbgrader_pipeline.py).
"""

from ..samples import planted_alternative

SVM_NAIVE_CS231N = '''
def svm_loss_naive(W, X, y, reg):
    dW = np.zeros(W.shape)
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1  # note delta = 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    loss += reg * np.sum(W * W)
    dW /= num_train
    dW += reg * 2 * W
    return loss, dW
'''

SVM_NAIVE_COUNTED = '''
def svm_loss_naive(W, X, y, reg):
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros_like(W)
    for i in range(num_train):
        scores = W.T @ X[i]
        violated = 0
        for j in range(num_classes):
            if j != y[i]:
                margin = scores[j] - scores[y[i]] + 1.0
                if margin > 0:
                    loss += margin / num_train
                    dW[:, j] += X[i] / num_train
                    violated += 1
        # The correct class's column loses X[i] once per violated margin.
        dW[:, y[i]] -= violated * X[i] / num_train
    loss += reg * np.sum(W**2)
    dW += 2 * reg * W
    return loss, dW
'''

SVM_VECTORIZED_CS231N = '''
def svm_loss_vectorized(W, X, y, reg):
    loss = 0.0
    dW = np.zeros(W.shape)
    num_train = X.shape[0]
    scores = X.dot(W)
    correct_class_scores = scores[np.arange(num_train), y].reshape(num_train, 1)
    margins = np.maximum(0, scores - correct_class_scores + 1)
    margins[np.arange(num_train), y] = 0
    loss = np.sum(margins) / num_train
    loss += reg * np.sum(W * W)
    binary = margins
    binary[margins > 0] = 1
    row_sum = np.sum(binary, axis=1)
    binary[np.arange(num_train), y] = -row_sum.T
    dW = X.T.dot(binary) / num_train
    dW += 2 * reg * W
    return loss, dW
'''

SVM_VECTORIZED_ONE_HOT = '''
def svm_loss_vectorized(W, X, y, reg):
    num_train, num_classes = X.shape[0], W.shape[1]
    one_hot = np.eye(num_classes)[y]  # (N, C)
    scores = X @ W
    correct = np.sum(scores * one_hot, axis=1, keepdims=True)
    margins = (scores - correct + 1.0) * (1.0 - one_hot)
    positive = margins > 0
    loss = np.sum(margins[positive]) / num_train + reg * np.sum(W**2)
    coefficients = positive - one_hot * np.sum(positive, axis=1, keepdims=True)
    dW = np.tensordot(X, coefficients, axes=([0], [0])) / num_train + 2 * reg * W
    return loss, dW
'''

SOFTMAX_NAIVE_CS231N = '''
def softmax_loss_naive(W, X, y, reg):
    loss = 0.0
    dW = np.zeros_like(W)
    num_train = X.shape[0]
    num_classes = W.shape[1]
    for i in range(num_train):
        scores = X[i].dot(W)
        scores -= np.max(scores)  # numeric stability
        probs = np.exp(scores) / np.sum(np.exp(scores))
        loss += -np.log(probs[y[i]])
        for j in range(num_classes):
            dW[:, j] += X[i] * probs[j]
            if j == y[i]:
                dW[:, j] -= X[i]
    loss /= num_train
    loss += reg * np.sum(W * W)
    dW /= num_train
    dW += 2 * reg * W
    return loss, dW
'''

SOFTMAX_NAIVE_CLASS_LOOPS = '''
def softmax_loss_naive(W, X, y, reg):
    num_train, num_classes = X.shape[0], W.shape[1]
    loss, dW = 0.0, np.zeros(W.shape)
    for i in range(num_train):
        scores = [X[i] @ W[:, c] for c in range(num_classes)]
        top = max(scores)
        total = 0.0
        for c in range(num_classes):
            total += np.exp(scores[c] - top)
        loss += top + np.log(total) - scores[y[i]]
        for c in range(num_classes):
            dW[:, c] += np.exp(scores[c] - top) / total * X[i]
        dW[:, y[i]] -= X[i]
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW / num_train + 2 * reg * W
    return loss, dW
'''

SOFTMAX_VECTORIZED_CS231N = '''
def softmax_loss_vectorized(W, X, y, reg):
    loss = 0.0
    dW = np.zeros_like(W)
    num_train = X.shape[0]
    scores = X.dot(W)
    scores -= np.max(scores, axis=1, keepdims=True)
    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(num_train), y])) / num_train
    loss += reg * np.sum(W * W)
    dscores = probs
    dscores[np.arange(num_train), y] -= 1
    dW = X.T.dot(dscores) / num_train + 2 * reg * W
    return loss, dW
'''

SOFTMAX_VECTORIZED_LOG_PROBS = '''
def softmax_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = np.matmul(X, W)
    shifted = scores - scores.max(axis=1)[:, np.newaxis]
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1))[:, np.newaxis]
    one_hot = np.zeros_like(log_probs)
    one_hot[np.arange(num_train), y] = 1.0
    loss = -np.sum(one_hot * log_probs) / num_train + reg * np.sum(W**2)
    dW = np.matmul(X.T, np.exp(log_probs) - one_hot) / num_train + 2 * reg * W
    return loss, dW
'''

_LOSS_STUB = '''
    def loss(self, X_batch, y_batch, reg):
        """Subclasses override this."""
        raise NotImplementedError
'''

LINEAR_CLASSIFIER_CS231N = '''
class LinearClassifier(object):
    def __init__(self):
        self.W = None

    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, verbose=False):
        num_train, dim = X.shape
        num_classes = np.max(y) + 1
        if self.W is None:
            self.W = 0.001 * np.random.randn(dim, num_classes)
        loss_history = []
        for it in range(num_iters):
            batch_indices = np.random.choice(num_train, batch_size, replace=True)
            X_batch = X[batch_indices]
            y_batch = y[batch_indices]
            loss, grad = self.loss(X_batch, y_batch, reg)
            loss_history.append(loss)
            self.W -= learning_rate * grad
            if verbose and it % 100 == 0:
                print("iteration %d / %d: loss %f" % (it, num_iters, loss))
        return loss_history

    def predict(self, X):
        y_pred = np.zeros(X.shape[0])
        y_pred = np.argmax(X.dot(self.W), axis=1)
        return y_pred
''' + _LOSS_STUB

LINEAR_CLASSIFIER_PERMUTATION = '''
class LinearClassifier:
    def __init__(self):
        self.W = None

    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, verbose=False):
        if self.W is None:
            self.W = 0.001 * np.random.randn(X.shape[1], int(np.max(y)) + 1)
        loss_history = []
        for it in range(num_iters):
            rows = np.random.permutation(X.shape[0])[:batch_size]  # without replacement
            loss, dW = self.loss(X[rows], y[rows], reg)
            self.W = self.W - learning_rate * dW
            loss_history.append(float(loss))
            if verbose and it % 100 == 0:
                print(f"iteration {it} / {num_iters}: loss {loss:f}")
        return loss_history

    def predict(self, X):
        y_pred = np.zeros(X.shape[0])  # float labels, filled in place
        y_pred[:] = (X @ self.W).argmax(axis=1)
        return y_pred
''' + _LOSS_STUB

LINEAR_SVM_DIRECT = '''
class LinearSVM(LinearClassifier):
    """A subclass that uses the Multiclass SVM loss function."""

    def loss(self, X_batch, y_batch, reg):
        return svm_loss_vectorized(self.W, X_batch, y_batch, reg)
'''

LINEAR_SVM_INLINE = '''
class LinearSVM(LinearClassifier):
    def loss(self, X_batch, y_batch, reg):
        # The vectorized SVM loss, written out again.
        n = X_batch.shape[0]
        scores = X_batch @ self.W
        margins = np.maximum(0.0, scores - scores[np.arange(n), y_batch][:, None] + 1.0)
        margins[np.arange(n), y_batch] = 0.0
        counts = (margins > 0).astype(float)
        counts[np.arange(n), y_batch] = -counts.sum(axis=1)
        loss = margins.sum() / n + reg * np.sum(self.W * self.W)
        return loss, X_batch.T @ counts / n + 2 * reg * self.W
'''

SOFTMAX_DIRECT = '''
class Softmax(LinearClassifier):
    """A subclass that uses the Softmax + Cross-entropy loss function."""

    def loss(self, X_batch, y_batch, reg):
        return softmax_loss_vectorized(self.W, X_batch, y_batch, reg)
'''

SOFTMAX_INLINE = '''
class Softmax(LinearClassifier):
    def loss(self, X_batch, y_batch, reg):
        # The vectorized softmax loss, written out again.
        n = X_batch.shape[0]
        scores = X_batch @ self.W
        scores = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(probs[np.arange(n), y_batch])) + reg * np.sum(self.W**2)
        probs[np.arange(n), y_batch] -= 1.0
        return loss, X_batch.T @ probs / n + 2 * reg * self.W
'''

PLANTED_ALTERNATIVES = (
    planted_alternative("svm_naive_cs231n", "svm_loss_naive", SVM_NAIVE_CS231N,
                        "CS231n's loop with the gradient added where a margin counts"),
    planted_alternative("svm_naive_counted", "svm_loss_naive", SVM_NAIVE_COUNTED,
                        "W.T @ x scores, averaged as it goes, correct column updated once per example"),
    planted_alternative("svm_vectorized_cs231n", "svm_loss_vectorized", SVM_VECTORIZED_CS231N,
                        "CS231n-style: margins reused in place as the binary coefficient matrix"),
    planted_alternative("svm_vectorized_one_hot", "svm_loss_vectorized", SVM_VECTORIZED_ONE_HOT,
                        "one-hot masks and np.tensordot"),
    planted_alternative("softmax_naive_cs231n", "softmax_loss_naive", SOFTMAX_NAIVE_CS231N,
                        "CS231n-style: shift by the max, -log of the probability"),
    planted_alternative("softmax_naive_class_loops", "softmax_loss_naive", SOFTMAX_NAIVE_CLASS_LOOPS,
                        "loops over classes for scores and normalizer, log-sum-exp"),
    planted_alternative("softmax_vectorized_cs231n", "softmax_loss_vectorized", SOFTMAX_VECTORIZED_CS231N,
                        "CS231n-style: probabilities, -log(p_y), dscores in place"),
    planted_alternative("softmax_vectorized_log_probs", "softmax_loss_vectorized", SOFTMAX_VECTORIZED_LOG_PROBS,
                        "log-probabilities and a one-hot matrix with np.matmul"),
    planted_alternative("linear_classifier_cs231n", "LinearClassifier", LINEAR_CLASSIFIER_CS231N,
                        "CS231n-style: choice(..., replace=True), W updated in place, argmax of X.dot(W)"),
    planted_alternative("linear_classifier_permutation", "LinearClassifier", LINEAR_CLASSIFIER_PERMUTATION,
                        "minibatches without replacement from a permutation, float labels from predict"),
    planted_alternative("linear_svm_direct", "LinearSVM", LINEAR_SVM_DIRECT,
                        "returns svm_loss_vectorized's tuple directly"),
    planted_alternative("linear_svm_inline", "LinearSVM", LINEAR_SVM_INLINE,
                        "the vectorized SVM loss written out inside the method"),
    planted_alternative("softmax_direct", "Softmax", SOFTMAX_DIRECT,
                        "returns softmax_loss_vectorized's tuple directly"),
    planted_alternative("softmax_inline", "Softmax", SOFTMAX_INLINE,
                        "the vectorized softmax loss written out inside the method"),
)


# The searches of Part 4: correct searches other than the staff's grid (each keeps a classifier that
# reaches the threshold on the embedded data; the measured accuracies are in the descriptions).
SVM_RANDOM_SEARCH = '''
results: dict
best_svm: LinearSVM
rng = np.random.default_rng(2024)
results, best_svm, best_val = {}, None, 0.0
for trial in range(6):
    learning_rate = 10 ** rng.uniform(-6.5, -5.8)
    reg = 10 ** rng.uniform(3.7, 4.4)
    model = LinearSVM()
    model.train(X_train, y_train, learning_rate=learning_rate, reg=reg, num_iters=250, batch_size=200)
    train_acc = np.mean(model.predict(X_train) == y_train)
    val_acc = np.mean(model.predict(X_val) == y_val)
    results[(learning_rate, reg)] = (train_acc, val_acc)
    print(f"trial {trial}: lr {learning_rate:.2e} reg {reg:.2e} train {train_acc:.3f} val {val_acc:.3f}")
    if val_acc > best_val:
        best_val, best_svm = val_acc, model
print("best validation accuracy achieved during the random search:", best_val)
'''

SVM_GRID_THEN_RETRAIN = '''
results: dict
best_svm: LinearSVM
results = {}
for lr in [5e-7, 1e-6]:
    for reg in [1e4, 3e4]:
        np.random.seed(1)
        svm_try = LinearSVM()
        svm_try.train(X_train, y_train, learning_rate=lr, reg=reg, num_iters=150)
        results[(lr, reg)] = (np.mean(svm_try.predict(X_train) == y_train), np.mean(svm_try.predict(X_val) == y_val))
best_lr, best_reg = max(results, key=lambda pair: results[pair][1])
# Retrain the best pair for longer: the classifier kept is this one.
np.random.seed(1)
best_svm = LinearSVM()
best_svm.train(X_train, y_train, learning_rate=best_lr, reg=best_reg, num_iters=400)
print(best_lr, best_reg, "validation accuracy", np.mean(best_svm.predict(X_val) == y_val))
'''

SOFTMAX_RANDOM_SEARCH = '''
results: dict
best_softmax: Softmax
rng = np.random.default_rng(7)
results, best_softmax, best_val = {}, None, 0.0
for trial in range(6):
    learning_rate = 10 ** rng.uniform(-5.8, -5.3)
    reg = 10 ** rng.uniform(2.5, 3.5)
    model = Softmax()
    model.train(X_train, y_train, learning_rate=learning_rate, reg=reg, num_iters=200)
    val_acc = np.mean(model.predict(X_val) == y_val)
    results[(learning_rate, reg)] = (np.mean(model.predict(X_train) == y_train), val_acc)
    if val_acc > best_val:
        best_val, best_softmax = val_acc, model
print("best validation accuracy achieved during the random search:", best_val)
'''

SOFTMAX_GRID_OF_MODELS = '''
results: dict
best_softmax: Softmax
results, models = {}, {}
for learning_rate in (2e-6, 5e-6):
    for reg in (3e2, 1e3, 3e3):
        np.random.seed(231)
        models[learning_rate, reg] = Softmax()
        models[learning_rate, reg].train(X_train, y_train, learning_rate, reg, num_iters=200, batch_size=200)
        results[learning_rate, reg] = tuple(np.mean(models[learning_rate, reg].predict(X) == y)
                                            for X, y in ((X_train, y_train), (X_val, y_val)))
best_softmax = models[max(results, key=lambda key: results[key][1])]
'''

PLANTED_ALTERNATIVES += (
    planted_alternative("svm_random_search", "best_svm", SVM_RANDOM_SEARCH,
                        "a random search of 6 log-uniform pairs, unseeded runs of 250 iterations"),
    planted_alternative("svm_grid_then_retrain", "best_svm", SVM_GRID_THEN_RETRAIN,
                        "another 2x2 grid of short runs, then the best pair retrained for 400 iterations"),
    planted_alternative("softmax_random_search", "best_softmax", SOFTMAX_RANDOM_SEARCH,
                        "a random search of 6 log-uniform pairs around the softmax's good learning rates"),
    planted_alternative("softmax_grid_of_models", "best_softmax", SOFTMAX_GRID_OF_MODELS,
                        "a 2x3 grid keeping every model in a dict, the best chosen with max() afterwards"),
)
