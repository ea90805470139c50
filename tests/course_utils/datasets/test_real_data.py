"""The real datasets (DATA.md): manifest, verification, the order of sources, downloads, fallbacks, frozen splits.

Tests that need the real files use the mirror (COURSE_DATA_MIRROR, set by the root conftest.py when ../shared/data
exists) and skip cleanly without it. The others build small stand-in files in the upstream layout, pin them in the
manifest for the test, and serve archives from 127.0.0.1 (no network). Nothing under the mirror is ever written.
"""
import dataclasses
import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from course_build import data as catalogue
from course_utils.datasets import named_entities, real, recordings, sentences, uner
from course_utils.datasets.real_manifest import FILES

from tests.course_utils.datasets.test_cache import Server
from tests._paths import REPO

MIRROR = os.environ.get(real.MIRROR_VAR)
needs_mirror = pytest.mark.skipif(not (MIRROR and Path(MIRROR).is_dir()),
                                  reason=f"{real.MIRROR_VAR} is not set or not a folder (no real data here)")


def _entry(name, path, data):
    entry = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    if real.DATASETS[name].verify == "records":
        entry["records_sha256"] = real.records_sha256(data)
    return entry


DEV = (b"# newdoc id = doc-a\n# sent_id = doc-a-1\n1\tAlice\tB-PER\t-\t-\n2\tmet\tO\t-\t-\n3\tBob\tB-PER\t-\t-\n"
       b"4\tJones\tI-PER\t-\t-\n\n# newdoc id = doc-b\n# sent_id = doc-b-1\n1\tShe\tO\t-\t-\n2\tleft\tO\t-\t-\n"
       b"3\tNew\tB-LOC\t-\t-\n4\tYork\tI-LOC\t-\t-\n\n# sent_id = doc-b-2\n1\tIBM\tB-ORG\t-\t-\n2\tcalled\tO\t-\t-\n\n")
TEST = b"# newdoc id = doc-c\n# sent_id = doc-c-1\n1\tParis\tB-LOC\t-\t-\n2\tagain\tO\t-\t-\n\n"
SENTENCES = {"amazon_cells_labelled.txt": b"Great phone.\t1\nDoes not fit.\t0\n",
             "imdb_labelled.txt": b"A slow film.  \t0\nLoved it\xc2\x85 really.  \t1\n",
             "yelp_labelled.txt": b"Crust is not good.\t0\nWow... Loved this place.\t1\n"}


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """An empty cache, no mirror, offline: the state of a fresh clone without the data."""
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(real.MIRROR_VAR, raising=False)
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    return tmp_path


@pytest.fixture
def stand_ins(monkeypatch):
    """Small UNER and UCI files pinned in the manifest for the test: {name: {path: bytes}}."""
    files = {"uner-en-ewt": {"en_ewt-ud-dev.iob2": DEV, "en_ewt-ud-test.iob2": TEST, "LICENSE.txt": b"CC BY-SA 4.0\n"},
             "uci-sentiment": dict(SENTENCES)}
    for name, contents in files.items():
        monkeypatch.setitem(FILES, name, {p: _entry(name, p, d) for p, d in contents.items()})
    return files


def _folder(root, contents):
    for path, data in contents.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    return root


# --- the manifest, DATA.md and the repository ------------------------------------------------------------------

@needs_mirror
def test_the_manifest_matches_the_mirrors_files():
    assert catalogue.hash_mirror(MIRROR) == FILES, "regenerate it: python3 course.py data --write-manifest FOLDER"
    sums = Path(MIRROR) / "SHA256SUMS"
    if sums.is_file():  # the mirror's own list agrees wherever it names a pinned file
        for line in sums.read_text().splitlines():
            sha, path = line.split(maxsplit=1)
            name, _, rel = path.removeprefix("./").partition("/")
            if rel in FILES.get(name, {}):
                assert FILES[name][rel]["sha256"] == sha, path


@needs_mirror
def test_the_speaker_table_is_the_mirrors_speakers_csv():
    rows = (Path(MIRROR) / "fsdd" / "speakers.csv").read_text().strip().splitlines()[1:]
    assert {r.split(",")[0]: tuple(r.split(",")[1:3]) for r in rows} == recordings.SPEAKERS


def test_data_md_and_the_data_command_agree_with_the_manifest():
    text = (REPO / "DATA.md").read_text(encoding="utf-8")
    assert catalogue.data_md_table(text) == catalogue.markdown_table(), "run python3 course.py data --update-data-md"
    for name, dataset in real.DATASETS.items():
        files = FILES[name]
        assert f"`{name}`: {len(files):,} files, {sum(e['size'] for e in files.values()):,} bytes" in text
        assert catalogue.manifest_digest(name) in text
        for fact in (dataset.archive_url, dataset.licence, dataset.licence_url, dataset.homepage):
            assert fact in text, (name, fact)
    assert set(real.DATASETS) <= {e.name for e in catalogue.entries()}


def test_no_file_of_the_manifest_is_tracked_by_git():
    try:
        tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    names = [Path(p).name for p in tracked.decode().split("\0") if p]
    pinned = {Path(p).name for files in FILES.values() for p in files}
    assert pinned.isdisjoint(names) and not [n for n in names if n.endswith((".wav", ".iob2"))]
    hashes = {e["sha256"] for files in FILES.values() for e in files.values()}
    for path in tracked.decode().split("\0"):
        if path and (REPO / path).is_file() and (REPO / path).stat().st_size < 5_000_000:
            assert hashlib.sha256((REPO / path).read_bytes()).hexdigest() not in hashes, path


def test_the_data_command_lists_every_dataset(isolated, capsys):
    from course_build import cli

    assert cli.main(["data"]) == 0
    out = capsys.readouterr().out
    for entry in catalogue.entries():
        assert entry.name in out
    assert all(line.split()[-2:] == ["neither", "no"] for line in out.splitlines() if line.split()[1:2] == ["real"])


@needs_mirror
def test_the_data_command_shows_the_mirror_verified(monkeypatch, tmp_path, capsys):
    from course_build import cli

    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    assert cli.main(["data"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert {r[0]: r[-2:] for r in rows if r[1:2] == ["real"]} == {n: ["mirror", "yes"] for n in real.DATASETS}


# --- verification and fallback ----------------------------------------------------------------------------------

def test_without_any_source_the_loaders_fall_back_in_one_line(isolated, capsys):
    data = uner.load_uner(fallback_args={"size": 30})
    assert isinstance(data, named_entities.EntityData)
    texts = sentences.load_sentences(fallback_args={"size": 40})
    assert texts.source == "offline review corpus"
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all("not used" in l and "COURSE_OFFLINE is on" in l for l in lines), lines
    with pytest.raises(real.DataUnavailable, match="COURSE_DATA_MIRROR is not set"):
        uner.load_uner(source="uner-en-ewt")


def test_the_mirror_is_used_and_a_corrupt_or_missing_file_is_refused(isolated, stand_ins, monkeypatch, capsys):
    mirror = isolated / "mirror"
    _folder(mirror / "uner-en-ewt", stand_ins["uner-en-ewt"])
    monkeypatch.setenv(real.MIRROR_VAR, str(mirror))
    data = uner.load_uner()
    assert data.where == "mirror" and [len(data.train) + len(data.val), len(data.test)] == [3, 1]
    assert data.test.entities == [[("LOC", 0, 1, "Paris")]] and data.test.frames == ["doc-c-1"]
    capsys.readouterr()
    (mirror / "uner-en-ewt" / "en_ewt-ud-test.iob2").write_bytes(TEST.replace(b"B-LOC", b"B-ORG"))
    fallback = uner.load_uner(fallback_args={"size": 30})
    line = capsys.readouterr().out.strip()
    assert isinstance(fallback, named_entities.EntityData) and "\n" not in line
    assert "en_ewt-ud-test.iob2 refused: it fails its SHA-256 check" in line and "instead: offline entity corpus" in line
    with pytest.raises(real.DataUnavailable, match="en_ewt-ud-test.iob2 refused"):
        uner.load_uner(source="uner-en-ewt")
    (mirror / "uner-en-ewt" / "en_ewt-ud-test.iob2").unlink()
    with pytest.raises(real.DataUnavailable, match="en_ewt-ud-test.iob2 is missing"):
        uner.load_uner(source="uner-en-ewt")


def test_sentences_are_verified_by_their_records_not_their_bytes(isolated, stand_ins, monkeypatch, capsys):
    """CRLF line endings and an added header line do not change the records; a changed label does."""
    mirror = isolated / "mirror"
    copy = {p: (b"Review\tLabel\r\n" if p.startswith("imdb") else b"") + d.replace(b"\n", b"\r\n")
            for p, d in stand_ins["uci-sentiment"].items()}
    _folder(mirror / "uci-sentiment", copy)
    monkeypatch.setenv(real.MIRROR_VAR, str(mirror))
    data = sentences.load_sentences(split="site", test_site="imdb")
    assert sorted(data.test.texts) == ["A slow film.", "Loved it\x85 really."] and set(data.test.tags) == {"imdb"}
    (mirror / "uci-sentiment" / "yelp_labelled.txt").write_bytes(SENTENCES["yelp_labelled.txt"].replace(b"\t1", b"\t0"))
    with pytest.raises(real.DataUnavailable, match="yelp_labelled.txt refused: its records fail"):
        sentences.load_sentences(source="uci-sentiment")


def test_a_corrupt_cached_copy_is_not_used_and_the_next_source_is(isolated, stand_ins, monkeypatch):
    _folder(isolated / "cache" / "real" / "uner-en-ewt", {**stand_ins["uner-en-ewt"], "en_ewt-ud-dev.iob2": b"x"})
    _folder(isolated / "mirror" / "uner-en-ewt", stand_ins["uner-en-ewt"])
    monkeypatch.setenv(real.MIRROR_VAR, str(isolated / "mirror"))
    assert uner.load_uner().where == "mirror"


def test_labelled_records_normalise_only_what_may_differ():
    assert real.labelled_records(b"\xef\xbb\xbfReview\r\n a b \t1\r\n\nc\x85d\t0") == [("a b", 1), ("c\x85d", 0)]
    assert real.labelled_records("x\x85y\t1\n".encode("utf-8")) == real.labelled_records(b"x\x85y\t1\n")
    with pytest.raises(ValueError, match="line 3"):
        real.labelled_records(b"a\t1\nb\t0\nno label here\n")


# --- downloads from 127.0.0.1 -----------------------------------------------------------------------------------

def _tar(prefix, contents):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for path, data in contents.items():
            info = tarfile.TarInfo(prefix + path)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def online(isolated, monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    server = Server()

    def serve(name, archive):
        server.files[f"/{name}"] = archive
        monkeypatch.setitem(real.DATASETS, name, dataclasses.replace(real.DATASETS[name], archive_url=server.url(f"/{name}")))

    yield serve, server
    server.close()


def test_a_download_in_the_upstream_layout_is_verified_file_by_file_and_cached(online, stand_ins, isolated):
    serve, server = online
    prefix = real.DATASETS["uner-en-ewt"].archive_prefix
    serve("uner-en-ewt", _tar(prefix, {**stand_ins["uner-en-ewt"], "en_ewt-ud-train.iob2": DEV, "README.md": b"r"}))
    assert uner.load_uner().where == "download"
    stored = isolated / "cache" / "real" / "uner-en-ewt"
    assert sorted(p.name for p in stored.iterdir()) == sorted(stand_ins["uner-en-ewt"])
    assert uner.load_uner().where == "cache" and len(server.requests) == 1


def test_a_download_with_a_corrupt_file_is_refused_and_nothing_is_kept(online, stand_ins, isolated, capsys):
    serve, _ = online
    prefix = real.DATASETS["uner-en-ewt"].archive_prefix
    serve("uner-en-ewt", _tar(prefix, {**stand_ins["uner-en-ewt"], "en_ewt-ud-dev.iob2": DEV + b"\n"}))
    data = uner.load_uner(fallback_args={"size": 30})
    line = capsys.readouterr().out.strip()
    assert isinstance(data, named_entities.EntityData) and "en_ewt-ud-dev.iob2 refused" in line and "\n" not in line
    assert not (isolated / "cache" / "real").exists()


def test_the_uci_zip_layout_with_crlf_and_macos_extras_is_accepted(online, stand_ins):
    serve, _ = online
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path, data in stand_ins["uci-sentiment"].items():
            zf.writestr("sentiment labelled sentences/" + path, data.replace(b"\n", b"\r\n"))
            zf.writestr("__MACOSX/sentiment labelled sentences/._" + path, b"\0\5\26\7")
        zf.writestr("sentiment labelled sentences/readme.txt", b"readme")
    serve("uci-sentiment", buffer.getvalue())
    data = sentences.load_sentences(split="random")
    assert len(data.train) + len(data.val) + len(data.test) == 6 and data.source.startswith("UCI")


# --- the real data: splits frozen --------------------------------------------------------------------------------

def _digest(items):
    return hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest()[:16]


def test_the_declared_speaker_split_is_frozen():
    assert (recordings.TRAIN_SPEAKERS, recordings.VALIDATION_SPEAKERS, recordings.TEST_SPEAKERS) == (
        ("jackson", "george", "yweweler"), ("nicolas",), ("theo", "lucas"))
    assert sorted(recordings.TRAIN_SPEAKERS + recordings.VALIDATION_SPEAKERS + recordings.TEST_SPEAKERS) == sorted(
        recordings.SPEAKERS)
    assert (uner.VALIDATION_SEED, uner.VALIDATION_SHARE, sentences.VALIDATION_SHARE_BY_SITE) == (0, 0.2, 0.15)


@needs_mirror
def test_real_splits_are_frozen(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    digits = recordings.load_recorded_digits(source="fsdd")
    assert [len(s) for s in (digits.train, digits.val, digits.test)] == [1500, 500, 1000] and digits.where == "mirror"
    assert set(digits.test.speakers) == set(recordings.TEST_SPEAKERS) and set(digits.val.speakers) == {"nicolas"}
    assert np.bincount(digits.test.labels).tolist() == [100] * 10
    wave = digits.train.recordings[0].waveform()
    assert wave.dtype == np.float32 and -1 <= wave.min() and wave.max() < 1
    assert abs(len(digits.train.recordings[0].waveform(16_000)) - 2 * len(wave)) <= 1
    text = sentences.load_sentences(source="uci-sentiment")
    assert [len(text.train), len(text.val), len(text.test)] == [2087, 447, 448]
    assert (_digest(text.test.texts), _digest(text.val.texts)) == ("177bded2e1fc5d0f", "3c401011f439e044")
    assert all(set(text.test.texts).isdisjoint(s.texts) for s in (text.train, text.val))
    for site, sizes, val in (("amazon", [1693, 299, 990], "fb53276bd2522026"), ("imdb", [1688, 298, 996], "285edf01734ed073"),
                             ("yelp", [1688, 298, 996], "6ae2f054420d2d2a")):
        by_site = sentences.load_sentences(source="uci-sentiment", split="site", test_site=site)
        assert [len(by_site.train), len(by_site.val), len(by_site.test)] == sizes and _digest(by_site.val.texts) == val
        assert set(by_site.test.tags) == {site} and site not in set(by_site.train.tags)
    entities = uner.load_uner(source="uner-en-ewt")
    assert [len(entities.train), len(entities.val), len(entities.test)] == [1598, 403, 2077]
    assert (_digest(entities.val.frames), _digest(entities.test.frames)) == ("baf7d748736b56de", "5fc472dcf2748a93")
    assert {t for s in entities.test.tags for t in s} == set(uner.TAGS)


def test_the_mirror_is_never_written(monkeypatch, tmp_path):
    """The loaders only read a mirror: a read-only copy serves as well as a writable one."""
    if not (MIRROR and (Path(MIRROR) / "uner-en-ewt").is_dir()):
        pytest.skip("no mirror")
    copy = tmp_path / "mirror" / "uner-en-ewt"
    shutil.copytree(Path(MIRROR) / "uner-en-ewt", copy)
    for path in copy.iterdir():
        path.chmod(0o444)
    copy.chmod(0o555)
    monkeypatch.setenv(real.MIRROR_VAR, str(tmp_path / "mirror"))
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    try:
        assert uner.load_uner(source="uner-en-ewt").where == "mirror"
    finally:
        copy.chmod(0o755)
