"""Chapter 13: collapsing a frame-level CTC path (repeats, then blanks), the edit distance of two digit strings, and
wiring the CTC loss of a batch (its cases and typical mistakes live in :mod:`._ctc_wiring`)."""
from __future__ import annotations

import numpy as np

from course_utils.exercises import _ctc_wiring as wiring
from course_utils.speech import ctc
from course_utils.exercises.framework import Case, Exercise, Mistake, Variant, register

# ------------------------------------------------------------------------------------------ CTC collapse


def collapse_ctc_path(path, blank):
    """CTC's many-to-one map: merge runs of the same class in the frame-level ``path`` (an int array), then remove
    the ``blank`` class. Returns the label sequence as an int array, e.g. ``[3, 3, 0, 3, 5, 5, 0]`` -> ``[3, 3, 5]``
    with ``blank=0``."""
    return ctc.collapse(path, blank)


def _runs(labels, rng, low=1, high=3):
    return [label for label in labels for _ in range(int(rng.integers(low, high + 1)))]


def _distinct_neighbours(rng, n, classes):
    """``n`` labels from ``classes`` with no two neighbours equal."""
    out = [int(rng.choice(classes))]
    while len(out) < n:
        label = int(rng.choice(classes))
        if label != out[-1]:
            out.append(label)
    return out


def _collapse_cases(seed: int = 13) -> list:
    """The cases; other seeds give cases of the same design (the property tests use them)."""
    rng = np.random.default_rng(seed)
    digits = list(range(1, 11))
    spaced = []  # distinct labels with a blank after some of them (at least one), each label one frame
    for i, label in enumerate(_distinct_neighbours(rng, 5, digits)):
        spaced += [label] + ([0] if i == 0 or rng.random() < 0.5 else [])
    a, b = _distinct_neighbours(rng, 2, digits)
    twice = [0] + [a] * int(rng.integers(1, 4)) + [0] * int(rng.integers(1, 3)) + [a] * int(rng.integers(1, 3)) + [b, b, 0]
    tail = _distinct_neighbours(rng, 4, list(range(1, 10)))
    last_blank = [10, 0] + [x for label in tail for x in (label, 10)]  # class 0 is a digit here, 10 the blank
    return [
        Case("blanks between different digits", "that the blanks are removed from the path",
             {"path": np.array(spaced), "blank": 0}),
        Case("repeated frames", "that a run of frames of the same class becomes one label",
             {"path": np.array(_runs(_distinct_neighbours(rng, 4, digits), rng, 2, 4)), "blank": 0}),
        Case("a digit said twice", "the order: repeats are merged first, then blanks removed, so a blank between two "
             "runs of the same class keeps both (a a _ a -> a a)", {"path": np.array(twice), "blank": 0}),
        Case("the blank is the last class", "that the `blank` argument is used (here 10, as in TensorFlow's beam "
             "search), and class 0 is an ordinary label", {"path": np.array(last_blank), "blank": 10}),
        Case("only blanks", "that a path of blanks collapses to an empty sequence",
             {"path": np.zeros(int(rng.integers(3, 7)), dtype=int), "blank": 0}),
    ]


def _collapse_blanks_first(path, blank):
    path = np.asarray(path)
    return ctc.collapse(path[path != blank], blank)


def _collapse_keeps_blanks(path, blank):
    path = np.asarray(path)
    keep = np.ones(len(path), dtype=bool)
    keep[1:] = path[1:] != path[:-1]
    return path[keep]


def _collapse_no_merge(path, blank):
    path = np.asarray(path)
    return path[path != blank]


def _collapse_blank_zero(path, blank):
    return ctc.collapse(path, 0)


COLLAPSE_MISTAKES = (
    Variant("merge the repeats before removing the blanks: removed first, the blank between two runs of the same "
            "digit no longer separates them.", _collapse_blanks_first),
    Variant("after merging the repeats, remove the blank class from the result.", _collapse_keeps_blanks),
    Variant("merge each run of equal classes into one label before removing the blanks.", _collapse_no_merge),
    Variant("use the `blank` argument instead of assuming the blank is class 0.", _collapse_blank_zero),
)

# ---------------------------------------------------------------------------------------------- edit distance


def digit_edit_distance(reference, hypothesis):
    """The Levenshtein distance between two digit strings: the fewest substitutions, deletions and insertions
    (each costing 1) that turn ``reference`` into ``hypothesis``. ``"4071"`` vs ``"471"`` is 1 (one deletion)."""
    return ctc.edit_distance(reference, hypothesis)


def _digits(rng, n) -> str:
    return "".join(str(d) for d in _distinct_neighbours(rng, n, list(range(10))))


def _edit_cases(seed: int = 31) -> list:
    """The cases; other seeds give cases of the same design (the property tests use them).

    Each edit sits where one typical mistake shows and the mistakes of the cases before it do not: a deletion and an
    insertion at the end need the moves up and left of the table (a position-by-position count still gets them
    right), inside they need the alignment (every later digit moves one place), and at the start they sit on the
    table's border (which a table without the insertion or deletion move still covers)."""
    rng = np.random.default_rng(seed)
    s = _digits(rng, int(rng.integers(5, 8)))
    k = int(rng.integers(len(s)))
    other = str((int(s[k]) + int(rng.integers(1, 10))) % 10)
    j = int(rng.integers(1, len(s) - 1))  # a deletion inside, between two different digits
    i = int(rng.integers(1, len(s)))  # an insertion inside, after digit i - 1 and before digit i ...
    extra = str(_other_digit(rng, s[i - 1], s[i]))  # ... of a digit equal to neither neighbour
    last = str(_other_digit(rng, s[-1]))
    first = str(_other_digit(rng, s[0]))
    swap = int(rng.integers(len(s) - 1))
    swapped = s[:swap] + s[swap + 1] + s[swap] + s[swap + 2:]
    return [
        Case("equal strings", "that equal strings are at distance 0", {"reference": s, "hypothesis": s}),
        Case("one substitution", "that changing one digit costs 1", {"reference": s, "hypothesis": s[:k] + other + s[k + 1:]}),
        Case("a deletion at the end", "deletions: the last digit missing costs 1 (the move down the table, "
             "d[i-1][j] + 1, away from its first column)", {"reference": s, "hypothesis": s[:-1]}),
        Case("an insertion at the end", "insertions: one extra digit after the last costs 1 (the move across the "
             "table, d[i][j-1] + 1, away from its first row)", {"reference": s, "hypothesis": s + last}),
        Case("a deletion inside", "the alignment: one digit missing costs 1, although every later digit moves one place",
             {"reference": s, "hypothesis": s[:j] + s[j + 1:]}),
        Case("an insertion inside", "the alignment: one extra digit costs 1, although every later digit moves one place",
             {"reference": s, "hypothesis": s[:i] + extra + s[i:]}),
        Case("an insertion at the start", "the table's first row: one extra digit in front costs 1",
             {"reference": s, "hypothesis": first + s}),
        Case("empty hypothesis", "the table's first column: deleting every digit costs the length",
             {"reference": s, "hypothesis": ""}),
        Case("two neighbours swapped", "that a swap of two neighbouring digits costs 2 (no transposition operation)",
             {"reference": s, "hypothesis": swapped}),
    ]


def _other_digit(rng, *avoid) -> int:
    """A digit equal to none of ``avoid`` (digit characters)."""
    return int(rng.choice([d for d in range(10) if str(d) not in avoid]))


def _levenshtein(reference, hypothesis, substitution=1, border=True, transposition=False, insertion=True,
                 deletion=True):
    n, m = len(reference), len(hypothesis)
    d = np.zeros((n + 1, m + 1), dtype=int)
    if border:
        d[:, 0], d[0, :] = np.arange(n + 1), np.arange(m + 1)
    big = n + m + 1  # a move left out of the minimum
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = 0 if reference[i - 1] == hypothesis[j - 1] else substitution
            d[i, j] = min(d[i - 1, j] + 1 if deletion else big, d[i, j - 1] + 1 if insertion else big,
                          d[i - 1, j - 1] + cost)
            if (transposition and i > 1 and j > 1 and reference[i - 1] == hypothesis[j - 2]
                    and reference[i - 2] == hypothesis[j - 1]):
                d[i, j] = min(d[i, j], d[i - 2, j - 2] + 1)
    return int(d[n, m])


def _edit_substitution_two(reference, hypothesis):
    return _levenshtein(reference, hypothesis, substitution=2)


def _edit_positionwise(reference, hypothesis):
    return sum(a != b for a, b in zip(reference, hypothesis)) + abs(len(reference) - len(hypothesis))


def _edit_zero_border(reference, hypothesis):
    return _levenshtein(reference, hypothesis, border=False)


def _edit_transposition(reference, hypothesis):
    return _levenshtein(reference, hypothesis, transposition=True)


def _edit_no_insertion(reference, hypothesis):
    """Mistake: the minimum leaves out the move across the table (an insertion), so only extra digits in front (the
    first row) are counted as insertions."""
    return _levenshtein(reference, hypothesis, insertion=False)


def _edit_no_deletion(reference, hypothesis):
    """Mistake: the minimum leaves out the move down the table (a deletion), so only missing digits at the start
    (the first column) are counted as deletions."""
    return _levenshtein(reference, hypothesis, deletion=False)


def _edit_length_only(reference, hypothesis):
    return abs(len(reference) - len(hypothesis))


EDIT_MISTAKES = (
    Variant("a substitution costs 1 (one changed digit), not 2 (a deletion plus an insertion).", _edit_substitution_two),
    Variant("comparing position by position counts every digit after a deletion or insertion as wrong: take the "
            "minimum over alignments (the dynamic-programming table).", _edit_positionwise),
    Variant("start the first row and column at 0, 1, 2, ...: turning i digits into nothing costs i.", _edit_zero_border),
    Variant("a swap of two neighbouring digits is two substitutions here: the Levenshtein distance has no "
            "transposition step.", _edit_transposition),
    Variant("the distance counts changed digits too, not only the difference in length.", _edit_length_only),
    Variant("an extra digit (an insertion) costs 1 anywhere, not only in front: the minimum needs the move across "
            "the table too, d[i][j-1] + 1, besides d[i-1][j] + 1 and d[i-1][j-1] + cost.", _edit_no_insertion),
    Variant("a missing digit (a deletion) costs 1 anywhere, not only at the start: the minimum needs the move down "
            "the table too, d[i-1][j] + 1, besides d[i][j-1] + 1 and d[i-1][j-1] + cost.", _edit_no_deletion),
)

EDIT_WRONG_ANSWERS = [  # each typical mistake and the case that catches it first (the hint names the mistake)
    Mistake(_edit_substitution_two, "one substitution", "costs 1 (one changed digit)"),
    Mistake(_edit_length_only, "one substitution", "not only the difference in length"),
    Mistake(_edit_no_deletion, "a deletion at the end", "the move down the table"),
    Mistake(_edit_no_insertion, "an insertion at the end", "the move across the table"),
    Mistake(_edit_positionwise, "a deletion inside", "position by position"),
    Mistake(_edit_zero_border, "an insertion at the start", "first row and column"),
    Mistake(_edit_transposition, "two neighbours swapped", "no transposition"),
]


register(Exercise("collapse_ctc_path", "Collapsing a CTC path: repeats, then blanks", collapse_ctc_path,
                  _collapse_cases, variants=COLLAPSE_MISTAKES,
                  mistakes=[Mistake(lambda path, blank: np.unique(np.asarray(path)[np.asarray(path) != blank]),
                                    "blanks between different digits", "This case checks that the blanks are removed")]))
register(Exercise("digit_edit_distance", "The edit distance between two digit strings", digit_edit_distance,
                  _edit_cases, variants=EDIT_MISTAKES, mistakes=EDIT_WRONG_ANSWERS))


# ------------------------------------------------------------------------------------------ the batch CTC loss

ctc_batch_loss = wiring.ctc_batch_loss

CTC_LOSS_MISTAKES = (
    Variant("the batch loss is one number: the mean of the per-utterance losses that keras.ops.ctc_loss returns "
            "(keras.ops.mean).", wiring.per_utterance),
    Variant("take the mean over the batch, not the sum: the loss (and the gradient step) should not grow with the "
            "batch size.", wiring.summed),
    Variant("pass the logits as they are: ctc_loss applies the log-softmax itself, so probabilities from a softmax "
            "are normalised twice (log-probabilities would give the same loss).", wiring.softmax_first),
    Variant("class 0 is the blank here (keras.ops.ctc_loss's default mask_index=0; tf.nn.ctc_loss needs "
            "blank_index=0), not the last class.", wiring.blank_last),
    Variant("the logits are batch first, (B, T, classes): tf.nn.ctc_loss reads them time first unless "
            "logits_time_major=False (keras.ops.ctc_loss expects batch first).", wiring.time_major),
    Variant("pass each utterance's own output length: with all T' frames of the padded batch, the frames after a "
            "short utterance are scored as speech (keras.losses.CTC does that: it always uses every frame).",
            wiring.padded_logit_lengths),
    Variant("the logits have fewer frames than the input: divide each frame count by the strides of the two "
            "Conv1D layers (ceil(ceil(T / 2) / 2), speech_model.output_lengths) before passing it as logit_length.",
            wiring.input_frame_lengths),
    Variant("round up: with padding=\"same\" a stride-2 layer turns T frames into ceil(T / 2) (its last window is "
            "partly padding), so T // 4 loses an output frame whenever T is not a multiple of 4.", wiring.rounded_down),
    Variant("pass label_lengths: with the padded width, the 0s after a short string are read as labels (and 0 is "
            "the blank).", wiring.padded_label_lengths),
)

# Seconds per case: on Keras's JAX backend keras.ops.ctc_loss compiles once per new input shape (1.8 s measured on the
# course's machine, more when it is busy), and every case has a shape of its own; the default 5 s is for plain NumPy.
CTC_TIME_LIMIT = 30.0

register(Exercise("ctc_batch_loss", "The CTC loss of a batch: logits, padded labels, frame counts and string lengths",
                  wiring.cached_solution, wiring.make_cases, atol=1e-4, rtol=1e-4, variants=CTC_LOSS_MISTAKES,
                  time_limit=CTC_TIME_LIMIT,
                  mistakes=[Mistake(wiring.per_utterance, "uniform scores", "mean of the per-utterance losses"),
                            Mistake(wiring.summed, "uniform scores", "not the sum"),
                            Mistake(wiring.softmax_first, "scores, not probabilities", "pass the logits as they are"),
                            Mistake(wiring.blank_last, "the blank is class 0", "class 0 is the blank"),
                            Mistake(wiring.time_major, "batch first", "logits_time_major=False"),
                            Mistake(wiring.padded_logit_lengths, "shorter utterances", "own output length"),
                            Mistake(wiring.input_frame_lengths, "shorter utterances", "divide each frame count"),
                            Mistake(wiring.rounded_down, "frames not a multiple of 4", "round up"),
                            Mistake(wiring.padded_label_lengths, "shorter digit strings", "pass label_lengths")]))
