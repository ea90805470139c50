"""Safe extraction of downloaded archives.

:func:`safe_extract` unpacks a tar or zip archive into a folder, refusing members that are absolute, climb out with
``..``, or are links or devices. It extracts into a temporary sibling folder and renames it into place, so a failed
extraction leaves nothing half-written.
"""
from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import zipfile
from pathlib import Path, PurePosixPath


class UnsafeArchiveError(ValueError):
    """An archive member would be written outside the target folder, or is a link or device."""



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
