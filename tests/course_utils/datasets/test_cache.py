"""The download / verify / extract path, against archives built here and served from loopback."""
import contextlib
import errno
import hashlib
import json
import http.server
import io
import os
import re
import subprocess
import sys
import tarfile
import time
import threading
import zipfile
from pathlib import Path

import pytest

from course_utils.datasets import cache

from tests._paths import REPO


class Server:
    """A loopback HTTP server with a dict of path -> bytes; '/truncated/...' promises more bytes than it sends."""

    def __init__(self):
        self.files, self.requests = {}, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                body = outer.files.get(re.sub(r"^/(truncated|nolength|slow)", "", self.path))
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                if self.path.startswith("/nolength"):  # a truncated download with no length to compare against
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.path.startswith("/slow"):  # concurrent downloads overlap
                    for start in range(0, len(body), 16_384):
                        self.wfile.write(body[start:start + 16_384])
                        time.sleep(0.02)
                    return
                self.wfile.write(body[: len(body) // 2] if self.path.startswith("/truncated") else body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture
def online(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def sha(data):
    return hashlib.sha256(data).hexdigest()


def remote_for(server, path, data, published=True, **kw):
    server.files[path] = data
    return cache.Remote("demo", Path(path).name, server.url(kw.pop("serve", path)),
                        sha256=sha(data) if published else None, **kw)


def leftovers(directory):
    if not Path(directory).exists():
        return []
    return sorted(p.name for p in Path(directory).iterdir() if p.name.endswith((".part", ".tmp")))


def test_good_file_is_downloaded_verified_and_then_served_from_cache(server, online):
    data = os.urandom(300_000)
    remote = remote_for(server, "/demo.bin", data, size=len(data))
    seen = []
    path = cache.fetch(remote, progress=lambda done, total: seen.append((done, total)))
    assert path.read_bytes() == data and seen[-1] == (len(data), len(data))
    assert cache.read_manifest(online)["demo.bin"]["source"] == "published"
    assert cache.fetch(remote) == path
    assert server.requests == ["/demo.bin"]  # the second call did not touch the network


def test_truncated_download_leaves_nothing_behind(server, online):
    data = os.urandom(100_000)
    remote = remote_for(server, "/demo.bin", data, serve="/truncated/demo.bin")
    with pytest.raises(cache.DownloadError):
        cache.fetch(remote)
    assert not (online / "demo.bin").exists() and leftovers(online) == []


def test_truncated_file_on_the_server_fails_its_checksum(server, online):
    data = os.urandom(50_000)
    remote = remote_for(server, "/demo.bin", data)
    server.files["/demo.bin"] = data[:-1000]  # the server's copy is short but self-consistent
    with pytest.raises(cache.ChecksumError, match="does not match the published hash"):
        cache.fetch(remote)
    assert not (online / "demo.bin").exists() and leftovers(online) == []


def test_wrong_hash_is_rejected_and_deleted(server, online):
    remote = remote_for(server, "/demo.bin", b"some bytes")
    remote = cache.Remote(remote.name, remote.filename, remote.url, sha256="0" * 64)
    with pytest.raises(cache.ChecksumError):
        cache.fetch(remote)
    assert [p.name for p in online.iterdir() if not p.name.endswith(".lock")] == []


def test_corrupt_cached_file_is_deleted_and_fetched_again(server, online):
    data = b"the real content" * 100
    remote = remote_for(server, "/demo.bin", data)
    online.mkdir(parents=True)
    (online / "demo.bin").write_bytes(b"corrupt")
    assert cache.fetch(remote).read_bytes() == data
    assert server.requests == ["/demo.bin"]


def test_unpublished_hash_is_recorded_at_first_download_and_enforced_later(server, online):
    data = b"no checksum is published for this file"
    remote = remote_for(server, "/demo.bin", data, published=False)
    path = cache.fetch(remote)
    entry = cache.read_manifest(online)["demo.bin"]
    assert entry == {"sha256": sha(data), "size": len(data), "source": "recorded at first download"}
    path.write_bytes(b"tampered")
    assert cache.cached(remote) is None
    assert path.read_bytes() == b"tampered"  # cached() only looks; fetch() is what deletes and downloads again
    assert cache.fetch(remote).read_bytes() == data and server.requests == ["/demo.bin", "/demo.bin"]


def test_offline_mode_makes_no_network_attempt(server, online, monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    remote = remote_for(server, "/demo.bin", b"x")
    with pytest.raises(cache.OfflineError, match="no download was attempted"):
        cache.fetch(remote)
    assert server.requests == []
    assert not online.exists()  # offline, nothing is created


def test_unreachable_server_gives_a_download_error(online):
    # A loopback port nobody listens on: the connection is refused at once.
    import socket

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    remote = cache.Remote("demo", "demo.bin", f"http://127.0.0.1:{port}/demo.bin", sha256="0" * 64)
    with pytest.raises(cache.DownloadError, match="failed"):
        cache.fetch(remote, timeout=2)
    assert leftovers(online) == []


# ------------------------------------------------------------------------------------------ faults of the cache

def refuse_writes(monkeypatch, directory, error_number):
    """Make every write under ``directory`` fail with ``error_number`` (a read-only folder, a full disk).

    Simulated at the os/open level because root (as in containers) ignores permission bits."""
    directory = os.fspath(directory)

    def under(path):
        return isinstance(path, (str, os.PathLike)) and os.path.abspath(os.fspath(path)).startswith(directory)

    def fail(path):
        raise OSError(error_number, os.strerror(error_number), os.fspath(path))

    def guard(function, writes=lambda *a, **k: True):
        def wrapper(path, *args, **kwargs):
            if under(path) and writes(*args, **kwargs):
                fail(path)
            return function(path, *args, **kwargs)
        return wrapper

    real_open = open
    monkeypatch.setattr(cache, "open", guard(real_open, lambda mode="r", *a, **k: any(c in mode for c in "wax+")),
                        raising=False)
    monkeypatch.setattr(os, "open", guard(os.open, lambda flags, *a, **k: flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)))
    for name in ("unlink", "replace", "mkdir", "rename"):
        monkeypatch.setattr(os, name, guard(getattr(os, name)))


def test_cache_path_that_is_a_file_gives_the_package_error(online, monkeypatch):
    online.parent.mkdir(parents=True, exist_ok=True)
    online.write_text("I am a file, not a folder")
    remote = cache.Remote("demo", "demo.bin", "http://127.0.0.1:9/demo.bin", sha256="0" * 64)
    for offline in ("0", "1"):
        monkeypatch.setenv("COURSE_OFFLINE", offline)
        with pytest.raises(cache.CacheDirectoryError, match="COURSE_CACHE_DIR") as info:
            cache.fetch(remote)
        assert "a file is in the way" in str(info.value) and str(online) in str(info.value)
    assert online.read_text() == "I am a file, not a folder"


@pytest.mark.parametrize("situation", ["first download", "record a found file", "delete a corrupt file",
                                       "create the folder"])
def test_read_only_cache_directory_gives_the_package_error(server, online, monkeypatch, situation):
    data = b"content" * 100
    remote = remote_for(server, "/demo.bin", data, published=situation != "record a found file")
    if situation != "create the folder":
        online.mkdir(parents=True)
    if situation == "record a found file":  # a cached file with no recorded hash: fetch wants to record it
        (online / "demo.bin").write_bytes(data)
    if situation == "delete a corrupt file":
        (online / "demo.bin").write_bytes(b"corrupt")
    refuse_writes(monkeypatch, online.parent if situation == "create the folder" else online, errno.EACCES)
    with pytest.warns(cache.CacheWarning) if situation == "record a found file" else contextlib.nullcontext():
        with pytest.raises(cache.CacheDirectoryError, match="not writable.*COURSE_CACHE_DIR") as info:
            cache.fetch(remote)
    assert isinstance(info.value.__cause__, PermissionError) and "unusable" in info.value.reason


def test_full_disk_during_a_download_gives_the_package_error_and_leaves_no_part_file(server, online, monkeypatch):
    remote = remote_for(server, "/demo.bin", os.urandom(200_000))
    online.mkdir(parents=True)
    real_open = open

    class FullDisk:
        def __init__(self, handle):
            self.handle = handle

        def write(self, block):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def close(self):
            self.handle.close()

    monkeypatch.setattr(cache, "open", lambda *a, **k: FullDisk(real_open(*a, **k)), raising=False)
    with pytest.raises(cache.CacheDirectoryError, match="the disk is full"):
        cache.fetch(remote)
    assert leftovers(online) == [] and not (online / "demo.bin").exists()


@pytest.mark.parametrize("content, problem", [
    (b"{not json", "not valid JSON"),
    (b"\xff\xfe garbage", "not UTF-8"),
    (b"[]", "not an object"),
    (b'{"demo.bin": "0000"}', "not an object"),
    (b'{"demo.bin": {"sha256": "abc", "size": 1, "source": "x"}}', "sha256"),
    (b'{"demo.bin": {"sha256": "' + b"a" * 64 + b'", "size": "1", "source": "x"}}', "size"),
    (b'{"demo.bin": {"sha256": "' + b"a" * 64 + b'", "size": 1}}', "source"),
], ids=["not-json", "not-utf8", "list", "entry-string", "bad-sha", "bad-size", "no-source"])
def test_damaged_manifest_is_refused_not_read_as_empty(server, online, content, problem):
    data = b"a file without a published checksum"
    remote = remote_for(server, "/demo.bin", data, published=False)
    online.mkdir(parents=True)
    (online / "demo.bin").write_bytes(b"tampered")
    (online / "manifest.json").write_bytes(content)
    with pytest.raises(cache.ManifestError, match=problem) as info:
        cache.read_manifest(online)
    assert "manifest.json" in str(info.value) and "Repair" in str(info.value)
    with pytest.raises(cache.ManifestError):
        cache.fetch(remote)  # the tampered file is neither trusted nor re-recorded
    assert (online / "manifest.json").read_bytes() == content and server.requests == []


def test_a_lost_manifest_is_not_silently_re_trusted(server, online):
    data = b"a file without a published checksum"
    remote = remote_for(server, "/demo.bin", data, published=False)
    cache.fetch(remote)
    (online / "manifest.json").unlink()
    with pytest.warns(cache.CacheWarning, match="no recorded hash"):
        assert cache.fetch(remote).read_bytes() == data
    assert cache.read_manifest(online)["demo.bin"]["source"] == cache.UNRECORDED_SOURCE
    assert server.requests == ["/demo.bin"]


@pytest.mark.parametrize("offline", ["1", "0"])
def test_stale_part_file_is_removed_whenever_fetch_sees_it(server, online, monkeypatch, offline):
    data = b"complete file"
    remote = remote_for(server, "/demo.bin", data)
    online.mkdir(parents=True)
    if offline == "0":
        (online / "demo.bin").write_bytes(data)  # even when the real file is cached
    (online / "demo.bin.part").write_bytes(b"half a download from yesterday")
    monkeypatch.setenv("COURSE_OFFLINE", offline)
    if offline == "1":
        with pytest.raises(cache.OfflineError):
            cache.fetch(remote)
    else:
        assert cache.fetch(remote).read_bytes() == data
    assert leftovers(online) == [] and server.requests == []


def test_errors_are_the_packages_own(online):
    for error in (cache.CacheDirectoryError, cache.ManifestError, cache.OfflineError, cache.ChecksumError):
        assert issubclass(error, cache.DownloadError)  # a loader can fall back on any of them

# ---------------------------------------------------------------------------------------------------- archives

def make_tar(path, members):
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members:
            if data is None:  # a symbolic link to outside
                info = tarfile.TarInfo(name)
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
                tf.addfile(info)
            else:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    return path


def test_good_tar_is_extracted(tmp_path):
    archive = make_tar(tmp_path / "a.tar.gz", [("top/a.txt", b"A"), ("top/sub/b.txt", b"B")])
    target = cache.safe_extract(archive, tmp_path / "out")
    assert (target / "top" / "sub" / "b.txt").read_bytes() == b"B"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tar.gz", "out"]


@pytest.mark.parametrize("members", [
    [("ok.txt", b"fine"), ("../evil.txt", b"escape")],
    [("/abs/evil.txt", b"escape")],
    [("top/link", None)],
], ids=["dot-dot", "absolute", "symlink"])
def test_unsafe_tar_is_refused_and_nothing_is_written(tmp_path, members):
    archive = make_tar(tmp_path / "a.tar.gz", members)
    with pytest.raises(cache.UnsafeArchiveError):
        cache.safe_extract(archive, tmp_path / "deep" / "out")
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "deep" / "evil.txt").exists()
    assert list((tmp_path / "deep").iterdir()) == []  # no target, no staging folder


def test_unsafe_zip_is_refused(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.txt", "fine")
        zf.writestr("../../evil.txt", "escape")
    with pytest.raises(cache.UnsafeArchiveError, match="outside the target"):
        cache.safe_extract(archive, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip"]


def test_not_an_archive(tmp_path):
    bogus = tmp_path / "x.tar.gz"
    bogus.write_bytes(b"not an archive at all")
    with pytest.raises(cache.UnsafeArchiveError, match="neither a zip nor a tar"):
        cache.safe_extract(bogus, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.tar.gz"]


# ------------------------------------------------------------------------- issue 30: nothing half-written is trusted

def zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buffer.getvalue()


FETCHER = """
import sys
from course_utils.datasets import cache
remote = cache.Remote("demo", "demo.bin", sys.argv[1], sha256=sys.argv[2] or None)
path = cache.fetch(remote, timeout=30)
print(cache.sha256_of(path), path.stat().st_size)
"""


def child_env(**extra):
    return {**os.environ, "PYTHONPATH": str(REPO), **extra}


@pytest.mark.parametrize("published", [True, False], ids=["published-hash", "trust-on-first-use"])
def test_concurrent_fetches_by_real_processes_end_with_one_verified_file(server, online, published):
    data = os.urandom(400_000)
    server.files["/demo.bin"] = data
    env = child_env(COURSE_CACHE_DIR=str(online), COURSE_OFFLINE="0")
    runs = [subprocess.Popen([sys.executable, "-c", FETCHER, server.url("/slow/demo.bin"), sha(data) if published else ""],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    assert {out.split()[0] for out, _ in outputs} == {sha(data)}
    assert (online / "demo.bin").read_bytes() == data
    assert cache.read_manifest(online)["demo.bin"]["size"] == len(data)
    assert leftovers(online) == []
    assert len(server.requests) == 1  # the lock made the others wait and find the verified file


def test_a_planted_symlink_at_the_part_name_is_never_followed(server, online, monkeypatch, tmp_path):
    outside = tmp_path / "precious.txt"
    outside.write_text("not the cache's to overwrite")
    data = b"the download" * 1000
    remote = remote_for(server, "/demo.bin", data)
    online.mkdir(parents=True)
    real_unlink = os.unlink

    def unlink_then_replant(path, *args, **kwargs):  # an attacker who wins the race after every unlink
        real_unlink(path, *args, **kwargs)
        if str(path).endswith(".part"):
            os.symlink(outside, path)

    monkeypatch.setattr(os, "unlink", unlink_then_replant)
    os.symlink(outside, online / "demo.bin.part")
    assert cache.fetch(remote).read_bytes() == data
    assert outside.read_text() == "not the cache's to overwrite"


def test_an_html_page_saved_as_a_zip_is_not_trusted_on_first_use(server, online):
    remote = remote_for(server, "/spa-eng.zip", b"<html><body>Service unavailable</body></html>", published=False)
    with pytest.raises(cache.ContentError, match="unusable.*BadZipFile") as info:
        cache.fetch(remote)
    assert isinstance(info.value, cache.DownloadError)  # a loader falls back on it
    assert not (online / "spa-eng.zip").exists() and "spa-eng.zip" not in cache.read_manifest(online)
    assert leftovers(online) == []


def test_a_truncated_download_without_content_length_is_not_trusted(server, online):
    data = zip_bytes([("spa.txt", os.urandom(200_000).hex())])
    remote = remote_for(server, "/spa-eng.zip", data, published=False, serve="/nolength/spa-eng.zip")
    with pytest.raises(cache.ContentError):
        cache.fetch(remote)
    assert not (online / "spa-eng.zip").exists() and cache.read_manifest(online) == {}


def test_junk_recorded_by_an_older_version_is_checked_once_and_replaced(server, online):
    data = zip_bytes([("spa.txt", "hola\thello\n")])
    remote = remote_for(server, "/spa-eng.zip", data, published=False)
    online.mkdir(parents=True)
    junk = b"<html>login</html>"
    (online / "spa-eng.zip").write_bytes(junk)  # trusted on first use by the old code, without a content check
    (online / "manifest.json").write_text(json.dumps(
        {"spa-eng.zip": {"sha256": sha(junk), "size": len(junk), "source": "recorded at first download"}}))
    assert cache.fetch(remote).read_bytes() == data
    entry = cache.read_manifest(online)["spa-eng.zip"]
    assert entry["sha256"] == sha(data) and entry["checked"] == "zip archive opens"
    assert cache.fetch(remote).read_bytes() == data and server.requests == ["/spa-eng.zip"]


def test_a_json_file_must_parse_and_a_text_file_must_not_be_html(server, online):
    for name, body, ok in (("a.json", b'{"a": 1}', True), ("b.json", b'{"a": ', False),
                           ("c.csv", b"x,y\n1,2\n", True), ("d.csv", b"<!DOCTYPE html><p>404</p>", False)):
        remote = remote_for(server, "/" + name, body, published=False)
        if ok:
            assert cache.fetch(remote).read_bytes() == body
        else:
            with pytest.raises(cache.ContentError):
                cache.fetch(remote)


KILLED_EXTRACTION = """
import os, sys, tarfile
from course_utils.datasets import extract
real = tarfile.TarFile.extractall
def die(self, *a, **k):
    real(self, *a, **k)
    os._exit(9)  # killed mid-way: no cleanup runs
tarfile.TarFile.extractall = die
extract.safe_extract(sys.argv[1], sys.argv[2], subfolder="aclImdb")
"""


def test_an_interrupted_extraction_leaves_nothing_that_blocks_the_next(tmp_path):
    archive = make_tar(tmp_path / "a.tar.gz", [("aclImdb/train/a.txt", b"A"), ("aclImdb/README", b"r")])
    killed = subprocess.run([sys.executable, "-c", KILLED_EXTRACTION, str(archive), str(tmp_path / "aclImdb")],
                            env=child_env(), capture_output=True)
    assert killed.returncode == 9, killed.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".aclImdb.extracting.")]  # the leftover
    target = cache.safe_extract(archive, tmp_path / "aclImdb", subfolder="aclImdb")
    assert (target / "train" / "a.txt").read_bytes() == b"A"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tar.gz", "aclImdb"]


def test_imdb_extraction_is_one_rename_and_an_old_leftover_is_cleaned(tmp_path):
    from course_utils.datasets import text_classification

    archive = make_tar(tmp_path / "aclImdb_v1.tar.gz", [
        (f"aclImdb/{split}/{label}/{i}.txt", f"{split} {label} review {i}".encode())
        for split in ("train", "test") for label in ("pos", "neg") for i in range(5)])
    (tmp_path / "aclImdb_extracted").mkdir()  # left by the old two-step extraction when it was interrupted
    data = text_classification._imdb(archive, seed=0)
    assert len(data.train) + len(data.val) == 10 and len(data.test) == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aclImdb", "aclImdb_v1.tar.gz"]


def test_a_zip_bomb_is_refused_by_the_default_cap(tmp_path):
    from course_utils.datasets import extract

    archive = tmp_path / "bomb.zip"
    archive.write_bytes(zip_bytes([("zeros.bin", b"\0" * (extract.FLOOR + 1))]))
    assert archive.stat().st_size < 1_000_000
    with pytest.raises(extract.ArchiveTooLargeError, match="unpacks to more than"):
        cache.safe_extract(archive, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.zip"]


def test_declared_sizes_that_lie_are_caught_while_writing(tmp_path, monkeypatch):
    from course_utils.datasets import extract

    archive = tmp_path / "liar.zip"
    archive.write_bytes(zip_bytes([("a.bin", b"\0" * 5000), ("b.bin", b"\0" * 5000)]))
    real_infolist = zipfile.ZipFile.infolist

    def lying(self):
        infos = real_infolist(self)
        for info in infos:
            info.file_size = 10  # the central directory claims tiny files
        return infos

    monkeypatch.setattr(zipfile.ZipFile, "infolist", lying)
    with pytest.raises((extract.ArchiveTooLargeError, zipfile.BadZipFile)):
        cache.safe_extract(archive, tmp_path / "out", max_bytes=6000)
    monkeypatch.undo()
    tar = make_tar(tmp_path / "t.tar.gz", [("a.bin", b"\0" * 5000), ("b.bin", b"\0" * 5000)])
    with pytest.raises(extract.ArchiveTooLargeError):
        cache.safe_extract(tar, tmp_path / "out2", max_bytes=6000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["liar.zip", "t.tar.gz"]


def test_a_relative_cache_dir_means_the_same_folder_for_the_cli_and_the_processes_it_starts(tmp_path, monkeypatch,
                                                                                          capsys):
    """Was: the CLI used <cwd>/rel/cache and a kernel (working directory notebooks/) <notebooks>/rel/cache."""
    from course_build import cli
    from course_utils import config

    repo = REPO

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_CACHE_DIR", "rel/cache")
    assert cli.main(["results", "missing.ipynb"]) == 2  # any command: the variable is pinned first
    wanted = tmp_path / "rel" / "cache"
    assert os.environ["COURSE_CACHE_DIR"] == str(wanted) and config.cache_dir() == wanted
    elsewhere = tmp_path / "notebooks"
    elsewhere.mkdir()
    child = subprocess.run([sys.executable, "-c", "from course_utils import config; print(config.cache_dir())"],
                           capture_output=True, text=True, cwd=elsewhere, env={**os.environ, "PYTHONPATH": str(repo)})
    assert child.stdout.strip() == str(wanted), child.stderr
