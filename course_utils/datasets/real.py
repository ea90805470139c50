"""Real, openly licensed datasets: where their files are found, and how every file is verified before use.

Three datasets (:data:`DATASETS`), none of whose files is part of the course repository: ``fsdd`` (Free Spoken
Digit Dataset v1.0.10; :mod:`.recordings`), ``uci-sentiment`` (Sentiment Labelled Sentences, UCI; :mod:`.sentences`)
and ``uner-en-ewt`` (Universal NER, English EWT; :mod:`.uner`). Licences and attribution: DATA.md.

**Where the files are looked for, in order** (:func:`load_files`):

1. the cache: ``<cache dir>/real/<name>/`` (verified files stored after a download), or the archive if cached;
2. a local mirror folder named by the environment variable ``COURSE_DATA_MIRROR`` (:data:`MIRROR_VAR`), holding
   ``<name>/`` folders (CI and the test suite set it to ``../shared/data`` when that folder exists);
3. a download of the pinned public archive (the upstream repository at its pinned commit; the UCI archive for the
   sentences) through :func:`course_utils.datasets.cache.fetch`, extracted safely, every file verified, then
   copied into the cache (not with ``COURSE_OFFLINE`` on);
4. otherwise :class:`DataUnavailable` with a one-line reason; the loaders then print that line and return the
   chapter's generated data.

**Verification.** The manifest (:mod:`course_utils.datasets.real_manifest`, generated from the files by
``python3 course.py data --write-manifest FOLDER``) pins every file. A source is used only when every file the
loader needs is present and passes; a file that fails is never used (the whole source is refused, the message
names the file, and the next source is tried). Verified bytes are read once and parsed from memory, so what
was checked is what is used.

* ``fsdd`` and ``uner-en-ewt``: the SHA-256 of each file's bytes (they are the upstream files unchanged).
* ``uci-sentiment``: the SHA-256 of the parsed, normalised records of each file (:func:`labelled_records`),
  because the mirror's copy came from a third-party copy (a header line it had added was removed) whose bytes
  may differ from the UCI archive's in line endings and encoding. The records pinned were computed from that
  copy; the UCI archive was not compared from here (no network), so if its records differ a download is
  refused with a message saying so.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from course_utils import config
from course_utils.datasets import cache
from course_utils.datasets.sources import announce

MIRROR_VAR = "COURSE_DATA_MIRROR"


@dataclass(frozen=True)
class RealDataset:
    """A real dataset: what it is, its licence, the pinned public archive and how its files are verified."""

    name: str
    title: str
    licence: str
    licence_url: str
    homepage: str
    pinned: str  # the commit (or archive) the manifest pins
    archive_url: str
    archive_prefix: str  # the folder inside the archive that holds the files of the manifest
    verify: str  # "bytes" or "records"
    attribution: str
    contents: str  # what the pinned files hold, in a few words
    upstream_missing: tuple = ()  # manifest files the archive lacks (the mirror's own additions)
    archive_suffix: str = ".tar.gz"  # what the archive is, so its content check and extraction fit ("zip": ".zip")

    @property
    def remote(self) -> cache.Remote:
        """The archive as a cache entry (no published checksum: its files are verified one by one instead)."""
        return cache.Remote(f"real-{self.name}", f"real-{self.name}-{self.pinned[:12]}{self.archive_suffix}",
                            self.archive_url,
                            description=self.title)


FSDD_COMMIT = "26eb9aaf76e81b692f806f9140c2d2777410d7a1"
UNER_COMMIT = "8ed072de2fd24022cc62458997fe96a8fe191ea4"
DATASETS = {
    "fsdd": RealDataset(
        "fsdd", "Free Spoken Digit Dataset v1.0.10", "CC BY-SA 4.0",
        "https://creativecommons.org/licenses/by-sa/4.0/",
        "https://github.com/Jakobovski/free-spoken-digit-dataset", FSDD_COMMIT,
        f"https://github.com/Jakobovski/free-spoken-digit-dataset/archive/{FSDD_COMMIT}.tar.gz",
        f"free-spoken-digit-dataset-{FSDD_COMMIT}/", "bytes",
        "Free Spoken Digit Dataset (FSDD) v1.0.10 by Zohar Jackson, César Souza, Jason Flaks, Yuxin Pan, Hereman "
        "Nicolas and Adhish Thite, https://github.com/Jakobovski/free-spoken-digit-dataset, licensed CC BY-SA 4.0",
        "3,000 recordings: 6 speakers x 10 digits x 50, 8 kHz",
        upstream_missing=("speakers.csv",),
    ),
    "uci-sentiment": RealDataset(
        "uci-sentiment", "Sentiment Labelled Sentences (UCI 331)", "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/",
        "https://archive.ics.uci.edu/dataset/331/sentiment+labelled+sentences", "UCI dataset 331",
        "https://archive.ics.uci.edu/static/public/331/sentiment+labelled+sentences.zip",
        "sentiment labelled sentences/", "records",
        "Dimitrios Kotzias, Misha Denil, Nando de Freitas and Padhraic Smyth, 'From Group to Individual Labels "
        "using Deep Features', KDD 2015; Sentiment Labelled Sentences, UCI Machine Learning Repository, "
        "https://doi.org/10.24432/C57604, licensed CC BY 4.0",
        "3,000 sentences (2,982 unique), 1,000 per site",
        archive_suffix=".zip",
    ),
    "uner-en-ewt": RealDataset(
        "uner-en-ewt", "Universal NER, English EWT", "CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/",
        "https://github.com/UniversalNER/UNER_English-EWT", UNER_COMMIT,
        f"https://github.com/UniversalNER/UNER_English-EWT/archive/{UNER_COMMIT}.tar.gz",
        f"UNER_English-EWT-{UNER_COMMIT}/", "bytes",
        "Stephen Mayhew, Terra Blevins, Shuheng Liu, Marek Šuppa, Hila Gonen, Joseph Marvin Imperial, Börje F. "
        "Karlsson, Peiqin Lin, Nikola Ljubešić, LJ Miranda, Barbara Plank, Arij Riabi and Yuval Pinter, 'Universal "
        "NER: A Gold-Standard Multilingual Named Entity Recognition Benchmark', NAACL 2024; UNER_English-EWT, "
        "https://github.com/UniversalNER/UNER_English-EWT, licensed CC BY-SA 4.0 (on UD English EWT)",
        "4,078 sentences: dev 2,001, test 2,077",
    ),
}


class DataUnavailable(cache.DownloadError):
    """No verified copy of a real dataset could be found or downloaded; ``reason`` says why in one line."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name, self.reason = name, reason

class Refused(Exception):
    """A source's files are missing or fail their check; the message names the file."""


def manifest(name: str) -> dict:
    """{relative path: {"sha256", "size"[, "records_sha256"]}} of a dataset (generated from the files)."""
    from course_utils.datasets.real_manifest import FILES

    return FILES[name]


def needed(name: str) -> list:
    """The manifest files a loader reads (every file but those the upstream archive lacks), sorted."""
    return sorted(p for p in manifest(name) if p not in DATASETS[name].upstream_missing)


def labelled_records(data: bytes) -> list:
    """The ``(sentence, label)`` records of a ``*_labelled.txt`` file, normalised.

    UTF-8 (Latin-1 if it is not UTF-8); lines split at ``\\n`` only (the IMDB file holds U+0085, which
    ``str.splitlines`` would split at), a trailing ``\\r`` dropped; the label is the text after the last tab and
    must be 0 or 1; the sentence is stripped of surrounding white space and NFC-normalised. Empty lines, and a
    first line without a 0/1 label (a header), are skipped.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    text = text.lstrip("\ufeff")
    records = []
    for number, line in enumerate(text.split("\n")):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        sentence, tab, label = line.rpartition("\t")
        if not tab or label.strip() not in ("0", "1"):
            if number == 0:
                continue
            raise ValueError(f"line {number + 1} is not 'sentence<TAB>0|1': {line[:60]!r}")
        records.append((unicodedata.normalize("NFC", sentence.strip()), int(label)))
    return records


def records_sha256(data: bytes) -> str:
    """SHA-256 of the normalised records of a labelled file (one ``sentence<TAB>label`` line each)."""
    body = "".join(f"{s}\t{l}\n" for s, l in labelled_records(data))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def check(name: str, path: str, data: bytes) -> str | None:
    """None if ``data`` is the manifest's file ``path`` of dataset ``name``, else what is wrong (a few words)."""
    entry = manifest(name)[path]
    if DATASETS[name].verify == "records":
        try:
            return None if records_sha256(data) == entry["records_sha256"] else "its records fail their SHA-256 check"
        except ValueError as error:
            return f"it cannot be parsed ({error})"
    if len(data) != entry["size"]:
        return f"it has {len(data)} bytes, not {entry['size']}"
    return None if hashlib.sha256(data).hexdigest() == entry["sha256"] else "it fails its SHA-256 check"


def read_verified(name: str, folder, paths=None) -> dict:
    """{path: bytes} of the files ``paths`` (default :func:`needed`) under ``folder``, every one verified.

    Raises :class:`Refused` naming the first missing or failing file (and how many fail) when any does.
    """
    folder = Path(folder)
    contents, missing, failing = {}, [], []
    for path in (needed(name) if paths is None else paths):
        try:
            data = (folder / path).read_bytes()
        except FileNotFoundError:
            missing.append(path)
            continue
        except OSError as error:
            failing.append((path, f"it cannot be read ({error.strerror or error})"))
            continue
        problem = check(name, path, data)
        if problem:
            failing.append((path, problem))
        else:
            contents[path] = data
    if failing:
        path, problem = failing[0]
        more = f" (and {len(failing) - 1} more files fail)" if len(failing) > 1 else ""
        raise Refused(f"{path} refused: {problem}{more}")
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise Refused(f"{missing[0]} is missing{more}")
    return contents


def cache_folder(name: str) -> Path:
    return config.cache_dir() / "real" / name


def mirror_folder(name: str) -> Path | None:
    """The mirror's folder for ``name`` if ``COURSE_DATA_MIRROR`` is set (whether or not it exists), else None."""
    root = os.environ.get(MIRROR_VAR, "").strip()
    return Path(root).expanduser() / name if root else None


def _from_archive(name: str, archive: Path) -> dict:
    """Extract the archive into a temporary folder next to it, verify the needed files, return their bytes."""
    dataset = DATASETS[name]
    with cache.in_cache_dir(archive.parent, f"extracting {archive.name}"):
        staging = Path(tempfile.mkdtemp(dir=archive.parent, prefix=f".{name}.extract."))
    try:
        with cache.in_cache_dir(archive.parent, f"extracting {archive.name}"):
            try:
                cache.safe_extract(archive, staging / "x")
            except (cache.UnsafeArchiveError, tarfile.TarError, zipfile.BadZipFile, EOFError) as error:
                raise Refused(f"the archive {archive.name} cannot be extracted ({error})") from None
        return read_verified(name, staging / "x" / dataset.archive_prefix)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _store(name: str, contents: dict) -> None:
    """Put verified files into the cache folder (written next to it, then renamed into place)."""
    target = cache_folder(name)
    with cache.in_cache_dir(target.parent, f"storing {name}"):
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{name}.store."))
        try:
            for path, data in contents.items():
                (staging / path).parent.mkdir(parents=True, exist_ok=True)
                (staging / path).write_bytes(data)
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def try_load(name: str, source: str) -> tuple:
    """``(where, contents, reason)`` for a loader's ``source``: the verified files, or (None, None, why not) when the
    loader should fall back to its generated data. ``source="offline"`` never looks; the dataset's own name as
    ``source`` raises :class:`DataUnavailable` instead of falling back."""
    if source == "offline":
        return None, None, "offline source requested"
    try:
        where, contents = load_files(name)
    except DataUnavailable as error:
        if source != "auto":
            raise
        return None, None, error.reason
    return where, contents, None


def fall_back(title: str, reason: str, loader, **kwargs):
    """Call the generated-data ``loader`` silently and say, in one line, why ``title`` was not used and what was."""
    with contextlib.redirect_stdout(io.StringIO()) as inner:
        data = loader(**kwargs)
    announce(f"{title} not used ({reason}); instead: {inner.getvalue().strip().removeprefix('data: ')}")
    return data


def load_files(name: str, download: bool = True) -> tuple:
    """``(where, contents)``: where the verified files came from (``"cache"``, ``"mirror"``, ``"download"``) and
    {path: bytes} of :func:`needed`. Raises :class:`DataUnavailable` with every reason in one line."""
    if name not in DATASETS:
        raise ValueError(f"unknown real dataset {name!r}; known: {', '.join(DATASETS)}")
    remote, reasons = DATASETS[name].remote, []
    try:
        if cache_folder(name).is_dir():
            try:
                return "cache", read_verified(name, cache_folder(name))
            except Refused as error:
                reasons.append(f"cached copy: {error}")
        archive = cache.cached(remote)
        if archive is not None:
            try:
                contents = _from_archive(name, archive)
            except Refused as error:
                reasons.append(f"cached archive: {error}")
            else:
                with contextlib.suppress(cache.CacheError):
                    _store(name, contents)
                return "cache", contents
    except cache.CacheError as error:
        reasons.append(error.reason)
    mirror = mirror_folder(name)
    if mirror is None:
        reasons.append(f"{MIRROR_VAR} is not set")
    elif not mirror.is_dir():
        reasons.append(f"the mirror has no folder {config.display_path(mirror)}")
    else:
        try:
            return "mirror", read_verified(name, mirror)
        except Refused as error:
            reasons.append(f"mirror {config.display_path(mirror)}: {error}")
    if not download:
        raise DataUnavailable(name, "; ".join(reasons + ["no download attempted"]))
    if config.offline():
        raise DataUnavailable(name, "; ".join(reasons + ["COURSE_OFFLINE is on, no download attempted"]))
    try:
        archive = cache.fetch(remote)
        contents = _from_archive(name, archive)
    except cache.CacheError as error:
        reasons.append(error.reason)
    except cache.DownloadError as error:
        reasons.append(f"download failed ({type(error).__name__}: {str(error)[:120]})")
    except Refused as error:
        reasons.append(f"download of {DATASETS[name].archive_url}: {error}")
    else:
        with contextlib.suppress(cache.CacheError):
            _store(name, contents)
        return "download", contents
    raise DataUnavailable(name, "; ".join(reasons))


def status(name: str) -> tuple:
    """``(where, verified, detail)`` without downloading: ``"cache"``, ``"mirror"``, ``"present but refused"`` or
    ``"neither"``; whether every needed file passed its check; the one-line reason when none did."""
    try:
        where, _ = load_files(name, download=False)
        return where, True, ""
    except DataUnavailable as error:
        present = cache_folder(name).is_dir() or bool(mirror_folder(name) and mirror_folder(name).is_dir())
        return ("present but refused" if present else "neither"), False, error.reason
