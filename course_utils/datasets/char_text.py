"""Character-level text: the language-reference help topics and standard-library docstrings that ship with every
Python installation (PSF licence)."""
from __future__ import annotations

import importlib
import inspect

from course_utils import validation
from course_utils.datasets.sources import announce

STDLIB_MODULES = (
    "abc argparse ast asyncio base64 bisect calendar cmd codecs collections configparser contextlib copy csv "
    "dataclasses datetime decimal difflib doctest email enum filecmp fileinput fnmatch fractions ftplib "
    "functools getopt gettext glob gzip hashlib heapq hmac html http.client http.server imaplib inspect "
    "ipaddress itertools json locale logging mailbox numbers operator optparse pathlib pickle pkgutil "
    "platform poplib pprint pydoc queue random re reprlib sched secrets selectors shelve shlex shutil "
    "smtplib socket socketserver sqlite3 statistics string subprocess tarfile tempfile textwrap threading "
    "timeit tokenize traceback types typing unittest urllib.parse urllib.request uuid warnings weakref "
    "zipfile"
).split()


def _clean_docstring(doc: str) -> str:
    paragraphs, current = [], []
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped.startswith((">>>", "...", "$ ", "***", "===", "---")) or line.startswith(("   ", "\t")):
            stripped = ""  # code examples and indented blocks are not prose
        if stripped:
            current.append(stripped)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    text = "\n".join(p for p in paragraphs if len(p) > 40 and sum(c.isalpha() for c in p) > 0.6 * len(p))
    return text.encode("ascii", "ignore").decode()


def _documented_objects(module):
    yield module
    for name, obj in sorted(vars(module).items()):
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            yield obj
        elif inspect.isclass(obj):
            yield obj
            for attr, member in sorted(vars(obj).items()):
                if not attr.startswith("_") and inspect.isfunction(member):
                    yield member


def load_char_text(max_chars: int | None = None) -> str:
    """English prose from the documentation that ships with Python itself.

    Two parts, both in every CPython installation: the help topics of the language reference
    (``pydoc_data.topics``, what ``help("for")`` shows) and the docstrings of about 100 standard-library
    modules, their classes, methods and functions. Code examples, grammar rules and indented blocks are
    removed, paragraphs become lines, non-ASCII characters are dropped. About 0.6 million characters; the
    exact text depends on the Python version (and by a few hundred characters on which standard-library modules
    were imported before), so compare models on one text, never across machines. Licence: PSF.
    ``max_chars`` (an int, at least 1) keeps only the first characters; a float or string raises ``TypeError``.
    """
    max_chars = validation.integer("max_chars", max_chars, minimum=1, allow_none=True)
    pieces, seen = [], set()
    from pydoc_data.topics import topics

    for name in sorted(topics):
        cleaned = _clean_docstring(topics[name])
        if cleaned:
            pieces.append(cleaned)
    for module_name in STDLIB_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # pragma: no cover - a trimmed installation
            continue
        for obj in _documented_objects(module):
            doc = inspect.getdoc(obj)
            if doc and doc not in seen:
                seen.add(doc)
                cleaned = _clean_docstring(doc)
                if cleaned:
                    pieces.append(cleaned)
    text = "\n".join(pieces)
    if max_chars is not None:
        text = text[:max_chars]
    announce(f"Python documentation text (language reference topics and docstrings): {len(text):,} characters")
    return text
