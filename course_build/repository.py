"""The checkout the course runs in: where its root is and which chapters it has."""
from __future__ import annotations

from pathlib import Path


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
