"""Downloads into one verified cache, and safe extraction of archives.

* :func:`fetch` returns a cached file whose SHA-256 matches, downloading it (with a short timeout) when it is
  missing or corrupt and downloads are allowed. A file with a published checksum is verified against it; a file
  without one is verified against the hash recorded in the cache's ``manifest.json`` at its first complete
  download ("trust on first use"). A bad download or a corrupt cached file is deleted (by :func:`fetch` only).
* A download goes to a temporary file of its own in the cache folder (created with ``O_EXCL``, so a planted
  symbolic link is never followed), and is moved into place atomically only after its size, its hash and its
  content (:func:`content_problem`: an archive must open to its end, a JSON file must parse, a text file must not
  be an HTML error page) are checked. A file that fails the content check is never trusted on first use, and a
  file recorded by an older version without that check is checked once before it is used again.
* Fetches of the same file by several processes are serialised by a lock file next to it (``.<name>.lock``,
  ``fcntl.flock`` where available); the second process finds the first one's verified file. Where no lock can
  be taken (Windows, a read-only lock file) each download still has its own temporary file, so no process ever
  moves another's partial file into place. Temporary files of interrupted downloads are removed under the lock.
* :func:`cached` only looks: the verified cached file or None; it never changes the cache.
* A damaged ``manifest.json`` (not JSON, or entries of the wrong shape) raises :class:`ManifestError` instead of
  being read as empty, so a tampered file is never re-recorded as trusted. A cached file with no recorded hash
  (the manifest was lost, or the file was copied in) is trusted and recorded with a :class:`CacheWarning`.
* A cache directory that cannot be used (a file is in its place, it is read-only, the disk is full) raises
  :class:`CacheDirectoryError`, which names the directory and says to set ``COURSE_CACHE_DIR``.
* :func:`safe_extract` (from :mod:`course_utils.datasets.extract`, re-exported here) unpacks an archive safely.
* With ``COURSE_OFFLINE`` on, nothing here opens a connection: a missing file raises :class:`OfflineError`.

Every error raised here is a :class:`DownloadError`, so a loader can fall back to its offline data on any of them.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import tempfile
import urllib.request
import warnings
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from course_utils import config

MANIFEST = "manifest.json"
TIMEOUT_S = 10
UNRECORDED_SOURCE = "trusted when found without a recorded hash"
_SHA256 = re.compile(r"[0-9a-f]{64}")


class DownloadError(RuntimeError):
    """A file could not be provided from the cache or by download; nothing half-written was left behind."""


class ChecksumError(DownloadError):
    """A downloaded or cached file does not have the expected SHA-256."""


class OfflineError(DownloadError):
    """Offline mode is on and the file is not in the cache."""


class CacheError(DownloadError):
    """The cache directory or its manifest cannot be used. ``reason`` says why in a few words (for one line)."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


class CacheDirectoryError(CacheError):
    """The cache directory cannot be created, read or written (a file in its place, read-only, disk full)."""


class ManifestError(CacheError):
    """``manifest.json`` is damaged: not JSON, or entries of the wrong shape. It is never read as empty."""


class CacheWarning(UserWarning):
    """Something in the cache was trusted or repaired that a careful user should know about."""


@dataclass(frozen=True)
class Remote:
    """A file that can be downloaded: its cache file name, URL, and the checksum if one is published."""

    name: str
    filename: str
    url: str
    sha256: str | None = None
    size: int | None = None
    description: str = ""
    # Optional content check, called with the file's path; raises (any exception) when the file is unusable.
    # None: the check chosen by the file name's ending (see :func:`content_problem`).
    check: Callable | None = field(default=None, compare=False, repr=False)


class ContentError(ChecksumError):
    """A file has the right size (and hash, if any) but its content is unusable: an archive that does not open,
    JSON that does not parse, an HTML error page saved in place of the data."""


def _check_zip(path) -> str:
    with zipfile.ZipFile(path) as zf:
        bad = zf.testzip()
    if bad is not None:
        raise zipfile.BadZipFile(f"member {bad!r} is damaged")
    return "zip archive opens"


def _check_tar(path) -> str:
    with tarfile.open(path) as tf:
        for member in tf:  # reading to the end detects a truncated compressed stream
            if member.isfile():
                with tf.extractfile(member) as handle:
                    while handle.read(1 << 20):
                        pass
    return "tar archive opens"


def _check_json(path) -> str:
    with open(path, "rb") as handle:
        json.loads(handle.read().decode("utf-8"))
    return "JSON parses"


def _check_text(path) -> str:
    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    if not head:
        raise ValueError("the file is empty")
    text = head.decode("utf-8", errors="replace").lstrip().lower()
    if text.startswith(("<!doctype html", "<html", "<?xml")):
        raise ValueError("it is an HTML page (an error or login page saved in place of the data)")
    return "text, not an HTML page"


_CHECKS = ((".zip", _check_zip), (".tar", _check_tar), (".tar.gz", _check_tar), (".tgz", _check_tar),
           (".tar.bz2", _check_tar), (".tar.xz", _check_tar), (".json", _check_json), (".csv", _check_text),
           (".tsv", _check_text), (".txt", _check_text))


def content_problem(remote: Remote, path) -> tuple:
    """(problem or None, what was checked or None) for the file at ``path``: ``remote.check`` if given, else the
    check for its ending (zip/tar: opens and reads to the end; json: parses; csv/tsv/txt: not empty, not HTML)."""
    check = remote.check
    if check is None:
        name = remote.filename.lower()
        check = next((c for ending, c in _CHECKS if name.endswith(ending)), None)
    if check is None:
        return None, None
    try:
        done = check(path)
    except Exception as error:  # noqa: BLE001 - any failure of the check means the file is not usable
        return f"{type(error).__name__}: {error}", None
    return None, done if isinstance(done, str) else "content check passed"


def _why(error: OSError) -> str:
    if isinstance(error, (FileExistsError, NotADirectoryError)):
        return "a file is in the way (the path must be a folder)"
    if isinstance(error, PermissionError):
        return "it is not writable (permission denied)"
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "the disk is full"
    if error.errno == errno.EROFS:
        return "it is on a read-only file system"
    return error.strerror or str(error) or type(error).__name__


def _unusable(directory, action: str, error: OSError) -> CacheDirectoryError:
    where, why = config.display_path(directory), _why(error)
    return CacheDirectoryError(
        f"the cache directory {where} cannot be used: {action} failed because {why} "
        f"({type(error).__name__}: {error.strerror or error}). Set {config.CACHE_VAR} to a folder you can write to "
        f"(for example {config.CACHE_VAR}=~/course_cache), or free or fix that folder; "
        "the data loaders use the offline data meanwhile.",
        reason=f"cache directory {where} unusable: {why}",
    )


@contextlib.contextmanager
def in_cache_dir(directory, action: str):
    """Turn an OSError of a local file operation in the cache ``directory`` into :class:`CacheDirectoryError`.

    ``action`` names the operation for the message, e.g. ``"extracting aclImdb_v1.tar.gz"``.
    """
    try:
        yield
    except CacheError:
        raise
    except OSError as error:
        raise _unusable(directory, action, error) from error


def sha256_of(path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _entry_problem(name, entry) -> str | None:
    if not isinstance(entry, dict):
        return f"the entry for {name!r} is {type(entry).__name__}, not an object"
    if not (isinstance(entry.get("sha256"), str) and _SHA256.fullmatch(entry["sha256"])):
        return f"the entry for {name!r} has no valid \"sha256\" (64 lower-case hex digits)"
    size = entry.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return f"the entry for {name!r} has no valid \"size\" (a whole number of bytes)"
    if not isinstance(entry.get("source"), str):
        return f"the entry for {name!r} has no \"source\" text"
    return None


def _damaged(path: Path, problem: str) -> ManifestError:
    where = config.display_path(path)
    return ManifestError(
        f"the cache manifest {where} is damaged: {problem}. It holds the hashes that vouch for downloaded files "
        "without a published checksum, so it is not read as empty (that would trust whatever is in the cache). "
        f"Repair: restore it from a backup, or delete it together with the files it lists in "
        f"{config.display_path(path.parent)} so they are downloaded and recorded afresh.",
        reason=f"cache manifest {where} is damaged",
    )


def read_manifest(directory=None) -> dict:
    """The cache's manifest: {file name: {"sha256", "size", "source"}}; {} when there is none yet.

    Raises :class:`ManifestError` when it is not valid JSON or an entry has the wrong shape.
    """
    directory = Path(directory or config.cache_dir())
    path = directory / MANIFEST
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as error:
        raise _damaged(path, f"it is not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise _unusable(directory, f"reading {MANIFEST}", error) from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise _damaged(path, f"it is not valid JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(data, dict):
        raise _damaged(path, f"it holds {type(data).__name__}, not an object of file names")
    for name, entry in data.items():
        problem = _entry_problem(name, entry)
        if problem:
            raise _damaged(path, problem)
    return data


def _write_manifest(directory: Path, manifest: dict) -> None:
    with in_cache_dir(directory, f"writing {MANIFEST}"):
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".manifest.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(manifest, handle, indent=1, sort_keys=True)
            os.replace(tmp, directory / MANIFEST)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def expected_hash(remote: Remote, directory: Path) -> tuple:
    """(sha256, where it comes from) for a remote file: the published hash, or the one recorded at first download."""
    if remote.sha256:
        return remote.sha256, "published"
    entry = read_manifest(directory).get(remote.filename)
    if entry:
        return entry["sha256"], "recorded at first download"
    return None, "none yet"


def cached(remote: Remote, directory=None) -> Path | None:
    """The cached file if it exists and its hash matches (a file with no hash to check against counts as a match).

    Only looks: a corrupt file is left where it is (:func:`fetch` deletes it). Raises :class:`ManifestError` for a
    damaged manifest and :class:`CacheDirectoryError` when the file cannot be read.
    """
    directory = Path(directory or config.cache_dir())
    path = directory / remote.filename
    if not path.is_file():
        return None
    wanted, _ = expected_hash(remote, directory)
    with in_cache_dir(directory, f"reading {path.name}"):
        return path if wanted is None or sha256_of(path) == wanted else None


def _prepare_directory(directory: Path, offline: bool) -> bool:
    """Make sure the cache folder exists (not when offline: nothing would be put there). False if it is absent."""
    if directory.is_dir():
        return True
    if offline and not os.path.lexists(directory):
        return False
    with in_cache_dir(directory, "creating the folder"):
        directory.mkdir(parents=True, exist_ok=True)
    return True


_PID_PART = re.compile(r"\.(\d+)\.[^.]+\.part$")


@contextlib.contextmanager
def _locked(directory: Path, name: str):
    """Hold an exclusive lock on ``directory/.name.lock`` (best effort: yields False when none can be taken)."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock; unique temporary files still keep downloads apart
        yield False
        return
    try:
        fd = os.open(directory / f".{name}.lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError:  # a read-only cache (the file's own operations will say so), a planted link
        yield False
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield True
    finally:
        os.close(fd)


def _remove_stale_parts(directory: Path, filename: str, locked: bool) -> None:
    """Remove what interrupted downloads left: the old fixed ``name.part`` always; the unique ``.name.*.part``
    files only under the lock (no other process is downloading then) or when their process is gone."""
    legacy = directory / (filename + ".part")
    if os.path.lexists(legacy):
        with in_cache_dir(directory, f"removing the stale {legacy.name}"):
            legacy.unlink()
    prefix = f".{filename}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            if not (entry.name.startswith(prefix) and entry.name.endswith(".part")):
                continue
            match = _PID_PART.search(entry.name)
            if not locked and match and _alive(int(match.group(1))):
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def fetch(remote: Remote, directory=None, progress=None, timeout: float = TIMEOUT_S) -> Path:
    """Return the verified cached file for ``remote``, downloading it if needed and allowed.

    ``progress(done_bytes, total_bytes_or_None)`` is called while downloading. Raises :class:`OfflineError`
    (offline and not cached), :class:`ChecksumError` (the download has the wrong hash or size, or its content is
    unusable (:class:`ContentError`); it was deleted), :class:`DownloadError` (network failure; nothing was left
    behind), :class:`CacheDirectoryError` (the cache folder cannot be used) or :class:`ManifestError` (the
    manifest is damaged). All are :class:`DownloadError`. Concurrent calls for the same file end with one
    verified file (see the module's docstring).
    """
    directory = Path(directory or config.cache_dir())
    offline = config.offline()
    present = _prepare_directory(directory, offline)
    if not present:
        return _fetch(remote, directory, offline, False, progress, timeout, locked=False)
    with _locked(directory, remote.filename) as locked:
        return _fetch(remote, directory, offline, True, progress, timeout, locked)


def _fetch(remote, directory, offline, present, progress, timeout, locked) -> Path:
    path = directory / remote.filename
    corrupt = ""
    if present:
        _remove_stale_parts(directory, remote.filename, locked)
        if path.is_file():
            if cached(remote, directory) is not None:
                entry = read_manifest(directory).get(remote.filename)
                if remote.sha256 is not None or (entry and "checked" in entry):
                    return path  # a published hash vouches for it, or its content was checked when recorded
                problem, checked = content_problem(remote, path)
                if problem is None:
                    if entry is None:
                        warnings.warn(
                            f"{remote.name}: the cached {path.name} has no recorded hash (the manifest was lost, or "
                            "the file was copied in); trusting it now and recording its hash. Delete it to download "
                            "it afresh.", CacheWarning, stacklevel=3,
                        )
                    if entry is None or checked:
                        _record(remote, directory, path, entry["source"] if entry else UNRECORDED_SOURCE,
                                checked=checked)
                    return path
                corrupt = f" (the cached copy is unusable, {problem}, and was deleted)"
            else:
                corrupt = " (the cached copy did not match its hash and was deleted)"
            with in_cache_dir(directory, f"deleting the corrupt {path.name}"):
                path.unlink()
                _forget(directory, remote.filename)
    if offline:
        raise OfflineError(
            f"{remote.name}: not in the cache ({config.display_path(directory)}){corrupt} and COURSE_OFFLINE is "
            f"on; no download was attempted. Prefetch it with `python3 course.py download {remote.name}` on a "
            "machine with network, or use the offline data."
        )
    with in_cache_dir(directory, f"creating a temporary file for {remote.filename}"):
        fd, part = tempfile.mkstemp(dir=directory, prefix=f".{remote.filename}.{os.getpid()}.", suffix=".part")
    part = Path(part)
    checked = None
    try:
        got = _download(remote, directory, fd, part, progress, timeout)
        wanted, origin = expected_hash(remote, directory)
        if wanted is not None and got != wanted:
            raise ChecksumError(
                f"{remote.name}: SHA-256 {got} does not match the {origin} hash {wanted}; the file was deleted. "
                "Try again; if it persists the source has changed."
            )
        if remote.sha256 is None:  # trust on first use only for a file whose content is usable
            problem, checked = content_problem(remote, part)
            if problem is not None:
                raise ContentError(
                    f"{remote.name}: the downloaded {remote.filename} is unusable ({problem}); it was deleted and "
                    "not trusted. Try again later; the data loaders use the offline data meanwhile."
                )
        with in_cache_dir(directory, f"moving the download of {remote.filename} into place"):
            os.replace(part, path)
    except BaseException as error:  # URLError, timeouts, HTTP errors, IncompleteRead, a full disk, Ctrl-C ...
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
        if isinstance(error, DownloadError) or not isinstance(error, Exception):
            raise
        raise DownloadError(f"{remote.name}: download from {remote.url} failed: {error}") from error
    _record(remote, directory, path, "published" if remote.sha256 else "recorded at first download", got,
            checked=checked)
    return path


def _download(remote: Remote, directory: Path, fd: int, part: Path, progress, timeout: float) -> str:
    """Stream ``remote`` into the open ``fd`` (of ``part``) and return its SHA-256; a local write error is a
    :class:`CacheDirectoryError`."""
    digest, done = hashlib.sha256(), 0
    with in_cache_dir(directory, f"creating {part.name}"):
        out = open(fd, "wb")
    try:
        request = urllib.request.Request(remote.url, headers={"User-Agent": "course-utils"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            total = response.headers.get("Content-Length")
            total = int(total) if total and total.isdigit() else remote.size
            while block := response.read(1 << 16):
                with in_cache_dir(directory, f"writing {part.name}"):
                    out.write(block)
                digest.update(block)
                done += len(block)
                if progress:
                    progress(done, total)
    finally:
        with in_cache_dir(directory, f"writing {part.name}"):
            out.close()
    if total is not None and done != total:
        raise DownloadError(f"{remote.name}: download incomplete ({done} of {total} bytes)")
    if remote.size is not None and done != remote.size:
        raise ChecksumError(f"{remote.name}: downloaded {done} bytes, expected {remote.size}")
    return digest.hexdigest()


def _forget(directory: Path, filename: str) -> None:
    """Drop a deleted file's manifest entry (its hash vouched for a file that was unusable)."""
    with _locked(directory, MANIFEST):
        manifest = read_manifest(directory)
        if manifest.pop(filename, None) is not None:
            _write_manifest(directory, manifest)


def _record(remote, directory, path, source, sha=None, checked=None) -> None:
    with in_cache_dir(directory, f"reading {path.name}"):
        entry = {"sha256": sha or sha256_of(path), "size": path.stat().st_size, "source": source}
    if checked:
        entry["checked"] = checked
    with _locked(directory, MANIFEST):  # read-modify-write: fetches of different files must not lose entries
        manifest = read_manifest(directory)
        manifest[remote.filename] = entry
        _write_manifest(directory, manifest)


from course_utils.datasets.extract import UnsafeArchiveError, process_alive as _alive, safe_extract  # noqa: E402,F401  (re-exported: loaders use cache.safe_extract)
