"""Data loaders of the course: canonical datasets when cached or downloadable, offline data otherwise.

Every loader returns the same types whichever source served it and prints one line naming the source
(``source="auto"`` tries the canonical dataset first unless ``COURSE_OFFLINE`` is on; ``"offline"`` and the
canonical name force one). Sources and licences:

* Sentiment: IMDB reviews (Maas et al. 2011, the Stanford ``aclImdb_v1.tar.gz``; research use), or the
  review grammar of :mod:`course_utils.corpora.reviews` (generated here; MIT, like this package).
* Translation: Tatoeba/Anki English-Spanish pairs (``spa-eng.zip`` as in the TensorFlow tutorial; CC-BY 2.0 FR),
  or the Babel/num2words phrase corpus of :mod:`course_utils.corpora.phrases` (CLDR data: Unicode licence).
* Forecasting: Jena climate 2009-2016 (Max Planck Institute for Biogeochemistry), or, offline and real,
  Mauna Loa CO2 (shipped by statsmodels; public domain, NOAA/Scripps) and S&P 500 daily prices 1999-2018
  (shipped by arch; from Yahoo! Finance).
* Character-level text: the language-reference help topics and standard-library docstrings that ship with
  every Python installation (PSF licence).
* Synthetic tasks: the adding problem, a copy task, and the order task of chapter 01.
"""
from __future__ import annotations

import importlib
import inspect
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import cache, config

REMOTES = {
    "imdb": cache.Remote(
        "imdb", "aclImdb_v1.tar.gz", "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
        sha256="c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe", size=84_125_825,
        description="IMDB movie reviews, 50,000 labelled (Maas et al. 2011); SHA-256 as recorded by TFDS",
    ),
    "spa-eng": cache.Remote(
        "spa-eng", "spa-eng.zip", "http://storage.googleapis.com/download.tensorflow.org/data/spa-eng.zip",
        description="Tatoeba/Anki English-Spanish pairs; no published checksum: the hash of the first download is recorded",
    ),
    "jena": cache.Remote(
        "jena", "jena_climate_2009_2016.csv.zip",
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/jena_climate_2009_2016.csv.zip",
        description="Jena climate 2009-2016, 14 variables every 10 minutes; no published checksum: first download recorded",
    ),
}


def _check_source(source: str, canonical: str, allowed_extra=()) -> None:
    allowed = ("auto", canonical, "offline", *allowed_extra)
    if source not in allowed:
        raise ValueError(f"source must be one of {allowed}, got {source!r}")


def _try_canonical(name: str, source: str):
    """The canonical file if ``source`` allows it and it is cached or downloadable, else None (with the reason)."""
    if source == "offline":
        return None, "offline source requested"
    try:
        return cache.fetch(REMOTES[name]), ""
    except cache.OfflineError:
        if source != "auto":
            raise
        return None, "COURSE_OFFLINE is on and it is not cached"
    except cache.DownloadError as error:
        if source != "auto":
            raise
        return None, f"download failed ({type(error).__name__})"


def _announce(text: str) -> None:
    print(f"data: {text}")


def _split_indices(n: int, fractions, seed: int) -> list:
    order = np.random.default_rng(seed).permutation(n)
    cuts = np.cumsum([int(round(f * n)) for f in fractions[:-1]])
    return np.split(order, cuts)


# --------------------------------------------------------------------------------------------------------
# Sentiment
# --------------------------------------------------------------------------------------------------------

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
    _check_source(source, "imdb")
    archive, reason = _try_canonical("imdb", source)
    if archive is not None:
        data = _imdb(archive, seed)
        _announce(f"IMDB reviews (cached): {len(data.train)} train, {len(data.val)} validation, {len(data.test)} test")
        return data
    from .corpora.reviews import generate_reviews

    size = 30_000 if size is None else size
    if size < 20:
        raise ValueError(f"size must be at least 20 reviews to fill three splits, got {size}")
    texts, labels, tags = generate_reviews(size, seed=seed)
    parts = _split_indices(len(texts), (0.7, 0.15, 0.15), seed)
    splits = [TextSplit([texts[i] for i in idx], np.array([labels[i] for i in idx]), [tags[i] for i in idx]) for idx in parts]
    data = TextClassificationData(*splits, source="offline review corpus")
    _announce(f"offline review corpus ({reason}): {len(splits[0])} train, {len(splits[1])} validation, {len(splits[2])} test")
    return data


def _imdb(archive: Path, seed: int) -> TextClassificationData:
    folder = archive.parent / "aclImdb"
    if not folder.is_dir():
        cache.safe_extract(archive, archive.parent / "aclImdb_extracted")
        (archive.parent / "aclImdb_extracted" / "aclImdb").rename(folder)
        (archive.parent / "aclImdb_extracted").rmdir()

    def read(split):
        texts, labels = [], []
        for label, name in ((1, "pos"), (0, "neg")):
            for path in sorted((folder / split / name).glob("*.txt")):
                texts.append(path.read_text(encoding="utf-8").replace("<br />", " "))
                labels.append(label)
        return texts, labels

    train_texts, train_labels = read("train")
    test_texts, test_labels = read("test")
    val_idx, train_idx = _split_indices(len(train_texts), (0.2, 0.8), seed)
    train_set = {train_texts[i] for i in train_idx}
    val = [(train_texts[i], train_labels[i]) for i in val_idx if train_texts[i] not in train_set]
    seen = train_set | {t for t, _ in val}
    test = [(t, l) for t, l in zip(test_texts, test_labels) if t not in seen]

    def make(rows):
        return TextSplit([t for t, _ in rows], np.array([l for _, l in rows]), ["imdb"] * len(rows))

    return TextClassificationData(make([(train_texts[i], train_labels[i]) for i in train_idx]), make(val), make(test), "IMDB reviews")


# --------------------------------------------------------------------------------------------------------
# Translation
# --------------------------------------------------------------------------------------------------------

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
    _check_source(source, "spa-eng")
    archive, reason = _try_canonical("spa-eng", source)
    if archive is not None:
        with zipfile.ZipFile(archive) as zf:
            name = next(n for n in zf.namelist() if n.endswith("spa.txt"))
            lines = io.TextIOWrapper(zf.open(name), encoding="utf-8").read().splitlines()
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
        from .corpora.phrases import generate_pairs

        size = 40_000 if size is None else size
        if size < 20:
            raise ValueError(f"size must be at least 20 pairs to fill three splits, got {size}")
        pairs, kinds = generate_pairs(size, seed=seed)
        label = f"offline phrase corpus ({reason})"
    parts = _split_indices(len(pairs), (0.8, 0.1, 0.1), seed)
    splits = [PairSplit([pairs[i] for i in idx], [kinds[i] for i in idx]) for idx in parts]
    _announce(f"{label}: {len(splits[0])} train, {len(splits[1])} validation, {len(splits[2])} test pairs")
    return TranslationData(*splits, source=label.split(" (")[0])


# --------------------------------------------------------------------------------------------------------
# Forecasting
# --------------------------------------------------------------------------------------------------------

@dataclass
class SeriesData:
    """A time series: ``frame`` has a DatetimeIndex; ``units`` maps each column to its unit; ``notes`` lists
    what was done to the raw data (gaps filled, duplicates dropped), so nothing happens silently."""

    frame: object
    units: dict
    source: str
    notes: list = field(default_factory=list)


SERIES = ("jena", "co2", "sp500")


def load_series(name: str, source: str = "auto") -> SeriesData:
    """Load a real time series by name: ``"jena"`` (Jena climate; falls back to ``"co2"`` offline),
    ``"co2"`` (weekly Mauna Loa CO2, 1958-2001, ppm) or ``"sp500"`` (S&P 500 daily prices, 1999-2018, USD)."""
    if name not in SERIES:
        raise ValueError(f"unknown series {name!r}; expected one of {SERIES}")
    if name == "jena":
        _check_source(source, "jena")
        archive, reason = _try_canonical("jena", source)
        if archive is not None:
            return _jena(archive)
        data = _co2()
        _announce(f"Mauna Loa CO2 instead of Jena climate ({reason}): {len(data.frame)} weekly values")
        return data
    data = _co2() if name == "co2" else _sp500()
    _announce(f"{data.source}: {len(data.frame)} rows, {data.frame.index[0].date()} to {data.frame.index[-1].date()}")
    return data


def _co2() -> SeriesData:
    import statsmodels.api as sm

    frame = sm.datasets.co2.load_pandas().data.copy()
    missing = frame["co2"].isna()
    frame["co2"] = frame["co2"].interpolate(method="time")
    frame["filled"] = missing
    notes = [f"{int(missing.sum())} missing weekly values filled by time interpolation (column 'filled')"]
    print(f"note: {notes[0]}")
    return SeriesData(frame, {"co2": "ppm (mole fraction in dry air)", "filled": "bool"}, "Mauna Loa CO2 (statsmodels)", notes)


def _sp500() -> SeriesData:
    from arch.data import sp500

    frame = sp500.load().astype(float)
    notes = ["trading days only: weekends and market holidays have no row (not filled)"]
    if frame.isna().any().any():  # pragma: no cover - the shipped file has none
        notes.append(f"{int(frame.isna().any(axis=1).sum())} rows with missing values dropped")
        frame = frame.dropna()
    units = {c: "USD (index points)" for c in ("Open", "High", "Low", "Close", "Adj Close")}
    units["Volume"] = "shares traded"
    return SeriesData(frame, units, "S&P 500 daily (arch)", notes)


def _jena(archive: Path) -> SeriesData:
    import pandas as pd

    with zipfile.ZipFile(archive) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".csv") and "MACOSX" not in n)
        frame = pd.read_csv(zf.open(name))
    frame.index = pd.to_datetime(frame.pop("Date Time"), format="%d.%m.%Y %H:%M:%S")
    notes = []
    duplicates = frame.index.duplicated()
    if duplicates.any():
        notes.append(f"{int(duplicates.sum())} duplicated timestamps dropped")
        frame = frame[~duplicates]
    frame = frame.sort_index()
    full = pd.date_range(frame.index[0], frame.index[-1], freq="10min")
    gaps = len(full) - len(frame)
    if gaps:
        notes.append(f"{gaps} missing 10-minute timestamps (not filled)")
    units = {c: (re.search(r"\((.*)\)", c).group(1) if "(" in c else "") for c in frame.columns}
    for note in notes:
        print(f"note: {note}")
    _announce(f"Jena climate (cached): {len(frame)} rows, {frame.index[0].date()} to {frame.index[-1].date()}")
    return SeriesData(frame, units, "Jena climate", notes)


# --------------------------------------------------------------------------------------------------------
# Character-level text
# --------------------------------------------------------------------------------------------------------

STDLIB_MODULES = (
    "abc argparse ast asyncio base64 bisect calendar cmd codecs collections configparser contextlib copy csv "
    "dataclasses datetime decimal difflib doctest email enum filecmp fileinput fnmatch fractions ftplib "
    "functools getopt gettext glob gzip hashlib heapq hmac html http.client http.server imaplib inspect "
    "ipaddress itertools json locale logging mailbox numbers operator optparse pathlib pickle pkgutil "
    "platform poplib pprint pydoc queue random re reprlib sched secrets selectors shelve shlex shutil "
    "smtplib socket socketserver sqlite3 statistics string subprocess tarfile tempfile textwrap threading "
    "timeit tokenize traceback types typing unittest urllib.parse urllib.request uuid warnings weakref "
    "zipfile"
).split()


def _clean_docstring(doc: str) -> str:
    paragraphs, current = [], []
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped.startswith((">>>", "...", "$ ", "***", "===", "---")) or line.startswith(("   ", "\t")):
            stripped = ""  # code examples and indented blocks are not prose
        if stripped:
            current.append(stripped)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    text = "\n".join(p for p in paragraphs if len(p) > 40 and sum(c.isalpha() for c in p) > 0.6 * len(p))
    return text.encode("ascii", "ignore").decode()


def _documented_objects(module):
    yield module
    for name, obj in sorted(vars(module).items()):
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            yield obj
        elif inspect.isclass(obj):
            yield obj
            for attr, member in sorted(vars(obj).items()):
                if not attr.startswith("_") and inspect.isfunction(member):
                    yield member


def load_char_text(max_chars: int | None = None) -> str:
    """English prose from the documentation that ships with Python itself.

    Two parts, both in every CPython installation: the help topics of the language reference
    (``pydoc_data.topics``, what ``help("for")`` shows) and the docstrings of about 100 standard-library
    modules, their classes, methods and functions. Code examples, grammar rules and indented blocks are
    removed, paragraphs become lines, non-ASCII characters are dropped. About 0.6 million characters; the
    exact text depends on the Python version (and by a few hundred characters on which standard-library modules
    were imported before), so compare models on one text, never across machines. Licence: PSF.
    """
    pieces, seen = [], set()
    from pydoc_data.topics import topics

    for name in sorted(topics):
        cleaned = _clean_docstring(topics[name])
        if cleaned:
            pieces.append(cleaned)
    for module_name in STDLIB_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # pragma: no cover - a trimmed installation
            continue
        for obj in _documented_objects(module):
            doc = inspect.getdoc(obj)
            if doc and doc not in seen:
                seen.add(doc)
                cleaned = _clean_docstring(doc)
                if cleaned:
                    pieces.append(cleaned)
    text = "\n".join(pieces)
    if max_chars is not None:
        if max_chars < 1:
            raise ValueError(f"max_chars must be positive, got {max_chars}")
        text = text[:max_chars]
    _announce(f"Python documentation text (language reference topics and docstrings): {len(text):,} characters")
    return text


# --------------------------------------------------------------------------------------------------------
# Synthetic tasks
# --------------------------------------------------------------------------------------------------------

def _check_positive(**values):
    for name, value in values.items():
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def adding_problem(n: int, length: int, seed: int = 0):
    """The adding problem (Hochreiter & Schmidhuber 1997): inputs of shape (n, length, 2), targets (n, 1).

    Channel 0 holds values drawn uniformly from [0, 1]; channel 1 marks two positions, one in each half of the
    sequence. The target is the sum of the two marked values. Predicting the mean (1.0) gives MSE 1/6 = 0.167.
    """
    _check_positive(n=n, length=length)
    if length < 2:
        raise ValueError(f"length must be at least 2 (one marker in each half), got {length}")
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 1, size=(n, length))
    markers = np.zeros((n, length))
    half = length // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, length, size=n)
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype("float32")
    y = (values[rows, first] + values[rows, second]).astype("float32")[:, None]
    return x, y


def copy_task(n: int, length: int, delay: int, n_symbols: int = 8, seed: int = 0):
    """The copy (recall) task: remember ``length`` symbols across ``delay`` blank steps, then reproduce them.

    Tokens: 0 blank, 1..n_symbols symbols, n_symbols + 1 the "recall now" cue on the last of the ``delay``
    (at least 1) blank steps. Inputs and targets have shape
    (n, 2 * length + delay); targets are blank (0) except the last ``length`` steps, which repeat the symbols.
    Guessing a random symbol in the recall steps is right 1 / n_symbols of the time.
    """
    _check_positive(n=n, length=length, delay=delay, n_symbols=n_symbols)
    rng = np.random.default_rng(seed)
    total = 2 * length + delay
    symbols = rng.integers(1, n_symbols + 1, size=(n, length))
    x = np.zeros((n, total), dtype="int32")
    y = np.zeros((n, total), dtype="int32")
    x[:, :length] = symbols
    x[:, length + delay - 1] = n_symbols + 1  # the cue sits on the last blank step
    y[:, -length:] = symbols
    return x, y


ORDER_PAD, ORDER_A, ORDER_B = 0, 1, 2


def order_task(n: int, min_length: int, max_length: int, n_distractors: int = 8, seed: int = 0):
    """Did the symbol A come before the symbol B? A sequence task where order matters and lengths vary.

    Each sequence has a length drawn uniformly from [min_length, max_length], exactly one A (token 1), one
    B (token 2) at random distinct positions, and distractor tokens 3..n_distractors + 2 elsewhere. The label is
    1 when A precedes B. Labels are balanced. A model that ignores order cannot beat 50%.
    Returns (sequences, labels): a list of int32 arrays of varying length and an int array of shape (n,).
    """
    _check_positive(n=n, min_length=min_length, max_length=max_length, n_distractors=n_distractors)
    if min_length < 2 or max_length < min_length:
        raise ValueError(f"need 2 <= min_length <= max_length, got {min_length} and {max_length}")
    rng = np.random.default_rng(seed)
    sequences, labels = [], np.arange(n) % 2
    rng.shuffle(labels)
    for label in labels:
        length = int(rng.integers(min_length, max_length + 1))
        seq = rng.integers(3, n_distractors + 3, size=length).astype("int32")
        i, j = sorted(rng.choice(length, size=2, replace=False))
        seq[i], seq[j] = (ORDER_A, ORDER_B) if label else (ORDER_B, ORDER_A)
        sequences.append(seq)
    return sequences, labels


# --------------------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------------------

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
