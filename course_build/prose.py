"""True to the run: every number a chapter's prose states must come from that chapter's own run.

A *prose number* is a number with a decimal point or with three or more digits (``0.896``, ``1,777``, ``2.7e-5``,
``100``) in a Markdown cell. It must appear, in the same rounding, in a stored output of the same notebook or in
its code cells (a hyperparameter stated in prose is in the code that sets it). Not checked:

* LaTeX math, ``$...$`` and ``$$...$$`` (derivations, formulas);
* text inside a citation marker ``(cited: <source and its numbers>)``, for published results;
* years 1900-2099, URLs and Markdown link targets;
* the ``**Measured full-mode run time:**`` line (the runner writes it from the run's metadata);
* the "Further reading" section (bibliographic references: volumes, pages, arXiv numbers, section numbers).

Thousands separators are ignored on both sides ("1,000" matches "1000"). ``python -m pytest
tests/test_prose_numbers.py`` runs the check on every chapter; :func:`unsupported_numbers` lists the offenders.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

CITED = "(cited:"
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<!\\)\$[^$\n]+?(?<!\\)\$")
_URL = re.compile(r"(https?://\S+|\]\([^)]*\))")
_IP_ADDRESS = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")  # 127.0.0.1 is an address, not a result
_RUNTIME_LINE = re.compile(r"\*\*Measured full-mode run time:\*\*[^\n]*")
_FURTHER_READING = re.compile(r"^#{1,6}\s*Further reading\b.*", re.S | re.M | re.I)
# a number: digits with thousands separators, or digits with a decimal part, optional exponent
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\.\d+|\d+)(?:[eE]([-+]?\d+))?(?![\w])")


def _strip_citations(text: str) -> str:
    """Remove every ``(cited: ...)`` marker, with balanced parentheses inside it."""
    out, i = [], 0
    while True:
        start = text.find(CITED, i)
        if start < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:start])
        depth, j = 0, start
        while j < len(text):
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
            if depth == 0:
                break
        i = j


def checked_text(markdown: str) -> str:
    """The part of a Markdown cell whose numbers are checked (math, citations, URLs, IP addresses, references
    removed)."""
    text = _FURTHER_READING.sub("", markdown)
    text = _RUNTIME_LINE.sub("", text)
    text = _strip_citations(text)
    text = _DISPLAY_MATH.sub(" ", text)
    text = _INLINE_MATH.sub(" ", text)
    return _IP_ADDRESS.sub(" ", _URL.sub(" ", text))


def prose_numbers(markdown: str) -> list:
    """The numbers a Markdown text states that must come from the run, as written (e.g. ['0.896', '1,777'])."""
    found = []
    for match in _NUMBER.finditer(checked_text(markdown)):
        digits = match.group(1)
        plain = digits.replace(",", "")
        if match.group(2) is None and "." not in plain:
            if len(plain) < 3 or (len(plain) == 4 and 1900 <= int(plain) <= 2099):
                continue  # short integers and years are not checked
        found.append(match.group(0))
    return found


def _forms(number: str) -> set:
    """Spellings of one number that count as the same rounding: with or without separators, e-5 or e-05."""
    plain = number.replace(",", "")
    forms = {number, plain}
    m = re.fullmatch(r"(.+?)[eE]([-+]?)(\d+)", plain)
    if m:
        mantissa, sign, exponent = m.groups()
        for s in {sign, "-" if sign == "-" else "+", "" if sign != "-" else "-"}:
            for e in {exponent.lstrip("0") or "0", exponent.zfill(2)}:
                forms |= {f"{mantissa}e{s}{e}", f"{mantissa}E{s}{e}"}
    return forms


def _contains(haystack: str, number: str) -> bool:
    for form in _forms(number):
        if re.search(r"(?<![\d.])" + re.escape(form) + r"(?![\d]|\.\d)", haystack):
            return True
    return False


def _output_text(output) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    data = output.get("data", {})
    parts = []
    for mime in ("text/plain", "text/markdown", "text/html", "text/latex"):
        value = data.get(mime)
        if value:
            parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)


def evidence(nb) -> str:
    """Everything a prose number may come from: the code cells and every stored text output."""
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            parts.append(cell.source)
            parts.extend(_output_text(output) for output in cell.get("outputs", []))
    text = "\n".join(parts)
    return text + "\n" + re.sub(r"(?<=\d),(?=\d{3})", "", text)  # also without thousands separators


def unsupported_numbers(path_or_nb) -> list:
    """(cell index, number) for every prose number found neither in the stored outputs nor in the code."""
    nb = path_or_nb if hasattr(path_or_nb, "cells") else nbformat.read(str(Path(path_or_nb)), as_version=4)
    haystack = evidence(nb)
    missing = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for number in prose_numbers(cell.source):
            if not _contains(haystack, number):
                missing.append((index, number))
    return missing
