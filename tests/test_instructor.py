"""The instructor guide and the review-question bank are generated from the notebooks: change a notebook and they
change, with no hand edit."""
import json
import shutil
from pathlib import Path

from course_build import instructor
from course_build.readme import chapters

REPO = Path(__file__).resolve().parent.parent


def _copy_checkout(tmp_path):
    (tmp_path / "notebooks").mkdir()
    shutil.copy(REPO / "README.md", tmp_path / "README.md")
    for path in chapters(REPO):
        shutil.copy(path, tmp_path / "notebooks" / path.name)
    return tmp_path


def test_guide_times_and_question_bank_follow_the_notebooks(tmp_path):
    root = _copy_checkout(tmp_path)
    path = chapters(root)[0]
    guide_before, bank_before = instructor.guide(root), instructor.question_bank(root)
    nb = json.loads(path.read_text())
    nb["metadata"]["course"].update(mode="full", wall_time_s=754.0, quick_wall_time_s=41.0)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"][-1]
    code["metadata"]["execution"] = {"iopub.execute_input": "2026-01-01T10:00:00.000Z",
                                     "shell.execute_reply": "2026-01-01T10:01:40.000Z"}
    nb["cells"].append({"cell_type": "markdown", "id": "brand-new-question", "metadata": {}, "source":
                        "## Review questions\n\n1. What is a brand-new question?\n"
                        "<details><summary>Answer</summary>A brand-new answer with $h_t$.</details>\n"})
    path.write_text(json.dumps(nb))
    guide_after, bank_after = instructor.guide(root), instructor.question_bank(root)
    assert "12 min 34 s" not in guide_before and "12 min 34 s" in guide_after  # full-mode time from the metadata
    assert "41 s" in guide_after                                                # quick-mode time from the metadata
    assert "1 min 40 s" in guide_after                                          # a section's time from its cells
    assert "brand-new question" not in bank_before and "brand-new question" in bank_after
    assert "A brand-new answer with $h_t$." in bank_after


def test_the_bank_marks_the_core_exam_questions_and_the_guide_lists_exercises_with_checker_hints():
    bank, guide = instructor.question_bank(REPO), instructor.guide(REPO)
    assert bank.count("★") >= len(instructor.CORE_QUESTIONS)
    for number, question in instructor.CORE_QUESTIONS.items():
        assert question in bank
    assert "<details><summary>Answer</summary>" in bank
    from course_utils.exercises import REGISTRY

    for name in REGISTRY:
        used = any(f'check("{name}"' in p.read_text() for p in chapters(REPO))
        if used:
            assert f"`{name}`" in guide
            assert instructor.mistakes_of(name), f"no typical mistake of {name} is known to the guide"
    assert "python3 course.py download" in guide and "COURSE_CACHE_DIR" in guide


def test_every_core_question_links_to_its_chapters_exam_section():
    """Chapter 10 heads its exam section "The exam answer: ..."; the bank finds it like "Exam question: ..."."""
    bank = instructor.question_bank(REPO)
    assert "has no exam-question section" not in bank
    for number in instructor.CORE_QUESTIONS:
        path = next(p for p in chapters(REPO) if p.name.startswith(number))
        exam = instructor.chapter_info(path).exam
        assert exam is not None, f"chapter {number}: no exam section found"
        assert f"#{instructor.slug(exam.question)})" in bank
    assert instructor.is_exam_heading("The exam answer: how do attention and Transformers improve?")
    assert instructor.is_exam_heading("Exam-style summary: why gradients vanish")
    assert not instructor.is_exam_heading("An example of attention")


def test_written_files_link_to_the_notebooks(tmp_path):
    guide, bank = instructor.write(REPO, tmp_path)
    text = guide.read_text()
    first = chapters(REPO)[0]
    assert f"notebooks/{first.name}" in text and bank.read_text().startswith("# Review-question bank")


def test_slug_matches_myst_anchors():
    assert instructor.slug("Keras's default: `reset_after=True`") == "kerass-default-reset_aftertrue"
    assert instructor.slug("A task where order matters") == "a-task-where-order-matters"


def test_a_recorded_quick_time_reaches_the_guide_and_goes_stale_with_the_code(tmp_path):
    from course_build.notebooks import record_quick_time

    root = _copy_checkout(tmp_path)
    path = chapters(root)[0]
    record_quick_time(path, 37.2)
    row = next(l for l in instructor.guide(root).splitlines() if l.startswith(f"| {path.name[:2]} |"))
    assert "| 37 s |" in row
    before = json.loads((REPO / "notebooks" / path.name).read_text())
    after = json.loads(path.read_text())
    assert after["cells"] == before["cells"]  # only the metadata changed
    code = next(c for c in after["cells"] if c["cell_type"] == "code")
    code["source"] = "".join(code["source"]) + "\n# changed"
    path.write_text(json.dumps(after))
    row = next(l for l in instructor.guide(root).splitlines() if l.startswith(f"| {path.name[:2]} |"))
    assert "measured on older code" in row


def test_a_new_chapter_appears_on_the_site_with_no_edit_of_the_site(tmp_path):
    """A chapter added to notebooks/ gets a page, a deck, a guide entry and a place in the navigation."""
    import pytest

    site = pytest.importorskip("course_build.site")
    (tmp_path / "repo").mkdir()
    root = _copy_checkout(tmp_path / "repo")
    first = chapters(root)[0]
    nb = json.loads(first.read_text())
    nb["cells"][0]["source"] = "# 42 · A chapter written later\n\n**In this chapter:** something new.\n"
    (root / "notebooks" / "42_later.ipynb").write_text(json.dumps(nb))
    src = tmp_path / "src"
    summary = site.write_sources(root, src)
    assert "42_later.ipynb" in summary["chapters"]
    assert (src / "chapters" / "42_later.ipynb").is_file() and (src / "_extra" / "slides" / "42_later.html").is_file()
    assert "chapters/42_later" in (src / "index.md").read_text()
    assert "42 · A chapter written later" in (src / "instructor-guide.md").read_text()
