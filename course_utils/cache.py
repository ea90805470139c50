"""Downloads into one verified cache, and safe extraction of archives.

* :func:`fetch` returns a cached file whose SHA-256 matches, downloading it (to a ``.part`` file, with a short
  timeout) when it is missing or corrupt and downloads are allowed. A file with a published checksum is
  verified against it; a file without one is verified against the hash recorded in the cache's
  ``manifest.json`` at its first complete download ("trust on first use"). A bad download is deleted.
* :func:`safe_extract` unpacks a tar or zip archive into a folder, refusing members that are absolute, climb
  out with ``..``, or are links or devices. It extracts into a temporary sibling folder and renames it into
  place, so a failed extraction leaves nothing half-written.
* With ``COURSE_OFFLINE`` on, nothing here opens a connection: a missing file raises :class:`OfflineError`.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from . import config

MANIFEST = "manifest.json"
TIMEOUT_S = 10


class DownloadError(RuntimeError):
    """A download failed; no partial file was left in the cache."""


class ChecksumError(DownloadError):
    """A downloaded or cached file does not have the expected SHA-256."""


class OfflineError(DownloadError):
    """Offline mode is on and the file is not in the cache."""


class UnsafeArchiveError(ValueError):
    """An archive member would be written outside the target folder, or is a link or device."""


@dataclass(frozen=True)
class Remote:
    """A file that can be downloaded: its cache file name, URL, and the checksum if one is published."""

    name: str
    filename: str
    url: str
    sha256: str | None = None
    size: int | None = None
    description: str = ""


def sha256_of(path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(directory=None) -> dict:
    """The cache's manifest: {file name: {"sha256", "size", "source"}}. A corrupt manifest reads as empty."""
    path = Path(directory or config.cache_dir()) / MANIFEST
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return {}


def _write_manifest(directory: Path, manifest: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".manifest.", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(manifest, handle, indent=1, sort_keys=True)
    os.replace(tmp, directory / MANIFEST)


def expected_hash(remote: Remote, directory: Path) -> tuple:
    """(sha256, where it comes from) for a remote file: the published hash, or the one recorded at first download."""
    if remote.sha256:
        return remote.sha256, "published"
    entry = read_manifest(directory).get(remote.filename)
    if entry and entry.get("sha256"):
        return entry["sha256"], "recorded at first download"
    return None, "none yet"


def cached(remote: Remote, directory=None) -> Path | None:
    """The cached file if it exists and its hash matches; a corrupt file is deleted and None returned."""
    directory = Path(directory or config.cache_dir())
    path = directory / remote.filename
    if not path.is_file():
        return None
    wanted, _ = expected_hash(remote, directory)
    if wanted is None or sha256_of(path) == wanted:
        return path
    path.unlink()
    return None


def fetch(remote: Remote, directory=None, progress=None, timeout: float = TIMEOUT_S) -> Path:
    """Return the verified cached file for ``remote``, downloading it if needed and allowed.

    ``progress(done_bytes, total_bytes_or_None)`` is called while downloading. Raises :class:`OfflineError`
    (offline and not cached), :class:`ChecksumError` (the download has the wrong hash; it was deleted) or
    :class:`DownloadError` (network failure; nothing was left behind).
    """
    directory = Path(directory or config.cache_dir(create=True))
    directory.mkdir(parents=True, exist_ok=True)
    path = cached(remote, directory)
    if path is not None:
        if remote.sha256 is None and remote.filename not in read_manifest(directory):
            _record(remote, directory, path, "recorded at first download")
        return path
    if config.offline():
        raise OfflineError(
            f"{remote.name}: not in the cache ({config.display_path(directory)}) and COURSE_OFFLINE is on; "
            "no download was attempted. Prefetch it with `python -m course_utils download "
            f"{remote.name}` on a machine with network, or use the offline data."
        )
    part = directory / (remote.filename + ".part")
    digest = hashlib.sha256()
    done = 0
    try:
        request = urllib.request.Request(remote.url, headers={"User-Agent": "course-utils"})
        with urllib.request.urlopen(request, timeout=timeout) as response, open(part, "wb") as out:
            total = response.headers.get("Content-Length")
            total = int(total) if total and total.isdigit() else remote.size
            while block := response.read(1 << 16):
                out.write(block)
                digest.update(block)
                done += len(block)
                if progress:
                    progress(done, total)
        if total is not None and done != total:
            raise DownloadError(f"{remote.name}: download incomplete ({done} of {total} bytes)")
        if remote.size is not None and done != remote.size:
            raise ChecksumError(f"{remote.name}: downloaded {done} bytes, expected {remote.size}")
        wanted, origin = expected_hash(remote, directory)
        got = digest.hexdigest()
        if wanted is not None and got != wanted:
            raise ChecksumError(
                f"{remote.name}: SHA-256 {got} does not match the {origin} hash {wanted}; the file was deleted. "
                "Try again; if it persists the source has changed."
            )
        os.replace(part, directory / remote.filename)
    except Exception as error:  # URLError, timeouts, HTTP errors, IncompleteRead, ...
        part.unlink(missing_ok=True)
        if isinstance(error, DownloadError):
            raise
        raise DownloadError(f"{remote.name}: download from {remote.url} failed: {error}") from error
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    path = directory / remote.filename
    _record(remote, directory, path, "published" if remote.sha256 else "recorded at first download", got)
    return path


def _record(remote, directory, path, source, sha=None) -> None:
    manifest = read_manifest(directory)
    manifest[remote.filename] = {"sha256": sha or sha256_of(path), "size": path.stat().st_size, "source": source}
    _write_manifest(directory, manifest)


# ------------------------------------------------------------------------------------------------------
# Extraction
# ------------------------------------------------------------------------------------------------------

def _check_member_name(name: str) -> None:
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or (pure.parts and pure.parts[0].endswith(":")) or ".." in pure.parts:
        raise UnsafeArchiveError(f"archive member {name!r} would be written outside the target folder; refusing to extract")


def safe_extract(archive, target) -> Path:
    """Extract a ``.tar``, ``.tar.gz`` or ``.zip`` archive into ``target`` (created; must not exist yet).

    Every member is checked first: absolute paths, ``..`` components, symbolic or hard links and device
    files raise :class:`UnsafeArchiveError` and nothing is written. Extraction goes to a temporary sibling
    folder that is renamed to ``target`` only when complete.
    """
    archive, target = Path(archive), Path(target)
    if target.exists():
        raise FileExistsError(f"{target} already exists; remove it first or use it as it is")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.extracting."))
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    _check_member_name(info.filename)
                    mode = info.external_attr >> 16
                    if mode and (mode & 0o170000) == 0o120000:
                        raise UnsafeArchiveError(f"archive member {info.filename!r} is a symbolic link; refusing to extract")
                zf.extractall(staging)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tf:
                members = tf.getmembers()
                for member in members:
                    _check_member_name(member.name)
                    if not (member.isfile() or member.isdir()):
                        raise UnsafeArchiveError(
                            f"archive member {member.name!r} is a link or special file; refusing to extract"
                        )
                if hasattr(tarfile, "data_filter"):
                    tf.extractall(staging, members=members, filter="data")
                else:  # pragma: no cover - Python without extraction filters; members were checked above
                    tf.extractall(staging, members=members)
        else:
            raise UnsafeArchiveError(f"{archive.name} is neither a zip nor a tar archive (corrupt download?)")
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
