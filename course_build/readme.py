"""The README's generated tables: the chapter list and the headline results, both read from the stored notebooks.

Each table sits between two HTML comments in ``README.md`` (``<!-- chapters:start -->`` ... ``<!-- chapters:end -->``
and ``<!-- results:start -->`` ... ``<!-- results:end -->``). :func:`update` rewrites them (``python3 course.py
run`` calls it after executing a chapter in full mode); :func:`stale_sections` says which differ from what the
notebooks hold (a test calls it). A chapter's row comes from its first cell: the title (``# NN · Title``), the
one-line summary (``**In this chapter:** ...``), the measured full-mode time in the notebook's metadata, and the
backends it runs on (:mod:`course_build.backends`).
"""
from __future__ import annotations

import re
from pathlib import Path

from course_build.notebooks import METADATA_KEY, format_seconds, read
from course_build.repository import chapters, find_root  # noqa: F401 (re-exported for older callers)
from course_build.results_report import collect, table

TITLE = re.compile(r"^#\s+(\d\d)\s*·\s*(.+?)\s*$", re.MULTILINE)
SUMMARY = re.compile(r"\*\*In this chapter:\*\*\s*(.+?)(?:\n\s*\n|\Z)", re.DOTALL)
SECTIONS = ("chapters", "results")


def chapter_row(path) -> dict:
    """Number, title, one-line summary and measured full-mode time of a chapter, read from the notebook."""
    path = Path(path)
    nb = read(path)
    first = nb.cells[0].source if nb.cells else ""
    title = TITLE.search(first)
    summary = SUMMARY.search(first)
    meta = nb.metadata.get(METADATA_KEY, {})
    if meta.get("mode") == "full" and "wall_time_s" in meta:
        time_text = format_seconds(meta["wall_time_s"])
    else:
        time_text = "not yet run in full mode"
    return {
        "number": path.name[:2],
        "title": title.group(2) if title else path.stem,
        "summary": " ".join(summary.group(1).split()) if summary else "",
        "time": time_text,
        "file": f"notebooks/{path.name}",
    }


def render_chapters(root) -> str:
    """The chapter table; its "backends" column is course_build/backends.py's verdict (README "Choosing a backend")."""
    from course_build import backends

    lines = ["| # | chapter | what you learn | full-mode run time | backends |", "|---|---|---|---|---|"]
    for path in chapters(root):
        row = chapter_row(path)
        runs_on = backends.CHAPTERS[row["number"]].label if row["number"] in backends.CHAPTERS else "TensorFlow"
        lines.append(f"| {row['number']} | [{row['title']}]({row['file']}) | {row['summary']} | {row['time']} "
                     f"| {runs_on} |")
    return "\n".join(lines)


def render_results(root) -> str:
    headline = [r for r in collect(chapters(root)) if r.headline]
    if not headline:
        return "_No headline results recorded yet._"
    return (table(headline, markdown=True) + "\n\n" + LEGEND)


LEGEND = ("Targets are declared before the experiments run: a *claim* fails CI when a stored full-mode run misses "
          "it (MISSED); an *expectation* may miss, and a miss stays in this table as \"missed\". "
          "`python3 course.py results` lists every recorded result.")


RENDERERS = {"chapters": render_chapters, "results": render_results}


def _section(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- {name}:start -->\n)(.*?)\n?(<!-- {name}:end -->)", re.DOTALL)


def current(readme_text: str, name: str) -> str | None:
    match = _section(name).search(readme_text)
    return match.group(2) if match else None


def stale_sections(root) -> list:
    """Names of the README sections that are missing or differ from what the notebooks say."""
    text = (Path(root) / "README.md").read_text(encoding="utf-8")
    return [name for name in SECTIONS if current(text, name) != RENDERERS[name](root)]


def update(root) -> list:
    """Rewrite the generated sections of ``root/README.md``; returns the names of the sections that changed.
    A README without the markers of a section is left as it is for that section."""
    readme = Path(root) / "README.md"
    text = readme.read_text(encoding="utf-8")
    changed = []
    for name in SECTIONS:
        pattern = _section(name)
        if not pattern.search(text):
            continue
        new = RENDERERS[name](root)
        if current(text, name) != new:
            text = pattern.sub(lambda m: m.group(1) + new + "\n" + m.group(3), text)
            changed.append(name)
    if changed:
        readme.write_text(text, encoding="utf-8")
    return changed

