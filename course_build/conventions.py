"""One convention each for what chapters used to write several ways: seeds, timing, colours and cell ids.

* seeds:    ``SEEDS = seeds()`` (or ``seeds(quick=3)``), from :func:`course_utils.config.seeds`
* timing:   ``with stopwatch() as clock: ...`` then ``clock.seconds`` (:func:`course_utils.measure.timing.stopwatch`),
            never ``time.perf_counter()``/``time.time()`` in a notebook
* colours:  :class:`course_utils.config.COLOURS` or ``"C0"``...``"C7"`` (the same Okabe-Ito cycle); greys, black and
            white for reference lines; no hex value in a notebook
* cell ids: ``c000``, ``c001``, ... in order; :func:`normalise_cell_ids` writes them, and the runner
            (:func:`course_build.notebooks.run_notebook`) applies it whenever it writes a notebook

:func:`convention_problems` lists the breaches of a notebook; :func:`course_build.notebooks.hygiene_problems`
includes them, so ``tests/test_repository.py::test_notebook_is_clean`` enforces every convention for every chapter.
"""
from __future__ import annotations

import ast
import re

METADATA_KEY = "course"

# One convention each (CONTRIBUTING.md, "Rules every chapter follows"); a chapter executed before a convention
# existed keeps its old way until it is next re-executed: CONVENTION_EXEMPTIONS names the stored run (the date and
# the code hash in its metadata) each exemption covers, so a new run of the chapter ends it.

CONVENTIONS = ("seeds", "timing", "colours", "cell ids")
CELL_ID = "c{:03d}"
TIMING_CALLS = ("perf_counter", "perf_counter_ns", "monotonic", "process_time")
HEX_COLOUR = re.compile(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})")
COLOUR_KEYWORDS = {"color", "colour", "colors", "c", "fc", "ec", "facecolor", "edgecolor", "mfc", "mec",
                   "markerfacecolor", "markeredgecolor"}
NEUTRAL_COLOURS = re.compile(r"(C\d|k|w|black|white|gr[ae]y|none|0?\.\d+|1(\.0*)?|0)")

# chapter number -> (its stored run: "executed date code-hash prefix", {convention: reason})
CONVENTION_EXEMPTIONS = {
}


def run_fingerprint(nb) -> str:
    """``"<executed date> <first 12 hex digits of the code hash>"`` of a stored run (its metadata), or ''."""
    meta = nb.metadata.get(METADATA_KEY) or {}
    return f"{meta.get('executed', '')} {str(meta.get('code_hash', ''))[:12]}".strip()


def normalise_cell_ids(nb) -> None:
    """Number every cell ``c000``, ``c001``, ... in order (the one cell-id rule; ids are otherwise random)."""
    for index, cell in enumerate(nb.cells):
        cell["id"] = CELL_ID.format(index)


def _parse(source: str):
    try:
        return ast.parse(source)
    except SyntaxError:  # IPython magics and the like: such a cell is checked by nothing here
        return None


def _seed_problems(tree) -> list:
    found = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Name) and target.id.endswith("SEEDS"):
                value = node.value
                if not (isinstance(value, ast.Call) and getattr(value.func, "id", getattr(value.func, "attr", "")) == "seeds"):
                    found.append(f"`{target.id} = {ast.unparse(value)}`: name the seeds with `{target.id} = seeds()` "
                                 "(`seeds(quick=3)` where three are cheap), from course_utils")
    return found


def _timing_problems(tree) -> list:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            owner = getattr(getattr(node.func, "value", None), "id", "")
            if name in TIMING_CALLS or (name == "time" and owner == "time"):
                found.append(f"`{ast.unparse(node.func)}()`: time code with `with stopwatch() as clock: ...` and "
                             "`clock.seconds` (from course_utils), or measure.timing.seconds_per_epoch for training")
    return found


def _colour_problems(tree) -> list:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and HEX_COLOUR.fullmatch(node.value):
            found.append(f"the colour {node.value!r}: take colours from course_utils.COLOURS (or 'C0'...'C7', the "
                         "same Okabe-Ito cycle), not hex values")
        if isinstance(node, ast.keyword) and node.arg in COLOUR_KEYWORDS:
            formatted = {id(part) for n in ast.walk(node.value) if isinstance(n, ast.JoinedStr) for part in ast.walk(n)}
            for value in ast.walk(node.value):
                if id(value) in formatted:  # f"C{i}": a cycle colour chosen by index
                    continue
                if (isinstance(value, ast.Constant) and isinstance(value.value, str) and not HEX_COLOUR.fullmatch(value.value)
                        and not NEUTRAL_COLOURS.fullmatch(value.value)):
                    found.append(f"`{node.arg}={value.value!r}`: a named colour outside the palette; use "
                                 "course_utils.COLOURS or 'C0'...'C7' (greys and black/white for reference lines)")
    return found


def convention_findings(nb) -> list:
    """``[(convention, sentence)]`` for every place a notebook breaks one of :data:`CONVENTIONS`."""
    found = []
    for index, cell in enumerate(nb.cells):
        tree = _parse(cell.source) if cell.cell_type == "code" else None
        if tree is None:
            continue
        for convention, check in (("seeds", _seed_problems), ("timing", _timing_problems), ("colours", _colour_problems)):
            found += [(convention, f"cell {index}: {convention}: {problem}") for problem in check(tree)]
    ids = [cell.get("id") for cell in nb.cells]
    if ids != [CELL_ID.format(i) for i in range(len(ids))]:
        found.append(("cell ids", "cell ids: the cells are not numbered c000, c001, ... in order "
                                  "(`python3 course.py run` numbers them when it writes the notebook)"))
    return found


def convention_problems(nb, chapter: str | None = None) -> list:
    """The conventions a chapter breaks (seeds, timing, colours, cell ids), as sentences; a convention the
    chapter's stored run is exempt from (:data:`CONVENTION_EXEMPTIONS`) is not checked."""
    exempt = {}
    if chapter in CONVENTION_EXEMPTIONS:
        fingerprint, reasons = CONVENTION_EXEMPTIONS[chapter]
        if run_fingerprint(nb) == fingerprint:
            exempt = reasons
    return [sentence for convention, sentence in convention_findings(nb) if convention not in exempt]
