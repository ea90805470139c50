"""What every loader shares: the registry of downloadable datasets, the choice between the canonical file and
the offline data, the one line that names the source, and seeded splits.

A family module registers its downloadable file with :func:`register_remote`; ``python3 course.py download``
offers exactly the names registered here.
"""
from __future__ import annotations

import numpy as np

from course_utils.datasets import cache

REMOTES: dict = {}


def register_remote(remote: cache.Remote) -> cache.Remote:
    """Add a downloadable dataset to the registry (its ``name`` is what ``source=`` and the CLI accept)."""
    if remote.name in REMOTES:
        raise ValueError(f"a dataset named {remote.name!r} is already registered")
    REMOTES[remote.name] = remote
    return remote


def check_source(source: str, canonical: str, allowed_extra=()) -> None:
    allowed = ("auto", canonical, "offline", *allowed_extra)
    if source not in allowed:
        raise ValueError(f"source must be one of {allowed}, got {source!r}")


def try_canonical(name: str, source: str):
    """The canonical file if ``source`` allows it and it is cached or downloadable, else None (with the reason)."""
    if source == "offline":
        return None, "offline source requested"
    try:
        return cache.fetch(REMOTES[name]), ""
    except cache.OfflineError:
        if source != "auto":
            raise
        return None, "COURSE_OFFLINE is on and it is not cached"
    except cache.CacheError as error:  # an unusable cache folder or a damaged manifest: say which, in one line
        if source != "auto":
            raise
        return None, f"{error.reason}; set COURSE_CACHE_DIR to fix it"
    except cache.DownloadError as error:
        if source != "auto":
            raise
        return None, f"download failed ({type(error).__name__})"


def announce(text: str) -> None:
    print(f"data: {text}")


def split_indices(n: int, fractions, seed: int) -> list:
    order = np.random.default_rng(seed).permutation(n)
    cuts = np.cumsum([int(round(f * n)) for f in fractions[:-1]])
    return np.split(order, cuts)
