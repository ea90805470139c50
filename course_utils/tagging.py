"""Sequence labelling (chapter 12): BIO tags and entity spans, token features, a gazetteer, masked token
accuracy, batches of sentences of similar length, entity-level scores with seqeval, and the error analysis of a tagger.

BIO: the first token of an entity of type X is tagged ``B-X``, the following tokens of the same entity ``I-X``,
every other token ``O``. Spans are ``(type, start, end)`` with ``end`` exclusive (``tokens[start:end]``). An
``I-X`` after ``O`` or after another type starts a new entity, as conlleval and seqeval's default mode read it.
"""
from __future__ import annotations

import html
from collections import Counter

import numpy as np

PAD, UNKNOWN = "[PAD]", "[UNK]"


# ------------------------------------------------------------------------------------------- tags and spans

def bio_to_spans(tags) -> list:
    """The entities of one BIO-tagged sentence: a list of ``(type, start, end)``, ``end`` exclusive, in order.

    ``tags``: a sequence of strings such as ``["B-LOC", "I-LOC", "O"]``. ``B-X`` always starts an entity; ``I-X``
    continues an entity of type X and starts one after ``O`` or after an entity of another type.
    """
    spans, kind, start = [], None, 0
    for position, tag in enumerate(list(tags) + ["O"]):
        prefix, _, label = str(tag).partition("-")
        continues = prefix == "I" and label == kind
        if kind is not None and not continues:
            spans.append((kind, start, position))
            kind = None
        if prefix in ("B", "I") and not continues:
            kind, start = label, position
    return spans


def spans_to_bio(spans, length) -> list:
    """BIO tags (a list of ``length`` strings) for entities given as ``(type, start, end)``, ``end`` exclusive."""
    tags = ["O"] * int(length)
    for kind, start, end in spans:
        for position in range(int(start), int(end)):
            tags[position] = ("B-" if position == start else "I-") + str(kind)
    return tags


def masked_token_accuracy(y_true, scores, mask) -> float:
    """Share of real tokens whose highest-scoring tag is the true one: padded steps (``mask`` false or 0) left out.

    ``y_true``: (B, T) tag ids; ``scores``: (B, T, C) scores or probabilities per tag; ``mask``: (B, T). All real
    tokens of the batch count equally (a long sentence weighs more than a short one).
    """
    real = np.asarray(mask).astype(bool)
    correct = (np.asarray(scores).argmax(axis=-1) == np.asarray(y_true)) & real
    return float(correct.sum() / real.sum())


def length_batches(lengths, batch_size: int, edges, rng) -> list:
    """Batches of sentences of similar length, for training on post-padded arrays without running over long padding.

    ``lengths``: the number of real tokens of each sentence; ``edges``: increasing bucket widths, the last at least the
    longest sentence. Each sentence goes to the narrowest bucket that holds it; each bucket is shuffled with ``rng``
    (a ``numpy.random.Generator``) and cut into batches of ``batch_size``, and the batches are shuffled. Returns a list
    of ``(row indices, width)``: train on ``array[rows, :width]``. Few distinct widths keep Keras from retracing often.
    """
    lengths, edges = np.asarray(lengths), sorted(int(e) for e in edges)
    if lengths.size == 0 or lengths.max() > edges[-1]:
        raise ValueError(f"the last edge ({edges[-1]}) must be at least the longest length ({lengths.max(initial=0)})")
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    bucket = np.searchsorted(edges, lengths)  # the first edge >= the length
    batches = []
    for b, width in enumerate(edges):
        rows = rng.permutation(np.flatnonzero(bucket == b))
        batches += [(rows[i:i + int(batch_size)], width) for i in range(0, len(rows), int(batch_size))]
    return [batches[i] for i in rng.permutation(len(batches))]


# ------------------------------------------------------------------------------------------- token features

def shape(token: str) -> str:
    """A coarse word shape: "Xx" (capitalised), "x", "X", "d" (digits), "d.d" (number with separators), "." (symbol)."""
    if token.isdigit():
        return "d"
    if any(c.isdigit() for c in token):
        return "d.d"
    if token.isalpha() or "-" in token or "'" in token:
        if token.isupper() and len(token) > 1:
            return "X"
        return "Xx" if token[:1].isupper() else "x"
    return "."


def suffix(token: str, n: int = 3) -> str:
    """The last ``n`` characters of the lower-cased token (the whole token when shorter)."""
    return token.lower()[-n:]


class Vocabulary:
    """Index of strings for an Embedding: 0 is padding, 1 unknown, then the strings seen ``min_count`` times or more."""

    def __init__(self, sequences, min_count: int = 1):
        counts = Counter(item for sequence in sequences for item in sequence)
        self.items = [PAD, UNKNOWN] + sorted(k for k, v in counts.items() if v >= min_count)
        self.index = {item: i for i, item in enumerate(self.items)}

    def __len__(self):
        return len(self.items)

    def encode(self, sequences, length: int) -> np.ndarray:
        """(N, length) int32 ids, post-padded with 0 and cut at ``length``; unknown items get 1."""
        out = np.zeros((len(sequences), length), dtype="int32")
        for row, sequence in enumerate(sequences):
            ids = [self.index.get(item, 1) for item in sequence[:length]]
            out[row, :len(ids)] = ids
        return out


def window_features(tokens, position: int, width: int = 2) -> dict:
    """Features of one token for a linear tagger: the lower-cased words and shapes of a window of ``width``
    tokens on each side, and the token's character n-grams (prefixes and suffixes of 1-4 characters and the
    character trigrams of the lower-cased word)."""
    word = tokens[position]
    lower = word.lower()
    features = {"bias": 1.0, f"shape={shape(word)}": 1.0}
    for offset in range(-width, width + 1):
        j = position + offset
        other = tokens[j].lower() if 0 <= j < len(tokens) else ("<s>" if j < 0 else "</s>")
        features[f"w[{offset}]={other}"] = 1.0
        if offset and 0 <= j < len(tokens):
            features[f"shape[{offset}]={shape(tokens[j])}"] = 1.0
    for n in range(1, 5):
        features[f"prefix={lower[:n]}"] = 1.0
        features[f"suffix={lower[-n:]}"] = 1.0
    padded = f"^{lower}$"
    for i in range(len(padded) - 2):
        features[f"tri={padded[i:i + 3]}"] = 1.0
    return features


# ------------------------------------------------------------------------------------------- the gazetteer

class Gazetteer:
    """Tags a sentence by looking up entity strings remembered from training (longest match first, left to right).

    ``entities``: iterable of (type, tuple of tokens). A string seen with several types keeps the most frequent.
    It can only find strings it has seen: on entity strings absent from training it finds nothing by construction.
    """

    def __init__(self, entities):
        votes = {}
        for kind, words in entities:
            votes.setdefault(tuple(words), Counter())[kind] += 1
        self.table = {words: counter.most_common(1)[0][0] for words, counter in votes.items()}
        self.longest = max((len(w) for w in self.table), default=0)

    def tag(self, tokens) -> list:
        tags, position = ["O"] * len(tokens), 0
        while position < len(tokens):
            for size in range(min(self.longest, len(tokens) - position), 0, -1):
                kind = self.table.get(tuple(tokens[position:position + size]))
                if kind is not None:
                    tags[position:position + size] = spans_to_bio([(kind, 0, size)], size)
                    position += size
                    break
            else:
                position += 1
        return tags


# ------------------------------------------------------------------------------------------- scores and errors

def entity_scores(true_tags, predicted_tags, types) -> dict:
    """Entity-level precision, recall and F1 (seqeval, default mode): {"overall": {...}, type: {...}, ...}.

    An entity counts as found only when its type and both boundaries are right. Per type, precision is the share of
    its predicted entities that are right, recall the share of its gold entities found. A ratio with nothing to
    count is handled as follows, the same for every type and every model:

    * a type absent from the gold tags has NaN recall and NaN F1 (there is nothing to find); its precision is 0
      when the tagger predicted entities of that type anyway (every one is wrong), NaN when it predicted none;
    * a type in the gold tags that the tagger never predicts gets precision 0, recall 0 and F1 0 (seqeval with
      ``zero_division=0``), as does "overall" when nothing is predicted at all.

    (seqeval alone would give 0 instead of NaN to a type absent from the gold tags as soon as it is predicted once,
    so the same absent type would score NaN in one run and 0 in another.)
    """
    from seqeval.metrics import classification_report

    report = classification_report(true_tags, predicted_tags, output_dict=True, zero_division=0)
    out = {"overall": {k: report["micro avg"][m] for k, m in
                       (("precision", "precision"), ("recall", "recall"), ("f1", "f1-score"))}}
    for kind in types:
        row = report.get(kind)
        if row is not None and row["support"] > 0:
            out[kind] = {"precision": row["precision"], "recall": row["recall"], "f1": row["f1-score"]}
        else:  # no gold entity of this type; a row with support 0 means it was predicted
            out[kind] = {"precision": 0.0 if row is not None else np.nan, "recall": np.nan, "f1": np.nan}
    return out


def span_outcomes(true_tags, predicted_tags) -> Counter:
    """What happened to each gold entity: "correct", "type X as Y" (same boundaries, wrong type), "boundary"
    (overlapping prediction with other boundaries), or "missed" (no overlapping prediction)."""
    outcomes = Counter()
    for gold_tags, guess_tags in zip(true_tags, predicted_tags):
        guesses = bio_to_spans(guess_tags)
        by_bounds = {(s, e): k for k, s, e in guesses}
        for kind, start, end in bio_to_spans(gold_tags):
            if (start, end) in by_bounds:
                guess = by_bounds[(start, end)]
                outcomes["correct" if guess == kind else f"{kind} as {guess}"] += 1
            elif any(s < end and start < e for _, s, e in guesses):
                outcomes["boundary"] += 1
            else:
                outcomes["missed"] += 1
    return outcomes


def tag_confusions(true_tags, predicted_tags) -> Counter:
    """Counts of (true tag, predicted tag) over all tokens where they differ."""
    return Counter((t, p) for gold, guess in zip(true_tags, predicted_tags) for t, p in zip(gold, guess) if t != p)


def boundary_errors(true_tags, predicted_tags) -> dict:
    """Token errors that only swap B and I of the same type ("B as I", "I as B"), and all other token errors."""
    counts = {"B as I": 0, "I as B": 0, "other": 0}
    for (t, p), n in tag_confusions(true_tags, predicted_tags).items():
        if t != "O" and p != "O" and t[2:] == p[2:]:
            counts["B as I" if t.startswith("B-") else "I as B"] += n
        else:
            counts["other"] += n
    return counts


PALETTE = {"LOC": "#0072B2", "LANGUAGE": "#E69F00", "CURRENCY": "#009E73", "MONEY": "#CC79A7",
           "DATE": "#56B4E9", "QUANTITY": "#D55E00"}  # Okabe-Ito: distinguishable with colour-vision deficiencies


def highlight_html(tokens, tags) -> str:
    """One sentence as HTML with its entities highlighted and labelled with their type (Okabe-Ito colours)."""
    pieces, position = [], 0
    for kind, start, end in bio_to_spans(tags):
        pieces += [html.escape(t) for t in tokens[position:start]]
        colour = PALETTE.get(kind, "#999999")
        text = html.escape(" ".join(tokens[start:end]))
        pieces.append(f'<span style="border:2px solid {colour};border-radius:4px;padding:0 3px">{text} '
                      f'<b style="color:{colour};font-size:75%">{kind}</b></span>')
        position = end
    pieces += [html.escape(t) for t in tokens[position:]]
    return " ".join(pieces)
