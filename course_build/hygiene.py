"""Hygiene of a stored notebook: stale outputs, error outputs, machine paths, misspelled nbval markers, a first
code cell that is not the setup call, network code. (Split from :mod:`course_build.notebooks`, which re-exports
these names.)"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from course_build.conventions import convention_problems
from course_build.notebooks import METADATA_KEY, code_hash, read

NBVAL_MARKERS = ("NBVAL_CHECK_OUTPUT", "NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP", "NBVAL_RAISES_EXCEPTION")
MACHINE_PATH = re.compile(
    r"(/home/\w|/root/|/work/|/tmp/|/Users/\w|/private/var/|[A-Za-z]:\\\\?Users\\|site-packages|dist-packages)"
)
NETWORK_CODE = re.compile(r"(urllib\.request|urlopen|requests\.(get|post)|get_file\(|https?://|socket\.)")

def _output_text(output) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    if output.get("output_type") == "error":
        return "\n".join(output.get("traceback", []))
    data = output.get("data", {})
    return "\n".join(str(v) for k, v in data.items() if k.startswith("text/"))


def _is_setup_cell(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    imported = any(
        isinstance(node, ast.ImportFrom) and node.module == "course_utils" and any(a.name == "setup" for a in node.names)
        for node in ast.walk(tree)
    )
    called = any(
        isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "setup")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "setup")
        )
        for node in ast.walk(tree)
    )
    return imported and called


def marker_problems(source: str) -> list:
    """Misspelled nbval markers: comment lines that look like a marker but are not spelled exactly."""
    problems = []
    for line in source.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            continue
        body = stripped.lstrip("#").strip()
        looks_like_marker = re.match(r"(?i)n\s*b\s*v\s*a\s*l", body) or re.fullmatch(
            r"[A-Z_ ]*(CHECK|IGNORE|RAISES|SKIP|OUTPUT)[A-Z_ ]*", body
        )
        if looks_like_marker and body not in NBVAL_MARKERS:
            problems.append(
                f"nbval marker {stripped!r} is not spelled exactly; nbval would ignore it silently. "
                f"Use one of: {', '.join('# ' + m for m in NBVAL_MARKERS)} as a whole line"
            )
    return problems


def hygiene_problems(path) -> list:
    """Everything wrong with a stored notebook, as readable sentences (an empty list means clean)."""
    path = Path(path)
    nb = read(path)
    problems = []
    meta = nb.metadata.get(METADATA_KEY)
    if not meta or "code_hash" not in meta:
        problems.append("never executed with `python3 course.py run --write` (no metadata.course.code_hash)")
    elif meta["code_hash"] != code_hash(nb):
        problems.append(
            "stored outputs do not come from the current code (code hash differs): "
            f"re-run `python3 course.py run --write {path.as_posix()}`"
        )
    elif meta.get("mode") != "full":
        problems.append(f"stored outputs come from {meta.get('mode')!r} mode; commit notebooks executed in full mode")
    code_cells = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    if not code_cells or not _is_setup_cell(code_cells[0][1].source):
        problems.append("the first code cell must be `from course_utils import setup` and call `setup()`")
    for index, cell in code_cells:
        for problem in marker_problems(cell.source):
            problems.append(f"cell {index}: {problem}")
        if NETWORK_CODE.search(cell.source):
            problems.append(
                f"cell {index}: code that reaches the network ({NETWORK_CODE.search(cell.source).group(0)!r}); "
                "load data through course_utils.datasets, which honours the offline switch"
            )
        for output in cell.get("outputs", []):
            text = _output_text(output)
            if output.get("output_type") == "error" or "Traceback (most recent call last)" in text:
                problems.append(f"cell {index}: stored output is an error")
            match = MACHINE_PATH.search(text)
            if match:
                problems.append(f"cell {index}: stored output shows a machine path ({match.group(0)!r})")
    problems += convention_problems(nb, path.name[:2] if path.name[:2].isdigit() else None)
    return problems
