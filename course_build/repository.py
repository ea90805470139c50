"""The checkout the course runs in: where its root is and which chapters it has."""
from __future__ import annotations

import os
from pathlib import Path


class OutputFolderError(ValueError):
    """An output folder (``--out``) cannot be used: a file of that name, a parent that is a file, no permission."""


def find_root(start=None) -> Path | None:
    """The repository the course runs in: the nearest folder at or above ``start`` (default: the working
    directory) holding both ``README.md`` and a ``notebooks/`` folder; None outside a checkout."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "README.md").is_file() and (folder / "notebooks").is_dir():
            return folder
    return None


def chapters(root) -> list:
    """The chapter notebooks of a checkout, in order (``notebooks/NN_topic.ipynb``)."""
    return sorted((Path(root) / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def output_folder(path, option: str = "--out") -> Path:
    """Make ``path`` (and its parents) the folder to write into and return it; raise :class:`OutputFolderError`
    with one clear line when a file has that name, a parent is a file, or it cannot be created or written."""
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise OutputFolderError(f"{option} {path}: a file of that name exists; give a folder (created if missing)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise OutputFolderError(f"{option} {path}: part of that path is a file, not a folder; give another folder") from None
    except OSError as error:
        raise OutputFolderError(f"{option} {path}: cannot create it ({error.strerror or error}); "
                                "give a folder you can write to") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputFolderError(f"{option} {path}: no permission to write into it; give a folder you can write to")
    return path


def write_error(path, error: OSError) -> str:
    """One line for a file that could not be written (a full disk, a read-only file system, a folder in the way)."""
    return f"cannot write {path}: {error.strerror or error}"
