"""Translation: the Tatoeba/Anki English-Spanish pairs (``spa-eng.zip`` as in the TensorFlow tutorial;
CC-BY 2.0 FR) when cached or downloadable, else the Babel/num2words phrase corpus of :mod:`.corpora.phrases`
(CLDR data: Unicode licence)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_utils import validation
from course_utils.datasets import cache, extract
from course_utils.datasets.sources import announce, check_source, register_remote, split_indices, try_canonical

register_remote(cache.Remote(
    "spa-eng", "spa-eng.zip", "http://storage.googleapis.com/download.tensorflow.org/data/spa-eng.zip",
    description="Tatoeba/Anki English-Spanish pairs; no published checksum: the hash of the first download is recorded",
))


@dataclass
class PairSplit:
    """(english, spanish) pairs and the kind of each pair."""

    pairs: list
    kinds: list

    def __len__(self):
        return len(self.pairs)


@dataclass
class TranslationData:
    train: PairSplit
    val: PairSplit
    test: PairSplit
    source: str


def load_translation_pairs(source: str = "auto", size: int | None = None, seed: int = 0) -> TranslationData:
    """English-to-Spanish sentence pairs as train / validation / test splits (80/10/10, seeded, no pair in two splits).

    ``source``: ``"auto"`` (Tatoeba/Anki ``spa-eng`` when cached or downloadable, else the offline phrase corpus),
    ``"spa-eng"`` or ``"offline"``. ``size``: number of pairs of the offline corpus (default 40,000); for spa-eng the
    first ``size`` pairs after a seeded shuffle (default all, about 118,000). English sides are unique.
    """
    check_source(source, "spa-eng")
    size = validation.integer("size", size, minimum=20, allow_none=True)
    seed = validation.integer("seed", seed, minimum=0)
    archive, reason = try_canonical("spa-eng", source)
    lines = None
    if archive is not None:
        try:  # under the extraction cap; a too large member or a broken zip falls back (auto) or raises (spa-eng)
            with extract.reading(archive):
                lines = extract.read_zip_member(archive, lambda n: n.endswith("spa.txt"))[1].decode("utf-8").splitlines()
        except extract.UnsafeArchiveError as error:
            if source != "auto":
                raise
            reason = str(error)
    if lines is not None:
        pairs, seen = [], set()
        for line in lines:
            parts = line.split("\t")
            if len(parts) >= 2 and parts[0] not in seen:
                seen.add(parts[0])
                pairs.append((parts[0], parts[1]))
        order = np.random.default_rng(seed).permutation(len(pairs))[: size or len(pairs)]
        pairs, kinds = [pairs[i] for i in order], ["tatoeba"] * len(order)
        label = "Tatoeba/Anki spa-eng (cached)"
    else:
        from course_utils.datasets.corpora.phrases import generate_pairs

        size = 40_000 if size is None else size
        pairs, kinds = generate_pairs(size, seed=seed)
        label = f"offline phrase corpus ({reason})"
    parts = split_indices(len(pairs), (0.8, 0.1, 0.1), seed)
    splits = [PairSplit([pairs[i] for i in idx], [kinds[i] for i in idx]) for idx in parts]
    announce(f"{label}: {len(splits[0])} train, {len(splits[1])} validation, {len(splits[2])} test pairs")
    return TranslationData(*splits, source=label.split(" (")[0])
