"""Sentiment classification: IMDB reviews (Maas et al. 2011; research use) when cached or downloadable, else the
offline review grammar of :mod:`.corpora.reviews` (generated here; MIT, like this package)."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_utils import validation
from course_utils.datasets import cache, extract
from course_utils.datasets.sources import announce, check_source, register_remote, split_indices, try_canonical

register_remote(cache.Remote(
    "imdb", "aclImdb_v1.tar.gz", "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
    sha256="c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe", size=84_125_825,
    description="IMDB movie reviews, 50,000 labelled (Maas et al. 2011); SHA-256 as recorded by TFDS",
))


@dataclass
class TextSplit:
    """Texts with integer labels (1 positive, 0 negative) and a phenomenon tag per text."""

    texts: list
    labels: np.ndarray
    tags: list

    def __len__(self):
        return len(self.texts)


@dataclass
class TextClassificationData:
    train: TextSplit
    val: TextSplit
    test: TextSplit
    source: str


def load_reviews(source: str = "auto", size: int | None = None, seed: int = 0) -> TextClassificationData:
    """Film reviews for binary sentiment classification, as train / validation / test splits.

    ``source``: ``"auto"`` (IMDB when cached or downloadable, else the offline corpus), ``"imdb"`` or ``"offline"``.
    ``size``: total number of reviews of the offline corpus (default 30,000, split 70/15/15); ignored for IMDB
    (25,000 train reviews of which 20% become validation, 25,000 test). Splits share no text.
    Offline tags: ``plain``, ``negation``, ``contrast``, ``long-distance``; IMDB texts are tagged ``imdb``.
    Review lengths: offline about 9-370 whitespace tokens (median about 36); IMDB about 10-2,500 (median about 175).
    """
    check_source(source, "imdb")
    size = validation.integer("size", size, minimum=20, allow_none=True)
    seed = validation.integer("seed", seed, minimum=0)
    archive, reason = try_canonical("imdb", source)
    if archive is not None:
        try:
            data = _imdb(archive, seed)
        except cache.CacheError as error:  # the archive is fine but cannot be extracted next to it
            if source != "auto":
                raise
            reason = f"{error.reason}; set COURSE_CACHE_DIR to fix it"
        except extract.UnsafeArchiveError as error:  # unsafe, too large or damaged: nothing was extracted
            if source != "auto":
                raise
            reason = str(error) if archive.name in str(error) else f"{archive.name}: {error}"
        else:
            announce(f"IMDB reviews (cached): {len(data.train)} train, {len(data.val)} validation, {len(data.test)} test")
            return data
    from course_utils.datasets.corpora.reviews import generate_reviews

    size = 30_000 if size is None else size
    texts, labels, tags = generate_reviews(size, seed=seed)
    parts = split_indices(len(texts), (0.7, 0.15, 0.15), seed)
    splits = [TextSplit([texts[i] for i in idx], np.array([labels[i] for i in idx]), [tags[i] for i in idx]) for idx in parts]
    data = TextClassificationData(*splits, source="offline review corpus")
    announce(f"offline review corpus ({reason}): {len(splits[0])} train, {len(splits[1])} validation, {len(splits[2])} test")
    return data


def _imdb(archive: Path, seed: int) -> TextClassificationData:
    folder = archive.parent / "aclImdb"
    if not folder.is_dir():
        with cache.in_cache_dir(archive.parent, f"extracting {archive.name}"):
            # one atomic rename of the archive's aclImdb/ folder; an interrupted extraction leaves only a staging
            # folder that the next call removes (and the old two-step extraction's leftover is removed here)
            shutil.rmtree(archive.parent / "aclImdb_extracted", ignore_errors=True)
            with extract.reading(archive):  # a damaged archive: DamagedArchiveError, not a raw EOFError
                cache.safe_extract(archive, folder, subfolder="aclImdb")

    def read(split):
        texts, labels = [], []
        for label, name in ((1, "pos"), (0, "neg")):
            for path in sorted((folder / split / name).glob("*.txt")):
                texts.append(path.read_text(encoding="utf-8").replace("<br />", " "))
                labels.append(label)
        return texts, labels

    train_texts, train_labels = read("train")
    test_texts, test_labels = read("test")
    val_idx, train_idx = split_indices(len(train_texts), (0.2, 0.8), seed)
    train_set = {train_texts[i] for i in train_idx}
    val = [(train_texts[i], train_labels[i]) for i in val_idx if train_texts[i] not in train_set]
    seen = train_set | {t for t, _ in val}
    test = [(t, l) for t, l in zip(test_texts, test_labels) if t not in seen]

    def make(rows):
        return TextSplit([t for t, _ in rows], np.array([l for _, l in rows]), ["imdb"] * len(rows))

    return TextClassificationData(make([(train_texts[i], train_labels[i]) for i in train_idx]), make(val), make(test), "IMDB reviews")
