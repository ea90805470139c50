"""Real review sentences: Sentiment Labelled Sentences (Kotzias, Denil, de Freitas, Smyth, KDD 2015; UCI Machine
Learning Repository, dataset 331; CC BY 4.0), for binary sentiment classification.

1,000 sentences from each of three sites (:data:`SITES`: Amazon product reviews, IMDB film reviews, Yelp
restaurant reviews), labelled 1 (positive) or 0 (negative), 500 of each per site. Found and verified by
:mod:`course_utils.datasets.real` (by their parsed records, see there). Sentences are returned as they are in the
files (surrounding white space stripped); they are real user text and may contain offensive words.

**Duplicates.** 18 sentences occur twice (17 within one site, one in two sites; never with two labels). Only the
first occurrence is kept (files in :data:`SITES` order, lines in file order): 2,982 unique sentences, so no
split shares a sentence with another.

**Splits, fixed here before any model was trained** (:func:`load_sentences`):

* ``split="random"``: the 2,982 sentences shuffled with ``numpy.random.default_rng(seed)`` and cut 70 / 15 / 15
  (2,087 train, 447 validation, 448 test with the default ``seed=0``);
* ``split="site"``: train on two sites, test on the third (``test_site``): the test split is every sentence of the
  test site; the other two sites' sentences are shuffled with ``seed`` and 15% of them become validation
  (with ``seed=0``: test on amazon 1,693 / 299 / 990; on imdb 1,688 / 298 / 996; on yelp 1,688 / 298 / 996).

Each text's tag in :class:`.text_classification.TextSplit` is its site (``"amazon"``, ``"imdb"``, ``"yelp"``).
"""
from __future__ import annotations


import numpy as np

from course_utils import validation
from course_utils.datasets import real
from course_utils.datasets.sources import announce, check_source, split_indices
from course_utils.datasets.text_classification import TextClassificationData, TextSplit

NAME = "uci-sentiment"
SITES = {"amazon": "amazon_cells_labelled.txt", "imdb": "imdb_labelled.txt", "yelp": "yelp_labelled.txt"}
SPLITS = ("random", "site")
VALIDATION_SHARE_BY_SITE = 0.15


def records_from(contents: dict) -> list:
    """(text, label, site) of every unique sentence, first occurrence kept, in :data:`SITES` and file order."""
    seen, out = set(), []
    for site, filename in SITES.items():
        for text, label in real.labelled_records(contents[filename]):
            if text not in seen:
                seen.add(text)
                out.append((text, label, site))
    return out


def _split(rows: list) -> TextSplit:
    return TextSplit([r[0] for r in rows], np.array([r[1] for r in rows]), [r[2] for r in rows])


def split_records(records: list, split: str, test_site: str, seed: int) -> tuple:
    """(train, validation, test) lists of records under the declared split (see the module's docstring)."""
    if split == "random":
        parts = split_indices(len(records), (0.7, 0.15, 0.15), seed)
        return tuple([records[i] for i in idx] for idx in parts)
    rest = [r for r in records if r[2] != test_site]
    val_idx, train_idx = split_indices(len(rest), (VALIDATION_SHARE_BY_SITE, 1 - VALIDATION_SHARE_BY_SITE), seed)
    return [rest[i] for i in train_idx], [rest[i] for i in val_idx], [r for r in records if r[2] == test_site]


def load_sentences(source: str = "auto", split: str = "random", test_site: str = "yelp", seed: int = 0,
                   fallback_args: dict | None = None) -> TextClassificationData:
    """The UCI review sentences as a :class:`TextClassificationData` (train / validation / test).

    ``split``: ``"random"`` or ``"site"`` (train on the two sites other than ``test_site``, test on it); see the
    module's docstring. ``source``: ``"auto"`` (the verified real data if found or downloadable, else one line
    saying why and the offline review corpus of :func:`.text_classification.load_reviews`, called with
    ``fallback_args``), ``"uci-sentiment"`` (the real data or :class:`.real.DataUnavailable`) or ``"offline"``.
    """
    check_source(source, NAME)
    split = validation.option("split", split, SPLITS)
    test_site = validation.option("test_site", test_site, tuple(SITES))
    seed = validation.integer("seed", seed, minimum=0)
    where, contents, reason = real.try_load(NAME, source)
    if contents is not None:
        parts = [_split(p) for p in split_records(records_from(contents), split, test_site, seed)]
        how = "random split" if split == "random" else f"by site, test on {test_site}"
        announce(f"UCI sentiment sentences ({where}, verified; {how}): {len(parts[0])} train, "
                 f"{len(parts[1])} validation, {len(parts[2])} test")
        return TextClassificationData(*parts, source=f"UCI sentiment sentences ({how})")
    from course_utils.datasets.text_classification import load_reviews

    return real.fall_back("UCI sentiment sentences", reason, load_reviews, source="offline", **(fallback_args or {}))
