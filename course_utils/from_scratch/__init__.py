"""The course's from-scratch NumPy implementations, each checked against Keras in the chapters and the tests.

* :mod:`.recurrences`  every recurrence formula, written once: one time step of SimpleRNN, LSTM and GRU (both
  ``reset_after`` conventions), the BPTT step, gradient clipping, parameter counts (chapters 02-06)
* :mod:`.rnn_layers`   validated NumPy layers that loop those steps over time: ``rnn_forward``/``rnn_backward``,
  ``lstm_forward``, ``gru_forward`` (chapters 02-06)
* :mod:`.attention`    additive, dot-product, scaled dot-product and multi-head attention with padding and causal
  masks (chapters 08 and 10)
* :mod:`.transformer`  sinusoidal positions, layer norm, an encoder block, a causal language model with a key/value
  cache, an LSTM stream and per-token streaming costs (chapter 10)
"""
