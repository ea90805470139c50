"""The instructor guide and the review-question bank are generated from the notebooks: change a notebook and they
change, with no hand edit."""
import json
import shutil

from course_build import instructor
from course_build.readme import chapters

from tests._paths import REPO



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

    used = _checked_in_the_notebooks()
    assert "ema_states" in used and len(used) >= 10  # the search itself works (it once never matched)
    for name in REGISTRY:
        if name in used:
            assert f"`{name}`" in guide
            assert instructor.mistakes_of(name), f"no typical mistake of {name} is known to the guide"
    assert "python3 course.py download" in guide and "COURSE_CACHE_DIR" in guide


def _checked_in_the_notebooks() -> set:
    """Names of the exercises the stored chapters pass to check(...), read from their code cells' source."""
    import re

    names = set()
    for path in chapters(REPO):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                names |= set(re.findall(r"""\bcheck\(\s*["'](\w+)["']""", "".join(cell["source"])))
    return names


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


def test_the_guide_lists_every_registered_mistake_of_every_exercise_in_the_chapters():
    """One registry: every Mistake registered with an exercise reaches the guide, with its case and the checker's
    words (ema_states registers 6; the guide once showed 1 because chapters 00-06 kept theirs in the tests)."""
    from course_utils.exercises import REGISTRY

    guide = instructor.guide(REPO)
    assert len(REGISTRY["ema_states"].mistakes) == 6
    for name in sorted(_checked_in_the_notebooks() & set(REGISTRY)):
        exercise = REGISTRY[name]
        listed = instructor.mistakes_of(name)
        assert len(listed) >= len(exercise.mistakes), name
        for mistake, (case, words) in zip(exercise.mistakes, listed):
            assert case == mistake.case, (name, case)
            assert f"  * case *{case}*: {words}" in guide, (name, case, words)
        for variant in exercise.variants:
            assert " ".join(variant.hint.split()) in guide, (name, variant.hint)

