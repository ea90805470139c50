"""Greedy decoding and beam search over any step function that returns log-probabilities (chapter 08).

The model is hidden behind one function, so the same search runs a Keras decoder, a tiny random model in a test,
or a hand-written table::

    log_probs, state = step(tokens, state)   # tokens (N,) int; log_probs (N, V); state: arrays with N rows

``state`` is an array, or a tuple / list / dict of arrays (nested), whose first axis is the row; the search
reorders and repeats rows (``state[parents]``), so the step function never sees beams. Each row of ``log_probs``
must be a log-probability distribution over the ``V`` tokens of the target vocabulary.

The score of a finished hypothesis ``y_1 .. y_L`` (``y_L`` the end token, or ``L = max_len`` when it never came) is
its log-probability divided by ``L ** alpha`` (length normalisation; ``alpha = 0`` turns it off). Without it beam
search prefers short outputs, since every extra token adds a negative log-probability.

Beam search keeps ``k`` live hypotheses per sentence: at each step every live hypothesis is extended by every
token, the ``k`` extensions with the highest accumulated log-probability are kept (:func:`top_k_expansions`), and
those that end with the end token are set aside as finished, so the beam shrinks by one per finished hypothesis;
a sentence is done when ``k`` hypotheses have finished or at ``max_len``. With ``k = 1`` this is greedy decoding.
A wider beam usually, not always, finds a higher score: beam search is not monotone in ``k`` (``tests/course_utils/test_decoding.py``
shows a model where width 2 scores below width 1).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Decoded:
    """The best hypothesis per sentence: ``tokens`` (lists of ids, no start or end token), its length-normalised
    ``scores`` (B,), its summed ``log_probs`` (B,) and ``lengths`` (B,) counted with the end token."""

    tokens: list
    scores: np.ndarray
    log_probs: np.ndarray
    lengths: np.ndarray


def normalised_score(log_prob, length, alpha: float = 1.0):
    """``log_prob / length ** alpha``: the objective both searches maximise (``alpha = 0``: plain log-probability)."""
    return np.asarray(log_prob, dtype=float) / np.asarray(length, dtype=float) ** alpha


def gather_state(state, rows):
    """The rows ``rows`` of every array in a (nested) state: ``state[rows]`` through tuples, lists and dicts."""
    if isinstance(state, dict):
        return {key: gather_state(value, rows) for key, value in state.items()}
    if isinstance(state, (tuple, list)):
        return type(state)(gather_state(value, rows) for value in state)
    return np.asarray(state)[rows]


def _check(start_id, end_id, max_len, alpha):
    if not isinstance(max_len, (int, np.integer)) or max_len < 1:
        raise ValueError(f"max_len must be a positive int (the most tokens to generate), got {max_len!r}")
    if start_id is None or end_id is None:
        raise ValueError("start_id and end_id must be token ids")
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0 (0 = no length normalisation), got {alpha}")


def _step(step, tokens, state, rows):
    log_probs, state = step(tokens, state)
    log_probs = np.asarray(log_probs, dtype=np.float64)
    if log_probs.ndim != 2 or log_probs.shape[0] != rows:
        raise ValueError(f"the step function must return log-probabilities of shape (N, V) = ({rows}, V), "
                         f"got shape {log_probs.shape}")
    return log_probs, state


def greedy_search(step, state, batch_size: int, start_id: int, end_id: int, max_len: int, alpha: float = 1.0) -> Decoded:
    """Decode ``batch_size`` sentences by taking the most probable token at every step.

    ``state`` is the decoder's initial state with ``batch_size`` rows. Returns a :class:`Decoded`.
    """
    _check(start_id, end_id, max_len, alpha)
    tokens = np.full(batch_size, start_id)
    total = np.zeros(batch_size)
    lengths = np.zeros(batch_size, dtype=int)
    done = np.zeros(batch_size, dtype=bool)
    outputs = [[] for _ in range(batch_size)]
    for _ in range(max_len):
        log_probs, state = _step(step, tokens, state, batch_size)
        tokens = log_probs.argmax(axis=1)
        live = ~done
        total[live] += log_probs[live, tokens[live]]
        lengths[live] += 1
        for row in np.flatnonzero(live & (tokens != end_id)):
            outputs[row].append(int(tokens[row]))
        done |= tokens == end_id
        if done.all():
            break
    return Decoded(outputs, normalised_score(total, lengths, alpha), total, lengths)


def top_k_expansions(scores, log_probs, k: int):
    """One beam-search step for one sentence: the ``k`` best extensions of the live hypotheses.

    ``scores`` (K,) accumulated log-probabilities of the live hypotheses (``-inf`` for an empty slot);
    ``log_probs`` (K, V) the model's next-token log-probabilities for each. Returns ``(parents, tokens, totals)``,
    three arrays of length ``min(k, K * V)`` sorted by ``totals = scores[parent] + log_probs[parent, token]``,
    best first (ties: the lower flat index ``parent * V + token`` first).
    """
    scores = np.asarray(scores, dtype=np.float64)
    log_probs = np.asarray(log_probs, dtype=np.float64)
    if log_probs.ndim != 2 or scores.shape != (log_probs.shape[0],):
        raise ValueError(f"scores must have shape (K,) and log_probs (K, V); got {scores.shape} and {log_probs.shape}")
    totals = (scores[:, None] + log_probs).ravel()
    order = np.argsort(-totals, kind="stable")[: min(k, totals.size)]
    parents, tokens = np.divmod(order, log_probs.shape[1])
    return parents, tokens, totals[order]


def beam_search(step, state, batch_size: int, start_id: int, end_id: int, max_len: int, beam_width: int,
                alpha: float = 1.0) -> Decoded:
    """Beam search of width ``beam_width`` for ``batch_size`` sentences at once (all beams in one step call).

    ``state`` is the decoder's initial state with ``batch_size`` rows; it is repeated to ``batch_size * beam_width``
    rows. Returns the finished hypothesis with the best length-normalised score per sentence (:class:`Decoded`).
    """
    _check(start_id, end_id, max_len, alpha)
    if not isinstance(beam_width, (int, np.integer)) or beam_width < 1:
        raise ValueError(f"beam_width must be a positive int, got {beam_width!r}")
    B, K = batch_size, int(beam_width)
    state = gather_state(state, np.repeat(np.arange(B), K))
    scores = np.full((B, K), -np.inf)
    scores[:, 0] = 0.0  # one live hypothesis (the start token) per sentence at first
    hypotheses = np.zeros((B, K, 0), dtype=int)
    tokens = np.full(B * K, start_id)
    finished = [[] for _ in range(B)]  # (normalised score, log-prob, length, tokens)
    for t in range(max_len):
        log_probs, state = _step(step, tokens, state, B * K)
        log_probs = log_probs.reshape(B, K, -1)
        new_scores = np.full((B, K), -np.inf)
        parents = np.zeros((B, K), dtype=int)
        new_tokens = np.full((B, K), end_id)
        for b in range(B):
            live = K - len(finished[b])
            if live <= 0:
                continue
            p, tok, tot = top_k_expansions(scores[b], log_probs[b], live)
            for slot, (parent, token, total) in enumerate(zip(p, tok, tot)):
                if not np.isfinite(total):
                    continue
                if token == end_id or t == max_len - 1:
                    sequence = [int(v) for v in hypotheses[b, parent]] + ([] if token == end_id else [int(token)])
                    finished[b].append((float(normalised_score(total, t + 1, alpha)), float(total), t + 1, sequence))
                else:
                    new_scores[b, slot], parents[b, slot], new_tokens[b, slot] = total, parent, token
        rows = (np.arange(B)[:, None] * K + parents).ravel()
        state = gather_state(state, rows)
        hypotheses = np.concatenate([hypotheses[np.arange(B)[:, None], parents], new_tokens[:, :, None]], axis=2)
        scores, tokens = new_scores, new_tokens.ravel()
        if not np.isfinite(scores).any():
            break
    best = [max(f, key=lambda h: h[0]) for f in finished]
    return Decoded([h[3] for h in best], np.array([h[0] for h in best]), np.array([h[1] for h in best]),
                   np.array([h[2] for h in best]))
