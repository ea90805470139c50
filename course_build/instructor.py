"""The instructor's kit, generated from the stored notebooks: a guide per chapter and a review-question bank.

Nothing here is typed by hand, so both follow the chapters as they change:

* :func:`chapter_info` reads a chapter: title, one-line summary, objectives, prerequisites (its first cell), the
  measured full-mode run time (``metadata.course.wall_time_s``), the quick-mode time when one was recorded
  (``metadata.course.quick_wall_time_s``, stored by ``python3 course.py run --record-quick-time``), its sections with the compute time each took in the stored full-mode
  run (the cells' execution timestamps), the exercises it checks and its review questions.
* :func:`guide` writes the instructor guide (Markdown): per chapter the objectives, prerequisites, a session
  plan with measured times, which cells to live-code, the exercises with the typical mistakes their checkers
  diagnose (the checkers' own hints, produced by running each registered :class:`~course_utils.exercises.Mistake`
  through the checker), and how to run a class offline.
* :func:`question_bank` writes every chapter's review questions and answers into one page, the four core exam
  questions of the course marked.

``python3 course.py guide`` writes both files; the site (:mod:`course_build.site`) publishes both pages.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from course_build.notebooks import METADATA_KEY, code_hash, format_seconds, read
from course_utils.progress import exercises_by_chapter
from course_build.readme import chapter_row
from course_build.repository import chapters

# The four questions the course design asks to be answered at exam depth, by the chapter that answers each.
CORE_QUESTIONS = {
    "01": "What are the key differences between feed-forward, convolutional and recurrent networks in handling "
          "sequential data?",
    "02": "How do RNNs maintain information about previous elements, and what are the mathematical representations "
          "involved?",
    "03": "What role do loss functions such as MSE and cross-entropy play in training RNNs, and how is BPTT used to "
          "optimise them?",
    "10": "How do attention mechanisms and Transformers improve sequence modelling compared with traditional RNNs?",
}
HEAVY_SECTION_S = 30.0  # a section whose cells computed longer than this is shown from its stored outputs
LIVE_CODE_TAG = "live-code"  # a code cell tagged so is listed for live-coding
_FIELD = r"\*\*{}\*\*\s*(.+?)(?:\n\s*\n|\n\*\*|\Z)"
_ITEM = re.compile(r"^\s*(\d+)\.\s+", re.MULTILINE)
# An exam section: a ``##`` heading naming the exam anywhere ("Exam question: ...", "Exam-style summary: ...",
# "The exam answer: ..."), not only at its start.
EXAM_HEADING = re.compile(r"\bexam\b", re.IGNORECASE)
_DETAILS = re.compile(r"<details>\s*<summary>.*?</summary>(.*?)</details>", re.DOTALL | re.IGNORECASE)


@dataclass
class Section:
    """A ``##`` section of a chapter: its heading, the seconds its code cells took, its code cells."""

    heading: str
    anchor: str
    seconds: float = 0.0
    code_cells: int = 0
    live: list = field(default_factory=list)  # why cells of this section are live-coded (exercise stubs, tags)


@dataclass
class Question:
    number: str
    question: str
    answer: str


@dataclass
class Chapter:
    number: str
    title: str
    file: str
    summary: str
    objectives: str
    prerequisites: str
    full_time: str
    quick_time: str
    executed: str
    sections: list
    exercises: list
    questions: list
    exam: Question | None


def _field(text: str, label: str) -> str:
    match = re.search(_FIELD.format(re.escape(label)), text, re.DOTALL)
    return " ".join(match.group(1).split()) if match else ""


def slug(text: str) -> str:
    """The anchor MyST (and GitHub) give a heading: its words lower-cased, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*$\\]", "", text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def is_exam_heading(heading: str) -> bool:
    """Whether a ``##`` heading opens a chapter's exam section (the word "exam" anywhere, "example" not)."""
    return EXAM_HEADING.search(heading) is not None


def _seconds(cell) -> float:
    timing = cell.get("metadata", {}).get("execution", {})
    try:
        start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError, AttributeError):
        return 0.0
    return max(0.0, (end - start).total_seconds())


def _split_items(text: str) -> list:
    starts = list(_ITEM.finditer(text))
    items = []
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        body = text[match.end():end].strip()
        details = _DETAILS.search(body)
        question = body[: details.start()].strip() if details else body
        answer = details.group(1).strip() if details else ""
        items.append(Question(match.group(1), question, answer))
    return items


def chapter_info(path) -> Chapter:
    """Everything the guide and the bank say about one chapter, read from its stored notebook."""
    path = Path(path)
    nb = read(path)
    row = chapter_row(path)
    first = nb.cells[0].source if nb.cells else ""
    meta = nb.metadata.get(METADATA_KEY, {})
    quick = meta.get("quick_wall_time_s")
    sections, texts, current = [], {}, None
    for cell in nb.cells[1:]:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("## "):
                    heading = line[3:].strip()
                    # A heading with math gets an anchor whose form depends on the renderer: link the chapter only.
                    current = Section(heading, "" if "$" in heading else slug(heading))
                    sections.append(current)
                    texts[heading] = []
                elif current is not None:
                    texts[current.heading].append(line)
            if current is not None:
                texts[current.heading].append("")
        elif cell.cell_type == "code" and current is not None:
            current.seconds += _seconds(cell)
            current.code_cells += 1
            if "NotImplementedError" in cell.source and re.search(r"^def \w+", cell.source, re.MULTILINE):
                name = re.search(r"^def (\w+)", cell.source, re.MULTILINE).group(1)
                current.live.append(f"exercise stub `{name}`")
            if LIVE_CODE_TAG in cell.metadata.get("tags", []):
                current.live.append("tagged cell")
    review_text = "\n".join(l for h, ls in texts.items() if h.lower().startswith("review questions") for l in ls)
    exam = next((Question("exam", h, "\n".join(ls).strip()) for h, ls in texts.items()
                 if is_exam_heading(h)), None)
    exercises = exercises_by_chapter([path]).get(path.name, [])
    return Chapter(
        number=row["number"], title=row["title"], file=row["file"], summary=row["summary"],
        objectives=_field(first, "After this chapter you will be able to"),
        prerequisites=_field(first, "Prerequisites:"),
        full_time=row["time"],
        quick_time=(("not recorded" if not isinstance(quick, (int, float)) else
                     "measured on older code" if meta.get("quick_code_hash", code_hash(nb)) != code_hash(nb)
                     else format_seconds(quick))),
        executed=meta.get("executed", "") if meta.get("mode") == "full" else "",
        sections=sections, exercises=exercises, questions=_split_items(review_text), exam=exam,
    )


def mistakes_of(name: str) -> list:
    """``[(case, the checker's words)]`` for every typical mistake exercise ``name`` registers: each
    :class:`~course_utils.exercises.Mistake` run through the checker (its case, and the hint or the failing line, so
    the words are exactly what a learner would see), then the hint of each ``variant`` no mistake already showed
    (a case of ``""``: a variant's hint is given on whichever case first fails).

    Computed once per exercise and process: running every mistake of every exercise trains small Keras models and
    takes minutes, and the guide, the question bank and the site each ask again."""
    return list(_mistakes_of(name))


@functools.lru_cache(maxsize=None)
def _mistakes_of(name: str) -> tuple:
    from course_utils.exercises import evaluate, get

    exercise = get(name)
    found = []
    for mistake in getattr(exercise, "mistakes", ()):
        found.append((mistake.case, _checker_words(evaluate(name, mistake.function).message)))
    shown = {text for _, text in found}
    for variant in getattr(exercise, "variants", ()):
        hint = " ".join(variant.hint.split())
        if hint not in shown:
            found.append(("", hint))
            shown.add(hint)
    return tuple(found)


def _checker_words(message: str) -> str:
    """The hint of a checker's failure message, or its last line when it gives none, on one line."""
    hint = re.search(r"Hint: (.+)", message, re.DOTALL)
    return " ".join(hint.group(1).split()) if hint else " ".join(message.splitlines()[-1].split())


def _default_link(chapter: Chapter, anchor: str = "") -> str:
    return f"../{chapter.file}" + (f"#{anchor}" if anchor else "")


OFFLINE_CLASS = """\
## Running a class offline

1. On a machine with network, set the course up once (`python3 course.py setup`) and pre-fill the data cache:
   `python3 course.py download` fetches every canonical dataset and verifies its SHA-256
   (`python3 course.py download --list` shows what is cached, with sizes and hashes).
2. Share the cache folder with the room (a USB stick or a shared drive): each learner points `COURSE_CACHE_DIR` at
   their copy. Without it every chapter still runs on its offline data and says so in one line.
3. Set `COURSE_OFFLINE=1` in the room: no chapter then tries the network at all.
4. Build the site and the slides beforehand (`python3 course.py site`); both work with no network (MathJax and
   reveal.js are copied into the build). `python3 course.py serve` shows the site on this machine only.
5. Learners' progress stays on their machines: `python3 course.py progress` prints their table per chapter.
"""


def guide(root, link=_default_link) -> str:
    """The instructor guide of the checkout ``root`` as Markdown. ``link(chapter, anchor)`` makes a chapter link."""
    out = [
        "# Instructor guide",
        "",
        "Generated from the stored notebooks: run times come from each chapter's full-mode run (its metadata and its "
        "cells' execution times), exercises and their typical mistakes from the checkers themselves. One chapter "
        "fits one session; the session plan lists each section with the compute time it took. Sections that compute "
        f"longer than {HEAVY_SECTION_S:.0f} s are best shown from their stored outputs (or started before the "
        "explanation) rather than run live. Times were measured on the reference machine (2 CPU cores).",
        "",
        "| # | chapter | full-mode run time | quick-mode run time | exercises |",
        "|---|---|---|---|---|",
    ]
    infos = [chapter_info(p) for p in chapters(root)]
    for c in infos:
        out.append(f"| {c.number} | [{c.title}]({link(c)}) | {c.full_time} | {c.quick_time} | {len(c.exercises)} |")
    out.append("")
    for c in infos:
        out += [f"## {c.number} · {c.title}", ""]
        if c.summary:
            out += [f"**In this chapter:** {c.summary}", ""]
        out += [f"**Learning objectives.** After this chapter learners will be able to {c.objectives}", "",
                f"**Prerequisites.** {c.prerequisites or 'none stated'}", "",
                f"**Run time.** Full mode {c.full_time}" + (f" (executed {c.executed})" if c.executed else "")
                + f"; quick mode {c.quick_time}. Slides: `python3 course.py slides {c.number}`.", "",
                "### Session plan", "",
                "| section | code cells | compute in the full-mode run | live-code |", "|---|---|---|---|"]
        for s in c.sections:
            live = ", ".join(s.live)
            if s.seconds > HEAVY_SECTION_S:
                live = (live + "; " if live else "") + "show the stored output"
            time_text = format_seconds(s.seconds) if s.code_cells else "–"
            out.append(f"| [{s.heading}]({link(c, s.anchor)}) | {s.code_cells} | {time_text} | {live or '–'} |")
        out.append("")
        if c.exercises:
            out += ["### Exercises and the typical mistakes their checkers diagnose", ""]
            for name in c.exercises:
                try:
                    from course_utils.exercises import get

                    exercise = get(name)
                    out.append(f"* **`{name}`**: {exercise.title}. Cases, each isolating one mistake: "
                               + "; ".join(f"*{case.name}* ({case.isolates})" for case in exercise.make_cases()) + ".")
                    mistakes = mistakes_of(name)
                    if mistakes:
                        out.append("  Typical mistakes the checker diagnoses, in its own words:")
                    for case, hint in mistakes:
                        out.append(f"  * case *{case}*: {hint}" if case else f"  * {hint}")
                except KeyError:
                    out.append(f"* **`{name}`**: not registered in `course_utils.exercises`.")
            out.append("")
    from course_build.grading import GUIDE_SECTION  # how to grade a class, and why with the course's checkers

    out += [OFFLINE_CLASS, GUIDE_SECTION]
    return "\n".join(out)


def _answer_block(answer: str) -> list:
    # Blank lines inside <details> let Markdown (and math) inside the answer be rendered.
    return ["<details><summary>Answer</summary>", "", answer.strip(), "", "</details>", ""]


def question_bank(root, link=_default_link) -> str:
    """Every chapter's review questions with their answers, and the core exam questions marked (Markdown)."""
    infos = {c.number: c for c in (chapter_info(p) for p in chapters(root))}
    out = ["# Review-question bank", "",
           "Collected from the review questions at the end of every chapter, answers hidden until opened. "
           "Questions marked **★ core exam question** are the four the course answers at exam depth.", "",
           "## The four core exam questions", ""]
    for number, question in CORE_QUESTIONS.items():
        chapter = infos.get(number)
        if chapter is None:
            out.append(f"* ★ {question} (chapter {number}, not in the course yet)")
        elif chapter.exam is not None:
            out.append(f"* ★ {question} [Chapter {number}: {chapter.exam.question}]({link(chapter, slug(chapter.exam.question))})")
        else:
            out.append(f"* ★ {question} (chapter {number} has no exam-question section yet)")
    out.append("")
    total = 0
    for c in infos.values():
        out += [f"## {c.number} · {c.title}", ""]
        if c.exam is not None:
            marked = "**★ core exam question.** " if c.number in CORE_QUESTIONS else "**Exam question.** "
            out += [f"{marked}{CORE_QUESTIONS.get(c.number, c.exam.question)}", ""] + _answer_block(c.exam.answer)
        for q in c.questions:
            out += [f"**{c.number}.{q.number}** {q.question}", ""] + _answer_block(q.answer)
            total += 1
        if not c.questions and c.exam is None:
            out += ["_No review questions found in this chapter._", ""]
    out.insert(3, f"{total} review questions from {len(infos)} chapters.")
    out.insert(4, "")
    return "\n".join(out)


def write(root, out_dir) -> list:
    """Write ``instructor-guide.md`` and ``review-questions.md`` into ``out_dir``; returns their paths."""
    from course_build.repository import output_folder, write_error

    out_dir = output_folder(out_dir)  # OutputFolderError: one line (a file of that name, no permission)
    paths = [out_dir / "instructor-guide.md", out_dir / "review-questions.md"]
    link = _relative_link(root, out_dir)
    texts = [guide(root, link=link) + "\n", question_bank(root, link=link) + "\n"]
    for path, text in zip(paths, texts):
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as error:  # a folder in the way, a full disk
            raise OSError(error.errno, write_error(path, error)) from None
    return paths


def _relative_link(root, out_dir):
    import os

    prefix = Path(os.path.relpath(Path(root).resolve(), Path(out_dir).resolve())).as_posix()

    def link(chapter, anchor=""):
        return f"{prefix}/{chapter.file}" + (f"#{anchor}" if anchor else "")

    return link
