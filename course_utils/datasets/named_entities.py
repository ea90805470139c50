"""Named entities: BIO-tagged sentences generated offline from CLDR inventories (Babel) and the phrase corpus
(:mod:`.corpora.entities`; CLDR data: Unicode licence). No canonical download: the corpus is the data.

The split holds out entity *strings*: a seeded share of every type's strings is used only in ``test_unseen``,
so that split measures whether a tagger recognises entities it has never seen, not whether it remembers them.
``train``, ``val`` and ``test_seen`` draw from the other strings (``test_seen``: new sentences, known strings).
``test_new_frames`` (added later, from its own seed, so the other splits are unchanged) holds out sentence *frames*
as well: held-out strings in frames that no other split uses (:data:`.corpora.entities.HELD_OUT_LEFT_FRAMES` and
``HELD_OUT_RIGHT_FRAMES``), so it asks whether a tagger handles new names in new sentences, not new fillings of
training templates.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from course_utils import validation
from course_utils.datasets.corpora.entities import TYPES, TaggedSentence, generate_sentences, inventories
from course_utils.datasets.sources import announce


@dataclass
class TaggedSplit:
    """Sentences as parallel lists: tokens, BIO tags, frame names, right-context flags, entities per sentence."""

    tokens: list
    tags: list
    frames: list
    right: list
    entities: list

    def __len__(self):
        return len(self.tokens)

    @classmethod
    def of(cls, sentences: list) -> "TaggedSplit":
        return cls([s.tokens for s in sentences], [s.tags for s in sentences], [s.frame for s in sentences],
                   [s.right for s in sentences], [s.entities for s in sentences])

    def type_counts(self) -> dict:
        """Number of entities of each type, in :data:`TYPES` order."""
        counts = Counter(kind for sentence in self.entities for kind, *_ in sentence)
        return {kind: counts.get(kind, 0) for kind in TYPES}


@dataclass
class EntityData:
    train: TaggedSplit
    val: TaggedSplit
    test_seen: TaggedSplit
    test_unseen: TaggedSplit
    test_new_frames: TaggedSplit  # held-out strings in held-out frames
    held_out: dict  # type -> set of the entity strings that appear only in test_unseen
    seen: dict  # type -> set of the entity strings the other splits draw from
    source: str = "offline entity corpus"


def load_entities(size: int | None = None, eval_size: int | None = None, seed: int = 0,
                  unseen_fraction: float = 0.3) -> EntityData:
    """BIO-tagged sentences for named-entity recognition: train / validation / test (seen) / test (unseen strings) /
    test (unseen strings in held-out frames).

    ``size``: training sentences (default 6,000); ``eval_size``: sentences in each of the four other splits
    (default ``size // 6``). ``unseen_fraction``: share of every type's entity strings held out for
    ``test_unseen`` (seeded by ``seed``; no held-out string occurs in any other split). Types: :data:`TYPES`.
    """
    size = validation.integer("size", size, minimum=10, allow_none=True)
    size = 6000 if size is None else size
    eval_size = validation.integer("eval_size", eval_size, minimum=1, allow_none=True)
    eval_size = max(1, size // 6) if eval_size is None else eval_size
    seed = validation.integer("seed", seed, minimum=0)
    unseen_fraction = validation.real_number("unseen_fraction", unseen_fraction)
    if not 0 < unseen_fraction < 1:
        raise ValueError(f"unseen_fraction must be between 0 and 1 (exclusive), got {unseen_fraction}")
    pools = inventories(seed=seed)
    r = random.Random(seed)
    seen, held_out = {}, {}
    for kind in TYPES:
        strings = list(pools[kind])
        r.shuffle(strings)
        cut = int(round(unseen_fraction * len(strings)))
        held_out[kind], seen[kind] = sorted(strings[:cut]), sorted(strings[cut:])
    parts = [generate_sentences(size, seen, seed=seed), generate_sentences(eval_size, seen, seed=seed + 10_001),
             generate_sentences(eval_size, seen, seed=seed + 20_002),
             generate_sentences(eval_size, held_out, seed=seed + 30_003),
             generate_sentences(eval_size, held_out, seed=seed + 40_004, held_out_frames=True)]
    splits = [TaggedSplit.of(part) for part in parts]
    announce(f"offline entity corpus (CLDR names via Babel, phrase corpus): {len(splits[0])} train, "
             f"{len(splits[1])} validation, {len(splits[2])} test (seen strings), {len(splits[3])} test (unseen strings), "
             f"{len(splits[4])} test (unseen strings, new frames)")
    return EntityData(*splits, held_out={k: set(v) for k, v in held_out.items()},
                      seen={k: set(v) for k, v in seen.items()})


__all__ = ["load_entities", "EntityData", "TaggedSplit", "TaggedSentence", "TYPES"]
