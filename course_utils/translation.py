"""Text and scoring helpers of chapter 08 (machine translation), shared with the chapters that reuse its corpus.

* :func:`tokenize` / :func:`detokenize`: one token per digit and per symbol, words whole, and a glue mark
  (``##``, as WordPiece writes it) on a token written right after the previous one, so ``detokenize(tokenize(s))
  == s`` for any text whose spaces are single spaces between tokens (the phrase corpus: a test checks it).
* :func:`teacher_forced_sentence_match`: which sentences a model gets entirely right when it is fed the reference
  prefix (teacher forcing), from its next-token logits.
* :func:`compounding_prediction`: the exact match that independent token errors alone predict, ``mean_i p ** m_i``.
* :func:`masked_token_loss`: a masked mean of per-token cross-entropies with the normaliser named, to check what
  Keras divides by.
"""
from __future__ import annotations

import re

import numpy as np

TOKEN = re.compile(r"\d|[^\W\d_]+|[^\w\s]|_")  # one digit, a run of letters, or one other symbol
GLUE = "##"  # marks a token written right after the previous one, with no space


def tokenize(text: str) -> list:
    """Split ``text`` into digits, runs of letters and single symbols; a token that follows the previous one with no
    space carries the prefix ``##``. ``tokenize("MX$383.96") == ['MX', '##$', '##3', '##8', '##3', '##.', '##9', '##6']``.
    """
    tokens, end = [], None
    for match in TOKEN.finditer(text):
        tokens.append(GLUE + match.group() if match.start() == end else match.group())
        end = match.end()
    return tokens


def detokenize(tokens) -> str:
    """The inverse of :func:`tokenize`: glued tokens are written with no space, the others after one space."""
    text = ""
    for token in tokens:
        text += token[len(GLUE):] if token.startswith(GLUE) else (" " if text else "") + token
    return text


def teacher_forced_sentence_match(logits, targets, unknown_id: int | None = 1) -> np.ndarray:
    """Per sentence: is the most probable next token right at every real target position, given the reference prefix?

    ``logits`` (B, T, V) are a model's outputs for the decoder inputs ``[start] y_1 .. y_m`` (teacher forcing);
    ``targets`` (B, T) the ids ``y_1 .. y_m [end]`` with 0 as padding. A sentence whose reference holds the
    out-of-vocabulary id ``unknown_id`` counts as not matched (no model output can equal such a reference).
    With greedy decoding this is exactly the set of sentences that free-running decoding gets right: if every
    argmax equals the reference token under the reference prefix, greedy decoding follows that same prefix.
    """
    logits, targets = np.asarray(logits), np.asarray(targets)
    if logits.ndim != 3 or logits.shape[:2] != targets.shape:
        raise ValueError(f"logits must be (B, T, V) and targets (B, T), got {logits.shape} and {targets.shape}")
    real = targets > 0
    right = (logits.argmax(-1) == targets) | ~real
    matched = right.all(axis=1) & real.any(axis=1)
    if unknown_id is not None:
        matched &= ~(targets == unknown_id).any(axis=1)
    return matched


def compounding_prediction(token_accuracy: float, lengths) -> float:
    """The share of sentences right if every token were right independently with probability ``token_accuracy``:
    ``mean_i token_accuracy ** m_i`` over the sentences' target lengths ``m_i`` (tokens counted with the end token)."""
    lengths = np.asarray(lengths, dtype=float)
    if not 0.0 <= token_accuracy <= 1.0:
        raise ValueError(f"token_accuracy must be in [0, 1], got {token_accuracy}")
    if lengths.size == 0 or (lengths < 1).any():
        raise ValueError("lengths must be one positive length per sentence")
    return float(np.mean(token_accuracy ** lengths))


def sparse_cross_entropy(logits, targets) -> np.ndarray:
    """Per-token cross-entropy ``-log softmax(logits)[target]``, shape (B, T), computed stably in float64."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    return -np.take_along_axis(log_probs, np.asarray(targets)[..., None], axis=-1)[..., 0]


def masked_token_loss(token_losses, weights, normaliser) -> float:
    """``sum(weights * token_losses) / normaliser``: a masked loss with its denominator made explicit (pass
    ``weights.sum()`` for the mean over real target tokens, or another count to test what a library divides by)."""
    token_losses, weights = np.asarray(token_losses, dtype=np.float64), np.asarray(weights, dtype=np.float64)
    if token_losses.shape != weights.shape:
        raise ValueError(f"token_losses and weights must have one shape, got {token_losses.shape} and {weights.shape}")
    if normaliser <= 0:
        raise ValueError(f"normaliser must be positive, got {normaliser}")
    return float((token_losses * weights).sum() / normaliser)


def teacher_forced_token_accuracy(logits, targets) -> float:
    """Share of real target tokens (id > 0) whose most probable next token is right, given the reference prefix."""
    logits, targets = np.asarray(logits), np.asarray(targets)
    real = targets > 0
    if not real.any():
        raise ValueError("targets hold no real token (every id is 0, the padding)")
    return float((logits.argmax(-1) == targets)[real].mean())
