"""CaptioningRNN: image captioning with a vanilla RNN or an LSTM, built from the layers of rnn_layers."""

import numpy as np

from ..layers import affine_backward, affine_forward
from ..rnn_layers import (
    lstm_backward,
    lstm_forward,
    lstm_step_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_forward,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
    word_embedding_backward,
    word_embedding_forward,
)


class CaptioningRNN:
    """A CaptioningRNN produces captions from image features using a recurrent neural network.

    The RNN receives input vectors of size D, has a vocabulary of size V, works on sequences of
    length T, has an RNN hidden dimension of H, uses word vectors of dimension W, and operates on
    minibatches of size N.

    Note that we don't use any regularization for the CaptioningRNN.
    """

    def __init__(self, word_to_idx, input_dim=512, wordvec_dim=128, hidden_dim=128, cell_type="rnn",
                 dtype=np.float32):
        """Construct a new CaptioningRNN instance.

        Inputs:
        - word_to_idx: a dictionary giving the vocabulary. It contains V entries, and maps each
          string to a unique integer in the range [0, V).
        - input_dim: dimension D of input image feature vectors
        - wordvec_dim: dimension W of word vectors
        - hidden_dim: dimension H of the hidden state of the RNN
        - cell_type: what type of RNN to use; either 'rnn' or 'lstm'
        - dtype: numpy datatype to use; use float32 for training and float64 for numeric gradient
          checking
        """
        if cell_type not in {"rnn", "lstm"}:
            raise ValueError(f'Invalid cell_type "{cell_type}"')

        self.cell_type = cell_type
        self.dtype = dtype
        self.word_to_idx = word_to_idx
        self.idx_to_word = {i: w for w, i in word_to_idx.items()}
        self.params = {}

        vocab_size = len(word_to_idx)

        self._null = word_to_idx["<NULL>"]
        self._start = word_to_idx.get("<START>", None)
        self._end = word_to_idx.get("<END>", None)

        # Initialize word vectors
        self.params["W_embed"] = np.random.randn(vocab_size, wordvec_dim)
        self.params["W_embed"] /= 100

        # Initialize CNN -> hidden state projection parameters
        self.params["W_proj"] = np.random.randn(input_dim, hidden_dim)
        self.params["W_proj"] /= np.sqrt(input_dim)
        self.params["b_proj"] = np.zeros(hidden_dim)

        # Initialize parameters for the RNN
        dim_mul = {"lstm": 4, "rnn": 1}[cell_type]
        self.params["Wx"] = np.random.randn(wordvec_dim, dim_mul * hidden_dim)
        self.params["Wx"] /= np.sqrt(wordvec_dim)
        self.params["Wh"] = np.random.randn(hidden_dim, dim_mul * hidden_dim)
        self.params["Wh"] /= np.sqrt(hidden_dim)
        self.params["b"] = np.zeros(dim_mul * hidden_dim)

        # Initialize output to vocab weights
        self.params["W_vocab"] = np.random.randn(hidden_dim, vocab_size)
        self.params["W_vocab"] /= np.sqrt(hidden_dim)
        self.params["b_vocab"] = np.zeros(vocab_size)

        # Cast parameters to correct dtype
        for k, v in self.params.items():
            self.params[k] = v.astype(self.dtype)

    def loss(self, features, captions):
        """Compute training-time loss for the RNN.

        We input image features and ground-truth captions for those images, and use an RNN (or
        LSTM) to compute loss and gradients on all parameters.

        Inputs:
        - features: input image features, of shape (N, D)
        - captions: ground-truth captions; an integer array of shape (N, T + 1) where each element
          is in the range 0 <= y[i, t] < V

        Returns a tuple of:
        - loss: scalar loss
        - grads: dictionary of gradients parallel to self.params
        """
        raise NotImplementedError("CaptioningRNN is written in a later assignment (rnn_captioning)")

    def sample(self, features, max_length=30):
        """Run a test-time forward pass for the model, sampling captions for input feature vectors.

        At each timestep, we embed the current word, pass it and the previous hidden state to the
        RNN to get the next hidden state, use the hidden state to get scores for all vocab words,
        and choose the word with the highest score as the next word. The initial hidden state is
        computed by applying an affine transform to the input image features, and the initial word
        is the <START> token. What a caption holds after its first <END> is not graded (the staff
        code writes <NULL> there).

        For LSTMs you will also have to keep track of the cell state; in that case the initial cell
        state should be zero.

        Inputs:
        - features: array of input image features, of shape (N, D)
        - max_length: maximum length T of generated captions

        Returns:
        - captions: array of shape (N, max_length) giving sampled captions, where each element is
          an integer in the range [0, V). The first element of captions should be the first
          sampled word, not the <START> token.
        """
        raise NotImplementedError("CaptioningRNN is written in a later assignment (rnn_captioning)")
