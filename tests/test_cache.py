"""The download / verify / extract path, against archives built here and served from loopback."""
import hashlib
import http.server
import io
import os
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

from course_utils import cache


class Server:
    """A loopback HTTP server with a dict of path -> bytes; '/truncated/...' promises more bytes than it sends."""

    def __init__(self):
        self.files, self.requests = {}, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                body = outer.files.get(self.path.replace("/truncated", ""))
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if self.path.startswith("/truncated") else body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
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
    assert list(online.iterdir()) == []


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
    assert cache.cached(remote) is None and not path.exists()


def test_corrupt_manifest_reads_as_empty(online):
    online.mkdir(parents=True)
    (online / "manifest.json").write_text("{not json")
    assert cache.read_manifest(online) == {}


def test_offline_mode_makes_no_network_attempt(server, online, monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    remote = remote_for(server, "/demo.bin", b"x")
    with pytest.raises(cache.OfflineError, match="no download was attempted"):
        cache.fetch(remote)
    assert server.requests == []
    assert leftovers(online) == [] and not (online / "demo.bin").exists()


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
