"""Connectionist temporal classification (Graves et al. 2006) helpers that Keras does not have, for chapter 13.

Label convention (the one ``keras.ops.ctc_loss``, ``keras.ops.ctc_decode`` and ``keras.losses.CTC`` use with
their default ``mask_index=0``): class 0 is the **blank**, digit ``d`` is class ``d + 1``, so a model has
:data:`N_CLASSES` = 11 outputs. Targets of a batch are padded at the end with 0 (:func:`encode_batch`); with
``keras.ops.ctc_loss`` pass their lengths, ``keras.losses.CTC`` counts the non-zero labels itself.

* :func:`collapse` turns a frame-level path into a label sequence: first merge runs of the same symbol, then
  drop the blanks (so ``1 1 _ 1`` gives ``1 1``, and a blank is the only way to say a digit twice in a row).
* :func:`decoded_to_digits` reads ``keras.ops.ctc_decode``'s padded output (-1 after the labels) as strings.
* :func:`edit_distance` (Levenshtein: substitutions, deletions, insertions, each costing 1),
  :func:`edit_operations` (how many of each), :func:`digit_error_rate` (total edits / total reference digits,
  the character error rate of ``jiwer.cer`` on digit strings) and :func:`string_accuracy`.
"""
from __future__ import annotations

import numpy as np

from course_utils import validation

BLANK = 0
N_CLASSES = 11  # the blank + the digits 0-9


def _digit_string(name, value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string of digits such as '0391', got {type(value).__name__} {value!r}")
    if value and not (value.isascii() and value.isdigit()):
        raise ValueError(f"{name} must hold only the characters 0-9, got {value!r}")
    return value


def digits_to_labels(digits: str) -> np.ndarray:
    """``"390"`` -> ``[4, 10, 1]``: each digit d becomes class d + 1 (class 0 is the blank)."""
    return np.array([int(c) + 1 for c in _digit_string("digits", digits)], dtype=np.int32)


def labels_to_digits(labels) -> str:
    """The inverse of :func:`digits_to_labels`; -1 entries (``ctc_decode``'s padding) are skipped."""
    labels = np.asarray(labels).ravel()
    labels = labels[labels >= 0]
    if np.any(labels == BLANK) or np.any(labels >= N_CLASSES):
        raise ValueError(f"labels must be digit classes 1-10 (0 is the blank), got {labels.tolist()}")
    return "".join(str(int(label) - 1) for label in labels)


def encode_batch(digit_strings) -> tuple:
    """``(labels (B, L_max) int32 padded with 0, lengths (B,) int32)`` for a list of digit strings."""
    encoded = [digits_to_labels(s) for s in digit_strings]
    lengths = np.array([len(e) for e in encoded], dtype=np.int32)
    labels = np.zeros((len(encoded), max(lengths.max(initial=0), 1)), dtype=np.int32)
    for row, e in zip(labels, encoded):
        row[: len(e)] = e
    return labels, lengths


def collapse(path, blank: int = BLANK) -> np.ndarray:
    """CTC's many-to-one map B: merge repeated symbols, then remove blanks. ``[1, 1, 0, 1, 2, 2, 0]`` -> ``[1, 1, 2]``."""
    path = validation.real_array("path", path, ndim=1, expected="(T,)")
    if path.size and path.dtype.kind == "f" and not np.all(path == np.round(path)):
        raise ValueError("path must hold whole class indices")
    path = path.astype(np.int64)
    if path.size == 0:
        return path.astype(np.int32)
    keep = np.ones(path.size, dtype=bool)
    keep[1:] = path[1:] != path[:-1]
    merged = path[keep]
    return merged[merged != blank].astype(np.int32)


def decoded_to_digits(decoded) -> list:
    """Digit strings from ``keras.ops.ctc_decode(...)[0]`` (shape (top_paths, B, T) or (B, T), -1 padded);
    with several paths, the best (the first) is read."""
    decoded = np.asarray(decoded)
    if decoded.ndim == 3:
        decoded = decoded[0]
    if decoded.ndim != 2:
        raise ValueError(f"decoded must have shape (top_paths, B, T) or (B, T), got {decoded.shape}")
    return [labels_to_digits(row) for row in decoded]


def _table(reference, hypothesis) -> np.ndarray:
    n, m = len(reference), len(hypothesis)
    d = np.zeros((n + 1, m + 1), dtype=np.int64)
    d[:, 0] = np.arange(n + 1)
    d[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + (reference[i - 1] != hypothesis[j - 1]))
    return d


def _sequence(name, value):
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return list(np.asarray(value).ravel().tolist())
    raise TypeError(f"{name} must be a string or a sequence of labels, got {type(value).__name__} {value!r}")


def edit_distance(reference, hypothesis) -> int:
    """The Levenshtein distance: the fewest substitutions, deletions and insertions turning ``reference`` into
    ``hypothesis`` (strings or sequences of labels)."""
    reference, hypothesis = _sequence("reference", reference), _sequence("hypothesis", hypothesis)
    return int(_table(reference, hypothesis)[-1, -1])


def edit_operations(reference, hypothesis) -> dict:
    """``{"substitutions": S, "deletions": D, "insertions": I}`` of one optimal alignment: S + D + I is the edit
    distance. Ties between optimal alignments are broken towards substitutions, so the split can differ from
    jiwer's (``"12345"`` -> ``"21346"``: 3 substitutions here, 1 of each kind in jiwer; both cost 3)."""
    reference, hypothesis = _sequence("reference", reference), _sequence("hypothesis", hypothesis)
    d = _table(reference, hypothesis)
    i, j = len(reference), len(hypothesis)
    counts = {"substitutions": 0, "deletions": 0, "insertions": 0}
    while i > 0 or j > 0:
        if i > 0 and j > 0 and d[i, j] == d[i - 1, j - 1] + (reference[i - 1] != hypothesis[j - 1]):
            counts["substitutions"] += int(reference[i - 1] != hypothesis[j - 1])
            i, j = i - 1, j - 1
        elif i > 0 and d[i, j] == d[i - 1, j] + 1:
            counts["deletions"] += 1
            i -= 1
        else:
            counts["insertions"] += 1
            j -= 1
    return counts


def _pairs(references, hypotheses):
    references, hypotheses = list(references), list(hypotheses)
    if len(references) != len(hypotheses):
        raise ValueError(f"got {len(references)} references and {len(hypotheses)} hypotheses; they must pair up")
    if not references:
        raise ValueError("need at least one reference")
    return [(_digit_string("reference", r), _digit_string("hypothesis", h)) for r, h in zip(references, hypotheses)]


def digit_error_rate(references, hypotheses) -> float:
    """Total edit distance over total reference digits (jiwer's character error rate on digit strings)."""
    pairs = _pairs(references, hypotheses)
    total = sum(len(r) for r, _ in pairs)
    if total == 0:
        raise ValueError("the references hold no digits")
    return sum(edit_distance(r, h) for r, h in pairs) / total


def string_accuracy(references, hypotheses) -> float:
    """The fraction of utterances whose whole digit string is recognised exactly."""
    pairs = _pairs(references, hypotheses)
    return sum(r == h for r, h in pairs) / len(pairs)
