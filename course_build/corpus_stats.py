"""Summary statistics of text corpora: sizes, vocabularies, lengths, class balance and tag counts."""
from __future__ import annotations

from collections import Counter

import numpy as np

def _lengths(texts) -> dict:
    lengths = np.array([len(t.split()) for t in texts])
    return {
        "min": int(lengths.min()), "median": float(np.median(lengths)), "mean": round(float(lengths.mean()), 1),
        "p95": float(np.percentile(lengths, 95)), "max": int(lengths.max()),
    }


def text_stats(texts, labels=None, tags=None) -> dict:
    """Size, vocabulary (lower-cased whitespace tokens), length statistics in tokens, class balance and tag counts."""
    texts = list(texts)
    if not texts:
        raise ValueError("text_stats needs at least one text")
    stats = {
        "size": len(texts),
        "vocabulary": len({w for t in texts for w in t.lower().split()}),
        "length_tokens": _lengths(texts),
    }
    if labels is not None:
        labels = np.asarray(labels)
        if len(labels) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(labels)} labels")
        stats["positive_share"] = round(float(labels.mean()), 3)
    if tags is not None:
        stats["tags"] = dict(sorted(Counter(tags).items()))
    return stats


def pair_stats(pairs, kinds=None) -> dict:
    """Size, and for each side the vocabulary and length statistics in tokens; kind counts when given."""
    pairs = list(pairs)
    if not pairs:
        raise ValueError("pair_stats needs at least one pair")
    stats = {"size": len(pairs)}
    for index, side in enumerate(("english", "spanish")):
        texts = [p[index] for p in pairs]
        stats[side] = {"vocabulary": len({w for t in texts for w in t.lower().split()}), "length_tokens": _lengths(texts)}
    if kinds is not None:
        stats["kinds"] = dict(sorted(Counter(kinds).items()))
    return stats
