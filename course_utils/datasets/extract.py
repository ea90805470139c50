"""Safe extraction of downloaded archives.

:func:`safe_extract` unpacks a tar or zip archive into a folder, refusing members that are absolute, climb out with
``..``, or are links or devices. It extracts into a temporary sibling folder and renames it into place, so a failed
extraction leaves nothing half-written; the temporary folder of an extraction that was killed (its process is gone)
is removed by the next call for the same target. The total size unpacked is capped (``max_bytes``; by default
:data:`RATIO` times the archive's size, at least :data:`FLOOR` bytes), so a small "zip bomb" cannot fill the disk.

:func:`read_zip_member` reads one member of a zip into memory under the same cap (loaders that parse a member
directly). :func:`reading` turns what a damaged archive raises (``BadZipFile``, ``TarError``, ``zlib.error``,
``EOFError``) into :class:`DamagedArchiveError`, so a loader catches one type, :class:`UnsafeArchiveError`, for an
unsafe, too large or damaged archive.
"""
from __future__ import annotations

import contextlib
import gzip
import io
import os
import re
import shutil
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath


class UnsafeArchiveError(ValueError):
    """An archive member would be written outside the target folder, or is a link or device."""


class ArchiveTooLargeError(UnsafeArchiveError):
    """The archive unpacks to more than the cap (a decompression bomb, or not the dataset it claims to be)."""


class DamagedArchiveError(UnsafeArchiveError):
    """The archive does not open, or a member does not decompress (a truncated or corrupt file)."""


# what reading a damaged (truncated, corrupt) archive raises; UnicodeDecodeError: a text member that is not text
DAMAGED = (zipfile.BadZipFile, tarfile.TarError, gzip.BadGzipFile, zlib.error, EOFError, UnicodeDecodeError)

RATIO = 20  # the course's datasets unpack to at most about 5 times their compressed size
FLOOR = 64 * 1024 * 1024
_CHUNK = 1 << 20


def default_cap(archive) -> int:
    """The default cap on what ``archive`` may unpack to: :data:`RATIO` times its size, at least :data:`FLOOR`."""
    return max(FLOOR, RATIO * Path(archive).stat().st_size)


def _too_large(archive, cap) -> ArchiveTooLargeError:
    return ArchiveTooLargeError(
        f"{Path(archive).name} unpacks to more than {cap:,} bytes, far more than the dataset should be "
        "(a damaged or malicious archive); refusing to extract. Delete it to download it afresh."
    )


@contextlib.contextmanager
def reading(archive):
    """Turn an error of :data:`DAMAGED` raised while ``archive`` is read into :class:`DamagedArchiveError` (one line)."""
    try:
        yield
    except UnsafeArchiveError:
        raise
    except DAMAGED as error:
        detail = " ".join(str(error).split())[:200]
        raise DamagedArchiveError(
            f"{Path(archive).name} is damaged ({type(error).__name__}: {detail}); delete it to download it afresh"
        ) from error


def _copy_capped(source, out, archive, cap: int, written: int) -> int:
    """Copy ``source`` to ``out`` in blocks, counting the real bytes: more than ``cap`` in all raises."""
    while block := source.read(_CHUNK):
        written += len(block)
        if written > cap:
            raise _too_large(archive, cap)
        out.write(block)
    return written


def read_zip_member(archive, wanted, *, max_bytes: int | None = None) -> tuple:
    """``(name, bytes)`` of the first file in zip ``archive`` whose name ``wanted(name)`` accepts, read under the cap
    (``max_bytes``, default :func:`default_cap`; declared and real sizes both count).

    Raises :class:`ArchiveTooLargeError` when the member is larger, :class:`UnsafeArchiveError` when no member fits,
    :class:`DamagedArchiveError` when the zip does not open or the member does not decompress.
    """
    archive = Path(archive)
    cap = default_cap(archive) if max_bytes is None else max_bytes
    with reading(archive), zipfile.ZipFile(archive) as zf:
        info = next((i for i in zf.infolist() if not i.is_dir() and wanted(i.filename)), None)
        if info is None:
            raise UnsafeArchiveError(f"{archive.name} has no member the loader expects (not the expected archive?)")
        if info.file_size > cap:
            raise _too_large(archive, cap)
        buffer = io.BytesIO()
        with zf.open(info) as source:
            _copy_capped(source, buffer, archive, cap, 0)
    return info.filename, buffer.getvalue()


def _staging_prefix(target: Path) -> str:
    return f".{target.name}.extracting."


def _remove_leftovers(target: Path) -> None:
    """Remove staging folders of extractions into ``target`` whose process is gone (killed, power cut)."""
    prefix = _staging_prefix(target)
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        match = re.match(r"(\d+)\.", entry.name[len(prefix):])
        if match and process_alive(int(match.group(1))):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (its temporary folder or file is not a leftover)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True



def _check_member_name(name: str) -> None:
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or (pure.parts and pure.parts[0].endswith(":")) or ".." in pure.parts:
        raise UnsafeArchiveError(f"archive member {name!r} would be written outside the target folder; refusing to extract")


def safe_extract(archive, target, *, max_bytes: int | None = None, subfolder: str | None = None) -> Path:
    """Extract a ``.tar``, ``.tar.gz`` or ``.zip`` archive into ``target`` (created; must not exist yet).

    Every member is checked first: absolute paths, ``..`` components, symbolic or hard links and device
    files raise :class:`UnsafeArchiveError` and nothing is written. More than ``max_bytes`` in total (default
    :func:`default_cap`) raises :class:`ArchiveTooLargeError`. Extraction goes to a temporary sibling folder that
    is renamed to ``target`` only when complete; with ``subfolder``, only that top-level folder of the archive
    becomes ``target`` (e.g. ``subfolder="aclImdb"``) and the rest is discarded.
    """
    archive, target = Path(archive), Path(target)
    if target.exists():
        raise FileExistsError(f"{target} already exists; remove it first or use it as it is")
    cap = default_cap(archive) if max_bytes is None else max_bytes
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f"{_staging_prefix(target)}{os.getpid()}."))
    try:
        if zipfile.is_zipfile(archive):
            _extract_zip(archive, staging, cap)
        elif tarfile.is_tarfile(archive):
            _extract_tar(archive, staging, cap)
        else:
            raise UnsafeArchiveError(f"{archive.name} is neither a zip nor a tar archive (corrupt download?)")
        source = staging
        if subfolder is not None:
            _check_member_name(subfolder)
            source = staging / subfolder
            if not source.is_dir():
                raise UnsafeArchiveError(f"{archive.name} has no folder {subfolder!r} (not the expected archive?)")
        os.replace(source, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _extract_zip(archive: Path, staging: Path, cap: int) -> None:
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        for info in infos:
            _check_member_name(info.filename)
            mode = info.external_attr >> 16
            if mode and (mode & 0o170000) == 0o120000:
                raise UnsafeArchiveError(f"archive member {info.filename!r} is a symbolic link; refusing to extract")
        if sum(info.file_size for info in infos) > cap:  # the declared sizes: refused before writing anything
            raise _too_large(archive, cap)
        written = 0
        for info in infos:  # the real sizes, counted while writing (declared sizes can lie)
            destination = staging.joinpath(*[p for p in info.filename.replace("\\", "/").split("/") if p])
            if info.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as source, open(destination, "xb") as out:
                written = _copy_capped(source, out, archive, cap, written)


def _extract_tar(archive: Path, staging: Path, cap: int) -> None:
    with tarfile.open(archive) as tf:
        members = tf.getmembers()
        for member in members:
            _check_member_name(member.name)
            if not (member.isfile() or member.isdir()):
                raise UnsafeArchiveError(f"archive member {member.name!r} is a link or special file; refusing to extract")
        if sum(member.size for member in members if member.isfile()) > cap:  # a tar member's size is its real size
            raise _too_large(archive, cap)
        if hasattr(tarfile, "data_filter"):
            tf.extractall(staging, members=members, filter="data")
        else:  # pragma: no cover - Python without extraction filters; members were checked above
            tf.extractall(staging, members=members)
