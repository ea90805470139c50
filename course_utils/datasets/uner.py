"""Real named entities: Universal NER, English EWT (Mayhew et al., NAACL 2024; CC BY-SA 4.0), IOB2-tagged web text
(the English Web Treebank of Universal Dependencies: weblogs, newsgroups, e-mail, reviews, answers).

**Tag set**, as shipped, with no mapping: ``O``, ``B-PER``/``I-PER`` (people), ``B-LOC``/``I-LOC`` (locations),
``B-ORG``/``I-ORG`` (organisations) (:data:`TAGS`). The files are IOB2: an entity starts with ``B-``; a file
with any other tag, or an ``I-X`` that does not continue an ``X`` entity, is refused by the parser (the pinned
files have none). The upstream columns (token id, token, tag, and two annotation columns) are read for the token
and the tag only. Sentences are real user text and may contain offensive words.

**Splits, as shipped** (:func:`load_uner`): the upstream *test* file (2,077 sentences) is the test split; the
upstream *dev* file (2,001 sentences) is split for training and validation by document (its ``# newdoc id``
lines), so no document's sentences are on both sides: the documents are shuffled with
``numpy.random.default_rng(VALIDATION_SEED)`` and taken in that order into validation until it holds at least
:data:`VALIDATION_SHARE` of the dev sentences. The upstream train file (12,543 sentences) is not used: it was
not available for the mirror, and a course chapter trains small models.

Returned as :class:`.named_entities.TaggedSplit` (the generated corpus's type): ``tokens``, ``tags``, ``entities``
(``(type, start, end, string)`` per entity, end exclusive) as there; ``frames`` holds each sentence's ``sent_id``;
``right`` is all False (the generated corpus's right-cue frames have no counterpart in real text).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from course_utils.datasets import real
from course_utils.datasets.corpora.entities import TaggedSentence
from course_utils.datasets.named_entities import TaggedSplit
from course_utils.datasets.sources import announce, check_source

NAME = "uner-en-ewt"
TYPES = ("PER", "LOC", "ORG")
TAGS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG")
DEV_FILE, TEST_FILE = "en_ewt-ud-dev.iob2", "en_ewt-ud-test.iob2"
VALIDATION_SEED = 0
VALIDATION_SHARE = 0.2


@dataclass
class RealEntityData:
    """Train / validation (from the upstream dev file, split by document) and test (the upstream test file)."""

    train: TaggedSplit
    val: TaggedSplit
    test: TaggedSplit
    source: str
    where: str
    tags: tuple = TAGS

    def type_counts(self) -> dict:
        return {name: Counter(kind for s in split.entities for kind, *_ in s)
                for name, split in (("train", self.train), ("val", self.val), ("test", self.test))}


def entities_of(tokens: list, tags: list) -> list:
    """``(type, start, end, string)`` of every entity of an IOB2 tag sequence (ValueError if it is not IOB2)."""
    out, start, kind = [], None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        if tag not in TAGS:
            raise ValueError(f"unknown tag {tag!r} (expected one of {', '.join(TAGS)})")
        if tag.startswith("I-"):
            if kind != tag[2:]:
                raise ValueError(f"{tag} at token {i} does not continue a {tag[2:]} entity (not IOB2)")
            continue
        if kind is not None:
            out.append((kind, start, i, " ".join(tokens[start:i])))
        start, kind = (i, tag[2:]) if tag.startswith("B-") else (None, None)
    return out


def parse(data: bytes) -> list:
    """``(document id, TaggedSentence)`` of every sentence of an ``.iob2`` file."""
    sentences, doc, sent_id, tokens, tags = [], "", "", [], []

    def close():
        if tokens:
            sentences.append((doc, TaggedSentence(list(tokens), list(tags), sent_id, [False] * len(tokens),
                                                  entities_of(tokens, tags))))
        tokens.clear(), tags.clear()

    for number, line in enumerate(data.decode("utf-8").split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            close()
        elif line.startswith("#"):
            key, _, value = line[1:].partition("=")
            if key.strip() == "newdoc id":
                doc = value.strip()
            elif key.strip() == "sent_id":
                sent_id = value.strip()
        else:
            columns = line.split("\t")
            if len(columns) < 3:
                raise ValueError(f"line {number}: expected tab-separated id, token, tag; got {line[:60]!r}")
            tokens.append(columns[1]), tags.append(columns[2])
    close()
    return sentences


def dev_holdout(sentences: list) -> tuple:
    """(train, validation) lists of TaggedSentence: whole documents of the dev file, seeded (module docstring)."""
    documents = list(dict.fromkeys(doc for doc, _ in sentences))
    order = np.random.default_rng(VALIDATION_SEED).permutation(len(documents))
    wanted, held = VALIDATION_SHARE * len(sentences), set()
    sizes = Counter(doc for doc, _ in sentences)
    count = 0
    for i in order:
        if count >= wanted:
            break
        held.add(documents[i])
        count += sizes[documents[i]]
    return [s for d, s in sentences if d not in held], [s for d, s in sentences if d in held]


def load_uner(source: str = "auto", fallback_args: dict | None = None):
    """UNER English EWT as a :class:`RealEntityData` (see the module's docstring for the tags and splits).

    ``source``: ``"auto"`` (the verified real data if found or downloadable, else one line saying why and the
    generated entity corpus of :func:`.named_entities.load_entities`, called with ``fallback_args``: an
    :class:`.named_entities.EntityData`, not this type); ``"uner-en-ewt"`` (the real data or
    :class:`.real.DataUnavailable`); ``"offline"`` (the generated corpus).
    """
    check_source(source, NAME)
    where, contents, reason = real.try_load(NAME, source)
    if contents is not None:
        train, val = dev_holdout(parse(contents[DEV_FILE]))
        test = [s for _, s in parse(contents[TEST_FILE])]
        splits = [TaggedSplit.of(part) for part in (train, val, test)]
        announce(f"UNER English EWT ({where}, verified): {len(splits[0])} train and {len(splits[1])} validation "
                 f"sentences (dev file, split by document), {len(splits[2])} test (test file); tags PER, LOC, ORG")
        return RealEntityData(*splits, source=real.DATASETS[NAME].title, where=where)
    from course_utils.datasets.named_entities import load_entities

    return real.fall_back("UNER English EWT", reason, load_entities, **(fallback_args or {}))
