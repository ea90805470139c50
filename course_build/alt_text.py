"""Alt text for the figures stored in a chapter, generated from the code that drew them.

The site and the slides are built from the stored notebooks without executing them, so a figure's alt text is
derived from what the build can read: the titles and axis labels in the cell's plotting calls (``set_title``,
``plt.title``, ``suptitle``, ``set_xlabel``/``set_ylabel``, ``ax.set(title=..., xlabel=..., ylabel=...)``),
the number of panels Matplotlib reported (``<Figure size ... with 3 Axes>``), and, when the code names no title,
the first sentence of the Markdown cell above the figure. :func:`figure_alt_texts` returns one text per image
output of a cell; :func:`alt_texts` maps every image of a notebook.
"""
from __future__ import annotations

import ast
import re

_PANELS = re.compile(r"with (\d+) Axes")
GAP = "\x00"  # where an f-string's formatted value was: unknown without running the cell
_DANGLING = re.compile(r"(\s+\b(of|for|by|at|per|and|or|with|in|on|to|from|than|vs\.?))+\s*$", re.IGNORECASE)
_WITH_GAP = re.compile(r"(\b[\w_]+\s*=\s*)?[\"'‘“]?" + GAP + r"[\"'’”]?")
_TITLE_CALLS = {"set_title": "title", "title": "title", "suptitle": "title", "set_xlabel": "x", "xlabel": "x",
                "set_ylabel": "y", "ylabel": "y"}
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def _text_of(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return without_gaps("".join(v.value if isinstance(v, ast.Constant) else GAP for v in node.values))
    return None


def _split_top(text: str) -> list:
    """``[(clause, separator after it)]``: ``text`` cut at ", ", "; " and ": " outside brackets."""
    parts, depth, start, index = [], 0, 0, 0
    while index < len(text):
        char = text[index]
        depth += char in "([" and 1 or (char in ")]" and -1 or 0)
        if depth == 0 and char in ",;:" and text[index + 1: index + 2] in (" ", ""):
            parts.append((text[start:index], char))
            start = index = index + 1
            continue
        index += 1
    parts.append((text[start:], ""))
    return parts


def _clause(text: str) -> str | None:
    """A clause with its unknown values taken out, or None when too little of it is left to say anything."""
    if GAP not in text:
        return text.strip()
    left = _DANGLING.sub("", " ".join(_WITH_GAP.sub("", text).split())).strip()
    return left if len(re.findall(r"[A-Za-z][\w-]*", left)) >= 2 else None


def without_gaps(text: str) -> str:
    """A title or label from an f-string, without the values only a run would know: the clauses (between commas,
    semicolons, colons, or in brackets) that held one are kept when enough words are left, dropped otherwise; the
    whole text is dropped ("") when its leading clause goes. ``"Accuracy, seed {seed}"`` -> ``"Accuracy"``,
    ``"Forecasts (seed {seed})"`` -> ``"Forecasts"``, ``"Seed {s}, unit {u}: ..."`` -> ``""``."""
    if GAP not in text:
        return text

    def bracket(match):
        kept = [c for c in (_clause(c) for c, _ in _split_top(match.group(1))) if c]
        return f"({', '.join(kept)})" if kept else ""

    previous = None
    while previous != text:  # innermost brackets first
        previous, text = text, re.sub(r"\(([^()]*" + GAP + r"[^()]*)\)", bracket, text)
    out = []
    for index, (clause, separator) in enumerate(_split_top(text)):
        kept = _clause(clause)
        if index == 0 and not kept:
            return ""
        if kept:
            out.append(kept + separator)
    text = " ".join(out).strip().rstrip(",;:").strip()
    return re.sub(r"\s+([,;:)])", r"\1", re.sub(r"[,;:]\s*\(", " (", text))


def plain(text: str) -> str:
    """Text without Markdown/LaTeX markup, on one line (``$c_t$`` -> ``c_t``, ``$\\alpha$`` -> ``alpha``)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: keep their words
    text = re.sub(r"<[^>]+>", "", text).replace("\\|", "|")  # HTML tags, \| norms
    text = re.sub(r"\\(operatorname|mathrm|mathbf|mathcal|text)\b", "", text)
    text = re.sub(r"\\([a-zA-Z]+)", r"\1", text)  # \alpha -> alpha
    text = re.sub(r"[`*#>${}]|\\[()\[\]]", "", text)
    return " ".join(text.split())


def labels_in_code(source: str) -> dict:
    """``{"title": [...], "x": [...], "y": [...]}``: the literal titles and axis labels of a cell's plot calls."""
    found = {"title": [], "x": [], "y": []}
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return found
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in _TITLE_CALLS and node.args:
            text = _text_of(node.args[0])
            if text:
                found[_TITLE_CALLS[name]].append(text)
        if name in ("set", "update") or name in _TITLE_CALLS:
            for keyword in node.keywords:
                key = {"title": "title", "xlabel": "x", "ylabel": "y"}.get(keyword.arg or "")
                text = _text_of(keyword.value) if key else None
                if key and text:
                    found[key].append(text)
    return {key: list(dict.fromkeys(plain(v) for v in values if plain(v))) for key, values in found.items()}


def first_sentence(markdown: str) -> str:
    """The first sentence of a Markdown cell that is not a heading, as plain text."""
    body = " ".join(line for line in markdown.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    text = plain(body)
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    return sentence[:300]


def figure_alt_texts(source: str, outputs: list, context: str = "") -> list:
    """One alt text per image output of a code cell (``outputs`` as stored), from its code and the text above."""
    labels = labels_in_code(source)
    texts = []
    for output in outputs:
        data = output.get("data", {}) if isinstance(output, dict) else {}
        if not any(kind in data for kind in IMAGE_TYPES):
            continue
        plain_repr = data.get("text/plain", "")
        plain_repr = "".join(plain_repr) if isinstance(plain_repr, list) else plain_repr
        panels = _PANELS.search(plain_repr)
        count = int(panels.group(1)) if panels else 1
        parts = []
        if labels["title"]:
            parts.append("Figure: " + "; ".join(labels["title"]) + ".")
        elif context:
            parts.append("Figure illustrating: " + first_sentence(context))
        else:
            parts.append("Figure.")
        if count > 1:
            parts.append(f"{count} panels.")
        if labels["x"]:
            parts.append("Horizontal axis: " + "; ".join(labels["x"]) + ".")
        if labels["y"]:
            parts.append("Vertical axis: " + "; ".join(labels["y"]) + ".")
        texts.append(" ".join(parts))
    return texts


def alt_texts(nb) -> dict:
    """``{(cell index, image number within the cell): alt text}`` for every stored image of a notebook."""
    found, context = {}, ""
    for index, cell in enumerate(nb["cells"]):
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            context = source
            continue
        if cell.get("cell_type") != "code":
            continue
        for number, text in enumerate(figure_alt_texts(source, cell.get("outputs", []), context)):
            found[(index, number)] = text
    return found
