"""The named-entity corpus of chapter 12: frozen (a hash of a seeded sample and its mix of entity types), its
tags agree with its entities, right-context tokens are exactly the entities of right-cue frames, and the split
keeps the held-out entity strings out of every split but test_unseen."""
import hashlib
from collections import Counter

import pytest

from course_utils import tagging
from course_utils.datasets import load_entities
from course_utils.datasets.corpora import entities

ENTITY_SAMPLE_SHA256 = "5767cec6eddbd4a81df297ac17446967dda7bd8d9cb9799e578707e5c71e8cc2"
ENTITY_SAMPLE_TYPES = {"LOC": 731, "LANGUAGE": 630, "CURRENCY": 488, "MONEY": 288, "DATE": 380, "QUANTITY": 261}
INVENTORY_SIZES = {"LOC": 621, "LANGUAGE": 652, "CURRENCY": 221, "MONEY": 1262, "DATE": 1613, "QUANTITY": 837}


@pytest.fixture(scope="module")
def pools():
    return entities.inventories(seed=0)


def test_entity_corpus_is_frozen(pools):
    sample = entities.generate_sentences(2000, pools, seed=0)
    text = "\n".join(f"{s.frame}\t{' '.join(s.tokens)}\t{' '.join(s.tags)}" for s in sample)
    assert {k: len(v) for k, v in pools.items()} == INVENTORY_SIZES
    assert dict(Counter(kind for s in sample for kind, *_ in s.entities)) == ENTITY_SAMPLE_TYPES
    assert hashlib.sha256(text.encode()).hexdigest() == ENTITY_SAMPLE_SHA256


def test_every_string_has_one_type_and_real_sources(pools):
    owners = Counter(name for names in pools.values() for name in names)
    assert max(owners.values()) == 1
    assert "Bosnia & Herzegovina" in pools["LOC"] and "Dar es Salaam" in pools["LOC"]
    assert "Tunisian Arabic" in pools["LANGUAGE"] and "Albanian Lek" in pools["CURRENCY"]
    assert "Buenos Aires" in pools["LOC"] and not any(name.startswith(("GMT", "UTC", "Unknown")) or "/" in name
                                                      for name in pools["LOC"])
    assert not {"Gold", "Unknown Currency", "European Union", "Unknown language"} & set().union(*pools.values())
    assert all(any(c.isdigit() for c in money) or "cent" in money or "dollar" in money or "euro" in money
               or "pound" in money or "peso" in money for money in pools["MONEY"])


def test_tags_spans_and_right_context_agree(pools):
    for s in entities.generate_sentences(500, pools, seed=3):
        assert len(s.tokens) == len(s.tags) == len(s.right)
        assert tagging.bio_to_spans(s.tags) == [(kind, start, end) for kind, start, end, _ in s.entities]
        for kind, start, end, string in s.entities:
            assert s.tokens[start:end] == entities.tokenize(string)
        right_tokens = {i for i, flag in enumerate(s.right) if flag}
        expected = {i for _, start, end, _ in s.entities for i in range(start, end)} if s.frame.startswith("right") else set()
        assert right_tokens == expected


def test_held_out_strings_appear_only_in_test_unseen(capsys):
    data = load_entities(size=600, seed=1)
    assert "test (unseen strings)" in capsys.readouterr().out
    for split in (data.train, data.val, data.test_seen):
        assert all(string in data.seen[kind] for sentence in split.entities for kind, _, _, string in sentence)
    assert all(string in data.held_out[kind] for sentence in data.test_unseen.entities for kind, _, _, string in sentence)
    for kind in data.seen:
        assert not data.seen[kind] & data.held_out[kind]
    assert len(data.train) == 600 and len(data.val) == len(data.test_unseen) == 100


def test_loader_rejects_bad_arguments():
    with pytest.raises(ValueError, match="unseen_fraction"):
        load_entities(size=100, unseen_fraction=1.5)
    with pytest.raises(TypeError, match="size"):
        load_entities(size="100")


def test_tokenizer_keeps_numbers_and_hyphenated_words_whole():
    assert entities.tokenize("€1,234.50 and twenty-five cents, St. Barthélemy") == [
        "€", "1,234.50", "and", "twenty-five", "cents", ",", "St", ".", "Barthélemy"]


def test_held_out_frames_appear_only_in_test_new_frames_and_leave_the_other_splits_unchanged(pools):
    data = load_entities(size=600, seed=1)
    new_frames = set(data.test_new_frames.frames)
    assert new_frames and all(frame.startswith("new-") for frame in new_frames)
    assert {f"new-right-{i}" for i in range(len(entities.HELD_OUT_RIGHT_FRAMES))} <= new_frames
    for split in (data.train, data.val, data.test_seen, data.test_unseen):
        assert not any(frame.startswith("new-") for frame in split.frames)
    assert all(string in data.held_out[kind] for sentence in data.test_new_frames.entities for kind, _, _, string in sentence)
    templates = {frame.replace("{X}", "").replace("{Y}", "") for frame, _ in entities.RIGHT_FRAMES} | set(entities.LEFT_FRAMES)
    assert not templates & ({f for f, _ in entities.HELD_OUT_RIGHT_FRAMES} | set(entities.HELD_OUT_LEFT_FRAMES))
    # the right-context flags of the new right-cue frames mark their entities, as in the original frames
    for s in entities.generate_sentences(300, pools, seed=5, held_out_frames=True):
        assert tagging.bio_to_spans(s.tags) == [(kind, start, end) for kind, start, end, _ in s.entities]
        expected = {i for _, start, end, _ in s.entities for i in range(start, end)} if "right" in s.frame else set()
        assert {i for i, flag in enumerate(s.right) if flag} == expected
    # the splits drawn from the original frames are those of the loader before the held-out frames existed
    again = entities.generate_sentences(100, {k: sorted(v) for k, v in data.held_out.items()}, seed=1 + 30_003)
    assert [s.tokens for s in again] == data.test_unseen.tokens[:100]
