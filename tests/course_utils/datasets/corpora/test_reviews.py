"""The offline review corpus is frozen: chapter 07's numbers rest on exactly these reviews.

If this test fails, the grammar of ``course_utils/datasets/corpora/reviews.py`` changed. Do not just update the
hash: re-run chapter 07 in full mode and report its numbers before and after the change.
"""
import collections
import hashlib
import json

from course_utils import datasets
from course_utils.datasets.corpora import reviews

SAMPLE_SHA256 = "03cfe3ca5931ba3dc830256680de37b70de92e33a949959b16400c16d40cee43"
TEST_SPLIT_SHA256 = "c3dd6bb60d1c8aabd4ee38d9a861956e8a0da82d7255f81bd09fdc8d98c50f0a"


def test_seeded_sample_is_unchanged():
    texts, labels, tags = reviews.generate_reviews(500, seed=0)
    digest = hashlib.sha256(json.dumps([texts, labels, tags]).encode()).hexdigest()
    assert digest == SAMPLE_SHA256, "the review grammar changed: see this module's docstring"


def test_tag_mix_is_unchanged():
    _, labels, tags = reviews.generate_reviews(500, seed=0)
    assert collections.Counter(tags) == {"plain": 200, "negation": 100, "contrast": 100, "long-distance": 100}
    by_tag = collections.Counter(zip(tags, labels))
    assert all(by_tag[(tag, 0)] == by_tag[(tag, 1)] for tag in reviews.PHENOMENA)  # balanced within each tag


def test_chapter_07_splits_are_unchanged():
    data = datasets.load_reviews(source="offline", size=1000, seed=0)
    assert (len(data.train), len(data.val), len(data.test)) == (700, 150, 150)
    digest = hashlib.sha256("\n".join(data.test.texts).encode()).hexdigest()
    assert digest == TEST_SPLIT_SHA256
