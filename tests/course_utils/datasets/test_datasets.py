"""Loaders serve the same types from canonical archives (built here, in their real formats) and offline data."""
import hashlib
import io
import re
import tarfile
import time
import zipfile

import numpy as np
import pytest

from course_build import corpus_stats

from course_utils import datasets
from course_utils.datasets import cache
from course_utils.datasets.corpora import phrases, reviews

from tests.course_utils.datasets.test_cache import Server


@pytest.fixture
def served(monkeypatch, tmp_path):
    """Serve archives from loopback and point the loaders' REMOTES at them."""
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    server = Server()

    def serve(name, filename, data, published=True):
        server.files[f"/{filename}"] = data
        sha = hashlib.sha256(data).hexdigest() if published else None
        monkeypatch.setitem(datasets.REMOTES, name, cache.Remote(name, filename, server.url(f"/{filename}"), sha256=sha))

    yield serve
    server.close()


def imdb_archive():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for split in ("train", "test"):
            for label in ("pos", "neg"):
                for i in range(10):
                    text = f"{split} {label} review number {i}.<br />It was {'great' if label == 'pos' else 'awful'}."
                    data = text.encode()
                    info = tarfile.TarInfo(f"aclImdb/{split}/{label}/{i}_{7 if label == 'pos' else 2}.txt")
                    info.size = len(data)
                    tf.addfile(info, io.BytesIO(data))
        duplicate = b"a duplicated review that appears in train and test"
        for split in ("train", "test"):
            info = tarfile.TarInfo(f"aclImdb/{split}/pos/99_8.txt")
            info.size = len(duplicate)
            tf.addfile(info, io.BytesIO(duplicate))
    return buffer.getvalue()


def test_imdb_from_its_archive(served, capsys):
    served("imdb", "aclImdb_v1.tar.gz", imdb_archive())
    data = datasets.load_reviews(source="imdb", seed=1)
    assert "IMDB reviews (cached)" in capsys.readouterr().out
    assert isinstance(data.train, datasets.TextSplit) and data.source == "IMDB reviews"
    assert len(data.train) + len(data.val) == 21 and len(data.test) == 20  # the duplicate is dropped from test
    assert set(data.train.texts).isdisjoint(data.test.texts) and set(data.train.texts).isdisjoint(data.val.texts)
    assert all("<br />" not in t for t in data.train.texts) and set(data.test.tags) == {"imdb"}
    assert data.test.labels.dtype.kind == "i" and set(data.test.labels) == {0, 1}


def test_auto_falls_back_to_offline_when_offline(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    data = datasets.load_reviews(size=200)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "offline review corpus (COURSE_OFFLINE is on" in out
    assert (len(data.train), len(data.val), len(data.test)) == (140, 30, 30)
    assert set(data.train.tags) <= set(reviews.PHENOMENA)


def test_forcing_a_canonical_source_offline_raises(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    with pytest.raises(cache.OfflineError):
        datasets.load_reviews(source="imdb")


LOADERS = {
    "reviews": lambda: datasets.load_reviews(size=40),
    "pairs": lambda: datasets.load_translation_pairs(size=40),
    "series": lambda: datasets.load_series("jena"),
}


@pytest.mark.parametrize("offline", ["1", "0"])
@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_loaders_fall_back_in_one_line_when_the_cache_path_is_a_file(monkeypatch, tmp_path, capsys, offline, loader):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("COURSE_OFFLINE", offline)
    monkeypatch.setenv("COURSE_CACHE_DIR", str(blocker))
    LOADERS[loader]()
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("data:")]
    assert len(lines) == 1 and "unusable: a file is in the way" in lines[0] and "COURSE_CACHE_DIR" in lines[0], lines


def test_loaders_fall_back_when_the_cache_folder_is_read_only(served, monkeypatch, tmp_path, capsys):
    from tests.course_utils.datasets.test_cache import refuse_writes

    served("spa-eng", "spa-eng.zip", b"never downloaded")
    (tmp_path / "cache").mkdir()
    refuse_writes(monkeypatch, tmp_path / "cache", 13)  # EACCES
    datasets.load_translation_pairs(size=40)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "offline phrase corpus (cache directory" in out and "not writable" in out
    with pytest.raises(cache.CacheDirectoryError, match="COURSE_CACHE_DIR"):
        datasets.load_translation_pairs(source="spa-eng")


def test_a_cached_imdb_archive_that_cannot_be_extracted_falls_back(served, monkeypatch, tmp_path, capsys):
    from tests.course_utils.datasets.test_cache import refuse_writes

    served("imdb", "aclImdb_v1.tar.gz", imdb_archive())
    cache.fetch(datasets.REMOTES["imdb"])  # verified and cached, not yet extracted
    refuse_writes(monkeypatch, tmp_path / "cache", 30)  # EROFS
    data = datasets.load_reviews(size=40)
    out = capsys.readouterr().out
    assert data.source == "offline review corpus" and "read-only file system" in out and out.count("\n") == 1
    with pytest.raises(cache.CacheDirectoryError, match="extracting aclImdb_v1.tar.gz"):
        datasets.load_reviews(source="imdb")


def bad_imdb_archive(kind, folder):
    """A cached IMDB archive that must not be extracted: unsafe, too large for the cap, or truncated."""
    from tests.course_utils.datasets.test_cache import make_tar

    path = folder / "aclImdb_v1.tar.gz"
    if kind == "unsafe":
        return make_tar(path, [("aclImdb/train/pos/1.txt", b"fine"), ("../../escape.txt", b"outside")])
    if kind == "too large":
        return make_tar(path, [("aclImdb/train/pos/1.txt", b"\0" * 50_000)])  # capped at 1,000 bytes below
    whole = imdb_archive()
    path.write_bytes(whole[: len(whole) // 2])  # truncated: EOFError inside tarfile
    return path


@pytest.mark.parametrize("kind, why", [("unsafe", "outside the target folder"), ("too large", "unpacks to more than"),
                                       ("corrupt", "is damaged")])
def test_an_unsafe_too_large_or_corrupt_imdb_archive_falls_back_in_one_line(monkeypatch, tmp_path, capsys, kind, why):
    """Was: auto raised UnsafeArchiveError / ArchiveTooLargeError / a raw EOFError instead of falling back."""
    from course_utils.datasets import extract, text_classification

    archive = bad_imdb_archive(kind, tmp_path)
    monkeypatch.setattr(text_classification, "try_canonical", lambda name, source: (archive, ""))
    monkeypatch.setattr(extract, "FLOOR", 1000)
    monkeypatch.setattr(extract, "RATIO", 1)
    data = datasets.load_reviews(size=40)
    out = capsys.readouterr().out
    assert data.source == "offline review corpus" and out.count("\n") == 1, out
    assert out.startswith("data: offline review corpus (") and why in out and "aclImdb_v1.tar.gz" in out, out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aclImdb_v1.tar.gz"]  # nothing extracted, no leftover
    with pytest.raises(extract.UnsafeArchiveError, match=why):  # asked for IMDB by name: a clear package error
        datasets.load_reviews(source="imdb")


def test_bad_arguments_say_what_is_expected():
    with pytest.raises(ValueError, match="source must be one of"):
        datasets.load_reviews(source="yelp")
    with pytest.raises(ValueError, match="unknown series 'bitcoin'"):
        datasets.load_series("bitcoin")
    with pytest.raises(ValueError, match="at least 20"):
        datasets.load_translation_pairs(source="offline", size=5)


def test_spa_eng_from_its_zip(served, capsys):
    lines = "\n".join(f"Sentence {i}.\tFrase {i}.\tCC-BY 2.0 (France) Attribution: tatoeba.org" for i in range(50))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("spa-eng/spa.txt", lines + "\nSentence 1.\tOtra frase.\n")
    served("spa-eng", "spa-eng.zip", buffer.getvalue(), published=False)
    data = datasets.load_translation_pairs(source="spa-eng")
    assert "Tatoeba/Anki spa-eng (cached)" in capsys.readouterr().out
    assert (len(data.train), len(data.val), len(data.test)) == (40, 5, 5)
    everything = data.train.pairs + data.val.pairs + data.test.pairs
    assert len({en for en, _ in everything}) == 50 and ("Sentence 1.", "Frase 1.") in everything
    assert cache.read_manifest()["spa-eng.zip"]["source"] == "recorded at first download"


def test_jena_from_its_zip_reports_gaps_and_duplicates(served, capsys):
    rows = ["\"Date Time\",\"p (mbar)\",\"T (degC)\""]
    stamps = ["01.01.2009 00:10:00", "01.01.2009 00:20:00", "01.01.2009 00:20:00", "01.01.2009 00:50:00"]
    rows += [f"{s},996.5,{-8.0 + i}" for i, s in enumerate(stamps)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("jena_climate_2009_2016.csv", "\n".join(rows))
    served("jena", "jena_climate_2009_2016.csv.zip", buffer.getvalue(), published=False)
    data = datasets.load_series("jena", source="jena")
    assert list(data.frame.columns) == ["p (mbar)", "T (degC)"] and data.units["T (degC)"] == "degC"
    assert str(data.frame.index.dtype).startswith("datetime64") and len(data.frame) == 3
    assert data.notes == ["1 duplicated timestamps dropped", "2 missing 10-minute timestamps (not filled)"]
    assert "Jena climate (cached)" in capsys.readouterr().out


def bad_zip(kind, path, member):
    """A cached zip a loader reads a member of directly: too large for the cap, truncated, or with a corrupt member."""
    from tests.course_utils.datasets.test_cache import zip_bytes

    whole = zip_bytes([(member, b"x" * 50_000)])
    if kind == "truncated":
        whole = whole[: len(whole) // 2]  # no central directory: BadZipFile when opened
    elif kind == "corrupt member":
        start = 30 + len(member)  # the deflated data, after the local header
        whole = whole[:start] + bytes(b ^ 0x5A for b in whole[start:start + 40]) + whole[start + 40:]
    path.write_bytes(whole)
    return path


ZIP_LOADERS = {  # module, remote name, archive, member, auto loader, named loader, what the fallback line says
    "spa-eng": ("translation", "spa-eng.zip", "spa-eng/spa.txt", lambda: datasets.load_translation_pairs(size=40),
                lambda: datasets.load_translation_pairs(source="spa-eng"), "data: offline phrase corpus ("),
    "jena": ("series", "jena_climate_2009_2016.csv.zip", "jena_climate_2009_2016.csv", lambda: datasets.load_series("jena"),
             lambda: datasets.load_series("jena", source="jena"), "data: Mauna Loa CO2 instead of Jena climate ("),
}


@pytest.mark.parametrize("kind, why", [("too large", "unpacks to more than"), ("truncated", "is damaged"),
                                       ("corrupt member", "is damaged")])
@pytest.mark.parametrize("name", sorted(ZIP_LOADERS))
def test_zip_members_are_read_under_the_cap_and_a_broken_zip_falls_back(monkeypatch, tmp_path, capsys, name, kind, why):
    """Was: spa-eng and jena read their member with no size cap (a zip bomb filled memory) and a broken zip raised
    a raw BadZipFile / zlib.error; now the extraction cap covers them and auto falls back in one line."""
    import importlib

    from course_utils.datasets import extract

    module, filename, member, auto, named, line = ZIP_LOADERS[name]
    archive = bad_zip(kind, tmp_path / filename, member)
    monkeypatch.setattr(importlib.import_module(f"course_utils.datasets.{module}"), "try_canonical",
                        lambda remote, source: (archive, ""))
    if kind == "too large":
        monkeypatch.setattr(extract, "FLOOR", 1000)
        monkeypatch.setattr(extract, "RATIO", 1)
    auto()
    out = [text for text in capsys.readouterr().out.splitlines() if text.startswith("data:")]
    assert len(out) == 1 and out[0].startswith(line) and why in out[0] and filename in out[0], out
    with pytest.raises(extract.UnsafeArchiveError, match=why):  # asked for by name: a clear package error
        named()


def test_a_zip_member_within_the_cap_is_read_whole(tmp_path):
    from course_utils.datasets import extract

    archive = bad_zip("fine", tmp_path / "a.zip", "dir/spa.txt")
    assert extract.read_zip_member(archive, lambda n: n.endswith("spa.txt"), max_bytes=50_000) == ("dir/spa.txt", b"x" * 50_000)
    with pytest.raises(extract.ArchiveTooLargeError):
        extract.read_zip_member(archive, lambda n: n.endswith("spa.txt"), max_bytes=49_999)
    with pytest.raises(extract.UnsafeArchiveError, match="no member the loader expects"):
        extract.read_zip_member(archive, lambda n: n.endswith(".csv"))


def test_offline_series_are_real_and_gaps_are_visible(capsys):
    co2 = datasets.load_series("co2")
    assert co2.frame["co2"].notna().all() and int(co2.frame["filled"].sum()) > 0
    assert "filled by time interpolation" in co2.notes[0] and "ppm" in co2.units["co2"]
    sp = datasets.load_series("sp500")
    assert sp.frame.index.is_monotonic_increasing and (sp.frame["Close"] > 0).all()
    assert sp.units["Volume"] == "shares traded" and "trading days only" in sp.notes[0]
    jena = datasets.load_series("jena")  # offline in the test suite: CO2 stands in, and says so
    assert jena.source.startswith("Mauna Loa") and "instead of Jena climate" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------- generated corpora

def test_generated_corpora_depend_only_on_the_seed():
    assert reviews.generate_reviews(300, seed=3) == reviews.generate_reviews(300, seed=3)
    assert reviews.generate_reviews(300, seed=3)[0] != reviews.generate_reviews(300, seed=4)[0]
    assert phrases.generate_pairs(300, seed=3) == phrases.generate_pairs(300, seed=3)
    assert phrases.generate_pairs(300, seed=3)[0] != phrases.generate_pairs(300, seed=4)[0]


@pytest.mark.parametrize("make,n", [(lambda: reviews.generate_reviews(30_000, seed=0), 30_000),
                                    (lambda: phrases.generate_pairs(40_000, seed=0), 40_000)], ids=["reviews", "pairs"])
def test_full_size_generation_is_fast(make, n):
    start = time.perf_counter()
    result = make()
    assert len(result[0]) == n
    assert time.perf_counter() - start < 10


def _values(sentence_part, vocab):
    return [vocab[w][0] for w in re.findall(r"[a-zé]+", sentence_part.lower()) if w in vocab]


def test_review_labels_follow_the_grammar_rules():
    """An independent reading of the rules: which sentiment words must agree with the label, which must not."""
    vocab = reviews.sentiment_vocabulary()
    texts, labels, tags = reviews.generate_reviews(2000, seed=5)
    negators = ("not ", "nobody could call")
    for text, label, tag in zip(texts, labels, tags):
        sign = 1 if label else -1
        sentences = re.split(r"(?<=\.) ", text)
        if tag == "plain":
            assert set(_values(text, vocab)) == {sign}, text
        elif tag == "negation":
            negated = [c for s in sentences for c in s.split(", and ")
                       if any(n in c.lower() for n in negators) and _values(c, vocab)]
            assert negated and all(set(_values(c, vocab)) == {-sign} for c in negated), text
        elif tag == "contrast":
            (sentence,) = [s for s in sentences if re.search(r"(, but |^Although |^Despite |; however, )", s)]
            decisive = re.split(r", but |; however, |, ", sentence)[-1]
            assert set(_values(decisive, vocab)) == {sign} and -sign in _values(sentence, vocab), text
        else:
            assert set(_values(sentences[0], vocab)) == {sign}, text
            assert set(_values(" ".join(sentences[1:]), vocab)) == {-sign}, text
            assert len(text.split()) >= 150


def test_bag_of_words_fails_on_every_phenomenon_but_plain():
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    data = datasets.load_reviews(source="offline", size=8000, seed=0)
    vectorizer = CountVectorizer(binary=True)
    model = LogisticRegression(max_iter=2000).fit(vectorizer.fit_transform(data.train.texts), data.train.labels)
    predictions = model.predict(vectorizer.transform(data.test.texts))
    tags = np.array(data.test.tags)
    accuracy = {t: float(np.mean(predictions[tags == t] == data.test.labels[tags == t])) for t in reviews.PHENOMENA}
    assert accuracy["plain"] > 0.9, accuracy
    for tag in ("negation", "contrast", "long-distance"):
        assert accuracy[tag] < accuracy["plain"] - 0.25, accuracy


def test_review_splits_share_no_text_and_are_balanced():
    data = datasets.load_reviews(source="offline", size=3000, seed=2)
    splits = [set(s.texts) for s in (data.train, data.val, data.test)]
    assert sum(map(len, splits)) == 3000 and not (splits[0] & splits[1] or splits[0] & splits[2] or splits[1] & splits[2])
    stats = corpus_stats.text_stats(data.train.texts, data.train.labels, data.train.tags)
    assert 0.45 < stats["positive_share"] < 0.55
    assert stats["length_tokens"]["min"] <= 12 and stats["length_tokens"]["max"] >= 300
    assert len(reviews.sentiment_vocabulary()) >= 200


def test_phrase_pairs_are_whole_library_outputs():
    pairs, kinds = phrases.generate_pairs(3000, seed=1)
    assert len({en for en, _ in pairs}) == 3000 and set(kinds) <= set(phrases.KINDS)
    assert ("Tuesday, March 5, 2024", "martes, 5 de marzo de 2024") == phrases._both(
        __import__("babel.dates", fromlist=["format_date"]).format_date, __import__("datetime").date(2024, 3, 5), "full")
    units = [p for p, k in zip(pairs, kinds) if k == "unit"]
    assert any(en.startswith("1 ") and not en.endswith("s") for en, _ in units)  # singular agreement kept
    data = datasets.load_translation_pairs(source="offline", size=2000, seed=0)
    split_sets = [set(s.pairs) for s in (data.train, data.val, data.test)]
    assert not (split_sets[0] & split_sets[1] or split_sets[0] & split_sets[2] or split_sets[1] & split_sets[2])


# ------------------------------------------------------------------------------------------------ statistics

def test_text_stats_on_known_input():
    stats = corpus_stats.text_stats(["a b", "a b c d", "A"], labels=[1, 0, 1], tags=["x", "y", "x"])
    assert stats == {"size": 3, "vocabulary": 4,
                     "length_tokens": {"min": 1, "median": 2.0, "mean": 2.3, "p95": 3.8, "max": 4},
                     "positive_share": 0.667, "tags": {"x": 2, "y": 1}}
    with pytest.raises(ValueError, match="3 texts but 2 labels"):
        corpus_stats.text_stats(["a", "b", "c"], labels=[1, 0])


def test_pair_stats_on_known_input():
    stats = corpus_stats.pair_stats([("one two", "uno dos"), ("three", "tres")], kinds=["k", "k"])
    assert stats["size"] == 2 and stats["english"]["vocabulary"] == 3 and stats["spanish"]["length_tokens"]["max"] == 2
    assert stats["kinds"] == {"k": 2}


# --------------------------------------------------------------------------------------------- synthetic tasks

@pytest.mark.parametrize("length", [2, 7, 100])
def test_adding_problem(length):
    x, y = datasets.adding_problem(500, length, seed=1)
    assert x.shape == (500, length, 2) and y.shape == (500, 1) and x.dtype == np.float32
    markers = x[:, :, 1]
    assert (markers.sum(axis=1) == 2).all()
    assert (markers[:, : length // 2].sum(axis=1) == 1).all()
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * markers).sum(axis=1), rtol=1e-6)
    if length == 100:
        assert abs(np.mean((y - 1.0) ** 2) - 1 / 6) < 0.03  # the trivial baseline's MSE


def test_copy_task():
    x, y = datasets.copy_task(50, length=5, delay=10, n_symbols=8, seed=0)
    assert x.shape == y.shape == (50, 20)
    np.testing.assert_array_equal(y[:, -5:], x[:, :5])
    assert (x[:, 14] == 9).all() and (y[:, :15] == 0).all() and x[:, :5].min() >= 1


def test_order_task_labels_follow_positions():
    sequences, labels = datasets.order_task(400, 5, 30, seed=0)
    assert labels.mean() == 0.5
    for seq, label in zip(sequences, labels):
        assert 5 <= len(seq) <= 30 and (seq == 1).sum() == 1 and (seq == 2).sum() == 1
        assert label == int(np.argmax(seq == 1) < np.argmax(seq == 2))


@pytest.mark.parametrize("call", [lambda: datasets.adding_problem(0, 10), lambda: datasets.adding_problem(5, 1),
                                  lambda: datasets.copy_task(5, 3, 0), lambda: datasets.order_task(5, 10, 3)])
def test_synthetic_tasks_reject_bad_arguments(call):
    with pytest.raises(ValueError, match="must|need"):
        call()


@pytest.mark.parametrize("call, argument", [
    (lambda: datasets.load_reviews(source="offline", size=100.5), "size"),
    (lambda: datasets.load_reviews(source="offline", size="100"), "size"),
    (lambda: datasets.load_reviews(source="offline", size=True), "size"),
    (lambda: datasets.load_reviews(source="offline", size=100, seed=1.0), "seed"),
    (lambda: datasets.load_translation_pairs(source="offline", size=40.0), "size"),
    (lambda: datasets.load_char_text(max_chars=1e4), "max_chars"),
    (lambda: datasets.adding_problem(10.0, 5), "n"),
    (lambda: datasets.copy_task(5, "3", 2), "length"),
    (lambda: datasets.order_task(5.5, 3, 10), "n"),
    (lambda: datasets.order_task(5, 3, 10, seed=False), "seed"),
], ids=["float-size", "str-size", "bool-size", "float-seed", "float-pairs", "float-chars", "float-n", "str-length",
        "float-order-n", "bool-seed"])
def test_integer_arguments_of_another_type_raise_a_type_error_naming_them(call, argument, capsys):
    with pytest.raises(TypeError, match=f"^{argument} must be an integer"):
        call()
    assert "data:" not in capsys.readouterr().out  # refused before any work


def test_char_text_is_real_prose():
    text = datasets.load_char_text()
    assert len(text) > 400_000 and text.isascii() and ">>>" not in text
    assert text == datasets.load_char_text()
    assert "the" in text.split()[:2000] and len(datasets.load_char_text(max_chars=1000)) == 1000


# The offline phrase corpus is frozen: chapter 08's results rest on it. A change of the generator (or of the Babel /
# num2words data it calls) must be deliberate: update these pins and re-execute chapter 08.
PHRASES_SAMPLE_SHA256 = "bcde6655abffdc75c3589f3d86f1df48b5148f98bde767e4f1c9cac2c04f8f11"
PHRASES_SAMPLE_KINDS = {"cardinal": 403, "currency": 182, "currency words": 179, "date": 469, "ordinal": 88,
                        "relative time": 87, "time": 152, "unit": 264, "year": 176}


def test_phrase_corpus_is_frozen():
    import hashlib
    from collections import Counter

    pairs, kinds = phrases.generate_pairs(2000, seed=0)
    text = "\n".join(f"{kind}\t{en}\t{es}" for (en, es), kind in zip(pairs, kinds))
    assert dict(Counter(kinds)) == PHRASES_SAMPLE_KINDS
    assert hashlib.sha256(text.encode()).hexdigest() == PHRASES_SAMPLE_SHA256


def test_phrase_targets_follow_from_the_source():
    """One Spanish style per English form: a cardinal keeps words or digits; no date in the medium format."""
    pairs, kinds = phrases.generate_pairs(20_000, seed=1)
    for (en, es), kind in zip(pairs, kinds):
        if kind == "cardinal":
            assert any(c.isdigit() for c in en) == any(c.isdigit() for c in es), (en, es)
        if kind == "date" and re.search(r"\d{4}$", es) and re.search(r"\d ", es):
            assert " de " in es, (en, es)  # "8 de mayo de 1972", never the medium "8 may 1972"
