"""Reading recorded results and declared targets back from stored notebooks: tables, problems, comparisons.

A chapter stores its target declarations (:data:`~course_utils.targets.TARGETS_MIME`) and its results
(:data:`~course_utils.results.MIME`) in cell outputs. This module reads them back for ``python3 course.py
results``, the README's table, the site and the tests:

* :func:`problems` lists what fails CI: a claim that missed in a stored full-mode run, a target met on fewer than
  3 seeds, a target declared for the run's mode that the run never recorded. A missed *expectation* is not a
  problem: it is shown as "missed" in every table.
* :func:`ledger_problems` compares the stored declarations with the committed ledger
  (``notebooks/targets.json``): a target once declared is never dropped or loosened, only made stricter or added.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from course_utils.results import MIME, TARGETS_MIME, Result, ResultError, Target, at_least_as_strict, meets

LEDGER = "targets.json"


@dataclass
class StoredChapter:
    """What one stored notebook holds: its chapter, run mode, declared targets and recorded results."""

    chapter: str
    mode: str
    targets: list = field(default_factory=list)
    results: list = field(default_factory=list)


def _chapter_of(path: Path) -> str:
    return path.name[:2] if path.name[:2].isdigit() else path.stem


def read_chapter(path, nb=None) -> StoredChapter:
    """The declared targets and recorded results of a stored notebook (or of ``nb``, the notebook read from
    ``path``, as the runner holds it before writing), with its run mode."""
    import nbformat

    path = Path(path)
    if nb is None:
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception as error:  # not JSON, not a notebook: say which file
            raise ResultError(f"{path}: cannot be read as a notebook ({type(error).__name__}: {error})") from None
    chapter = _chapter_of(path)
    stored = StoredChapter(chapter, nb.metadata.get("course", {}).get("mode", "full"))
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mime, into in ((MIME, stored.results), (TARGETS_MIME, stored.targets)):
                if mime not in data:
                    continue
                payload = data[mime]
                try:
                    if isinstance(payload, str):
                        payload = json.loads(payload)
                except ValueError as error:
                    raise ResultError(f"{path}: a stored {mime} output is not JSON ({error})") from None
                try:
                    if mime == MIME:
                        into.append(Result.from_json(payload, chapter=chapter))
                    else:
                        if not isinstance(payload, dict) or not isinstance(payload.get("targets"), list):
                            raise ResultError(f"a stored target declaration is malformed: {payload!r}"[:300])
                        into.extend(Target.from_json(t) for t in payload["targets"])
                except ResultError as error:  # say which file (a hand-edited or damaged notebook)
                    raise ResultError(f"{path}: {error}") from None
    return stored


def json_rows(results) -> str:
    """``results`` as a JSON array (one object per result, with its mean, whether it met its target and its status);
    a missing or non-finite number is ``null``, so any JSON reader takes it (``NaN`` is not JSON)."""
    def finite(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: finite(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [finite(v) for v in value]
        return value

    rows = [{"chapter": r.chapter, **r.to_json(), "mean": r.mean, "met": r.met, "status": r.status} for r in results]
    return json.dumps(finite(rows), indent=1, default=str, allow_nan=False)


def notebook_results(path) -> list:
    """Every result recorded in a stored notebook, in order, each with its chapter number and the run's mode."""
    return read_chapter(path).results


def collect(paths) -> list:
    """The results of several notebooks, in the order given."""
    return [result for path in paths for result in notebook_results(path)]


def table(results, *, markdown: bool = False) -> str:
    """A readable table of results: chapter, result (its human label), setting, seeds, value, target, status."""
    header = ("chapter", "result", "setting", "seeds", "value", "target", "status")
    rows = []
    for r in results:
        status = r.status
        if r.mode != "full" and r.target is None:
            status = f"({r.mode} mode)"
        rows.append((r.chapter, r.title, r.label_text(), r.seeds_text(), r.value_text(), r.target_text(), status))
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def _where(r: Result) -> str:
    named = f"{r.label} ({r.name})" if r.label else r.name  # the human label, and the name to find in the code
    return f"chapter {r.chapter}: {named}" + (f" [{r.label_text()}]" if r.labels else "")


def readable_outputs(nb: dict) -> dict:
    """A notebook (as JSON) whose recorded results read under their human labels: the printed line of each
    :func:`~course_utils.results.record` output is rewritten from its stored JSON (``Result.describe(readable=
    True)``). The site and the slides show this; the notebook itself keeps the line it printed."""
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data", {})
            if MIME not in data or "text/plain" not in data:
                continue
            payload = data[MIME]
            try:
                result = Result.from_json(json.loads(payload) if isinstance(payload, str) else payload)
            except (ResultError, ValueError):
                continue  # a malformed result keeps its printed line (python3 course.py results reports it)
            data["text/plain"] = result.describe(readable=True)
    return nb


def problems(results) -> list:
    """What is wrong with stored results, as sentences: a claim missed in full mode, a target met on fewer
    than 3 seeds, a result with a target stored from a quick-mode run. Missed expectations are not problems."""
    found = []
    for r in results:
        if r.target is None:
            continue
        if r.mode != "full":
            found.append(f"{_where(r)} was recorded in {r.mode} mode; store full-mode results")
            continue
        if not r.applies:
            continue
        if len(r.values) < 3:
            found.append(f"{_where(r)} has a target but only {len(r.values)} seed(s); at least 3 are needed")
        if not r.met and r.is_claim:
            found.append(f"{_where(r)} misses its claim {r.target}: {r.value_text()}")
    return found


def unrecorded(stored: StoredChapter) -> list:
    """Targets declared for the stored run's mode that no recorded result answers."""
    missing = []
    for target in stored.targets:
        if stored.mode in target.modes and not any(target.matches(r.name, r.labels) for r in stored.results):
            missing.append(f"chapter {stored.chapter}: {target.describe()} was declared but never recorded")
    return missing


def chapter_problems(paths) -> list:
    """:func:`problems` of every notebook plus its declared-but-unrecorded targets."""
    found = []
    for path in paths:
        stored = read_chapter(path)
        found += problems(stored.results) + unrecorded(stored)
    return found


# ------------------------------------------------------------------------------------------------------
# The ledger: targets once declared are never dropped or loosened
# ------------------------------------------------------------------------------------------------------

def ledger_key(chapter: str, target: Target) -> str:
    labels = ",".join(f"{k}={v}" for k, v in target.labels)
    return f"{chapter}:{target.name}" + (f"[{labels}]" if labels else "")


def read_ledger(root) -> dict:
    path = Path(root) / "notebooks" / LEDGER
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ResultError(f"{path}: not JSON ({error}); restore it from git") from None


def ledger_refusals(root, stored: StoredChapter) -> list:
    """What the ledger refuses in a chapter's declarations: a target dropped, loosened or demoted."""
    return ledger_problems(read_ledger(root), {stored.chapter: stored.targets}, chapters={stored.chapter})


def update_ledger(root, stored: StoredChapter) -> list:
    """Add a chapter's declared targets to the ledger (a new or stricter target replaces the old one).
    Returns what the ledger refuses (a dropped or loosened target), without writing anything in that case."""
    root = Path(root)
    ledger = read_ledger(root)
    refused = ledger_refusals(root, stored)
    if refused:
        return refused
    for target in stored.targets:
        ledger[ledger_key(stored.chapter, target)] = {**target.to_json(), "chapter": stored.chapter}
    path = root / "notebooks" / LEDGER
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(dict(sorted(ledger.items())), indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return []


def ledger_problems(ledger: dict, declared: dict, chapters=None) -> list:
    """Ledger entries (of ``chapters``, default all) that the declarations ``{chapter: [Target]}`` drop or loosen."""
    found = []
    for key, entry in ledger.items():
        chapter = entry.get("chapter", key.split(":")[0])
        if chapters is not None and chapter not in chapters:
            continue
        old = Target.from_json(entry)
        now = [t for t in declared.get(chapter, []) if t.key == old.key]
        if not now:
            found.append(f"chapter {chapter}: target {old.describe()!r} was declared before and is no longer; "
                         "a target is never dropped (it stays, and a miss is shown as missed)")
            continue
        new = now[0]
        if old.kind == "claim" and new.kind == "expectation":
            found.append(f"chapter {chapter}: {old.name} was a claim and is now only an expectation")
        if not at_least_as_strict(new.condition, old.condition):
            found.append(f"chapter {chapter}: {old.name} target loosened from {old.condition} to {new.condition}")
        if not set(old.modes) <= set(new.modes):
            found.append(f"chapter {chapter}: {old.name} no longer applies in {sorted(set(old.modes) - set(new.modes))}")
    return found


# ------------------------------------------------------------------------------------------------------
# A learner's copy against the stored results
# ------------------------------------------------------------------------------------------------------

def compare_copy(stored, mine) -> tuple:
    """Compare a learner's executed copy of a chapter with the stored results.

    Returns (rows, all_reproduced): one row per stored result with the stored value, the learner's, and a
    verdict: "reproduced" when the learner's values meet the stored target (or, without a target, when their
    mean lies within the stored min-max widened by 10% of the stored mean's magnitude or 0.01), "differs"
    otherwise, "missing" when the copy has no such result.
    """
    theirs = {r.key: r for r in notebook_results(mine)}
    rows, ok = [], True
    for r in notebook_results(stored):
        other = theirs.get(r.key)
        if other is None:
            verdict = "missing"
        elif r.target is not None:
            verdict = "reproduced" if meets(other.values, r.target) else "differs"
        else:
            slack = max(0.1 * abs(r.mean), 0.01)
            verdict = "reproduced" if r.low - slack <= other.mean <= r.high + slack else "differs"
        ok = ok and verdict == "reproduced"
        rows.append((r, other, verdict))
    return rows, ok


def compare_copy_text(rows) -> str:
    header = ("result", "setting", "course", "yours", "target", "verdict")
    body = [(r.title, r.label_text(), r.value_text(), other.value_text() if other else "-", r.target_text(), verdict)
            for r, other, verdict in rows]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *body)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip() for row in body]
    return "\n".join(lines)
