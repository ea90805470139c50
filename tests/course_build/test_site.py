"""The course website: built from the stored notebooks with nothing executed, then opened page by page (and every
slide deck) in headless Chromium on 127.0.0.1. Skipped with the reason on a learner's machine without Playwright or
Chromium; under CI (CI=true) a missing browser fails instead, so CI never passes without one."""
import os
import time
from pathlib import Path

import pytest

from course_build import site
from course_build.readme import chapter_row, chapters
from course_build.site import browser

from tests._paths import REPO

BUILD = REPO / "_build"
ON_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _unavailable(reason):
    if ON_CI:
        pytest.fail(f"CI must run the browser test, but: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def built():
    missing = site.missing_packages()
    if missing:
        _unavailable(f"the site extra is not installed ({', '.join(missing)}): python3 course.py site installs it")
    result = site.build(REPO, BUILD / "html")
    return result


def test_the_site_has_a_page_per_chapter_the_kit_and_a_deck_per_chapter(built):
    html = built["out"]
    for path in chapters(REPO):
        assert (html / "chapters" / f"{path.stem}.html").is_file()
        assert (html / "slides" / f"{path.stem}.html").is_file()
        page = (html / "chapters" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert "_downloads/" in page and f"{path.name}" in page, "each chapter page offers its notebook for download"
    for name in ("index", "results", "instructor-guide", "review-questions", "search", "changelog", "contributing"):
        assert (html / f"{name}.html").is_file(), name
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file() and (html / "_static" / "revealjs").is_dir()
    assert built["warnings"] == [], "\n".join(built["warnings"])


def test_no_page_or_deck_asks_for_anything_outside_the_site(built):
    for relative in browser.pages(built["out"]):
        text = (built["out"] / relative).read_text(encoding="utf-8")
        for tag in ("<script src=\"http", "<link rel=\"stylesheet\" href=\"http", "src=\"//"):
            assert tag not in text, f"{relative} loads {tag}..."


def test_every_page_and_deck_in_headless_chromium(built):
    reason = browser.unavailable()
    if reason:
        _unavailable(reason)
    titles = {}
    for path in chapters(REPO):
        title = chapter_row(path)["title"]
        titles[f"chapters/{path.stem}.html"] = title
        titles[f"slides/{path.stem}.html"] = title
    screenshot = BUILD / "screenshots" / "chapter.png"
    start = time.perf_counter()
    reports = browser.check_site(built["out"], titles=titles, screenshot=screenshot,
                                 screenshot_page=f"chapters/{chapters(REPO)[min(2, len(chapters(REPO)) - 1)].stem}.html")
    seconds = time.perf_counter() - start
    lines = [f"{r.path}  status {r.status}  {r.seconds:.1f} s  math {r.math}  images {r.images}  title {r.title!r}"
             for r in reports]
    (BUILD / "browser-report.txt").write_text(
        f"site built in {built['seconds']:.1f} s; {len(reports)} pages checked in {seconds:.1f} s\n" + "\n".join(lines) + "\n")
    visited = {r.path for r in reports}
    assert set(titles) <= visited and "index.html" in visited
    problems = [f"{r.path}: {p}" for r in reports for p in r.problems]
    assert not problems, "\n".join(problems)
    chapter_pages = [r for r in reports if r.path.startswith("chapters/")]
    assert sum(r.images for r in chapter_pages) > 0 and sum(r.math for r in reports) > 0
    assert screenshot.is_file() and screenshot.stat().st_size > 10_000


def test_the_menus_work_on_a_phone_and_pages_fit_its_width(built):
    """At 390x844 the ☰ button opens the chapter list and a link in it is followed, the Contents button opens the
    page's sections; no page scrolls sideways or cuts a display equation; at 1280 px ☰ hides and shows the
    sidebar. (The themes once bound a hidden second ☰ button, and none of this worked.)"""
    reason = browser.unavailable()
    if reason:
        _unavailable(reason)
    start = f"chapters/{chapters(REPO)[0].stem}.html"
    to_check = ["index.html", "results.html", "review-questions.html", "contributing.html"] + [
        f"chapters/{p.stem}.html" for p in chapters(REPO)]
    result = browser.check_phone(built["out"], start, to_check)
    steps = "\n".join(result["menu"])
    assert "☰: open" in steps and result["followed"] and "/chapters/" in result["followed"], steps
    assert result["followed"].split("/")[-1] != start.split("/")[-1], steps
    assert "Contents: open" in steps and "sections visible in Contents: 0" not in steps, steps
    assert "hidden after a click True, shown after another True" in steps, steps
    assert "page error" not in steps, steps
    assert not result["problems"], "\n".join(f"{page}: {p}" for page, ps in result["problems"].items() for p in ps)


def test_no_slide_of_any_deck_is_taller_than_the_slide(built):
    reason = browser.unavailable()
    if reason:
        _unavailable(reason)
    found = browser.check_decks(built["out"], [f"slides/{p.stem}.html" for p in chapters(REPO)])
    assert not found, "\n".join(f"{deck}: {p}" for deck, ps in found.items() for p in ps)


def test_the_site_tab_titles_colour_mode_and_question_bank(built):
    html = built["out"]
    assert "<title>Recurrent Neural Networks with Keras</title>" in (html / "index.html").read_text(encoding="utf-8")
    page = (html / "chapters" / f"{chapters(REPO)[0].stem}.html").read_text(encoding="utf-8")
    assert 'localStorage.getItem("mode") || "auto"' in page  # the OS colour preference is followed
    assert page.count("primary-toggle") == 1, "one ☰ button per page (a hidden second one broke the menu)"
    assert "NBVAL_" not in page, "test markers are hidden from learners"
    bank = (html / "review-questions.html").read_text(encoding="utf-8")
    assert "has no exam-question section" not in bank
    from course_build import instructor

    for number in instructor.CORE_QUESTIONS:  # each core question links to its chapter's exam section
        path = next(p for p in chapters(REPO) if p.name.startswith(number))
        exam = instructor.chapter_info(path).exam
        assert exam is not None and f"{path.stem}.html#{instructor.slug(exam.question)}" in bank, number


def test_the_browser_check_catches_what_it_is_for(tmp_path):
    """A page with a console error, a broken image, an image without alt text, raw math, a dead link and a wrong
    title is reported on every count (so a passing run means something)."""
    reason = browser.unavailable()
    if reason:
        _unavailable(reason)
    (tmp_path / "ok.html").write_text("<html><head><title>Fine</title><link rel='icon' href='data:,'></head>"
                                      "<body><a href='bad.html#top'>x</a></body></html>")
    (tmp_path / "bad.html").write_text(
        "<html><head><meta charset='utf-8'><title>Something else</title><link rel='icon' href='data:,'></head><body id='top'>"
        "<p>raw $$x^2$$ here</p><img src='missing.png' alt='a figure'><img src='data:image/gif;base64,"
        "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7'>"
        "<img src='data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7' alt='Seed …'>"
        "<a href='nowhere.html'>dead</a><script>console.error('boom')</script>"
        "<img src='http://example.invalid/x.png' alt='far away'></body></html>")
    (tmp_path / "wide.html").write_text(
        "<html><head><title>Wide</title><link rel='icon' href='data:,'></head><body><article class='bd-article' "
        "style='width:600px'><table><tr><td style='min-width:900px'>wide</td></tr></table>"
        "<pre style='overflow:visible'>" + "x" * 300 + "</pre></article></body></html>")
    reports = {r.path: r for r in browser.check_site(tmp_path, titles={"bad.html": "Chapter 99"})}
    assert reports["ok.html"].problems == []
    found = "\n".join(reports["bad.html"].problems)
    for words in ("boom", "image not loaded", "without alt text", "raw math", "nowhere.html", "answers 404",
                  "does not name 'Chapter 99'", "alt text with a placeholder", "request leaves the site"):
        assert words in found, found
    wide = "\n".join(reports["wide.html"].problems)
    for words in ("px wide in a 600 px column", "code block overflows without a scrollbar", "wider than the window"):
        assert words in wide, wide


def test_site_out_writes_only_inside_out_and_never_deletes_a_folder_it_did_not_make(tmp_path, monkeypatch):
    """Issue 30: `site --out DIR/x` deleted DIR/site-src and wrote the guide into DIR. Sphinx itself is replaced
    by a stand-in here (the real build is the slow test above); what is checked is where things go."""
    import subprocess as real_subprocess

    calls = []

    def sphinx(command, **kwargs):
        calls.append(command)
        Path(command[command.index("-w") + 1]).write_text("")
        Path(command[-1]).mkdir(parents=True, exist_ok=True)
        (Path(command[-1]) / "index.html").write_text("<html></html>")
        return real_subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(site, "missing_packages", lambda: [])
    monkeypatch.setattr(site.subprocess, "run", sphinx)
    mine = tmp_path / "site-src"
    mine.mkdir()
    (mine / "my-notes.txt").write_text("the user's own folder")
    (tmp_path / "instructor-guide.md").write_text("the user's own guide")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = site.build(REPO, tmp_path / "x")
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert [p for p in after if p not in before and p.parts[0] != "x"] == []  # nothing written beside --out
    assert (mine / "my-notes.txt").read_text() == "the user's own folder"
    assert (tmp_path / "instructor-guide.md").read_text() == "the user's own guide"
    assert (result["aux"] / "instructor-guide.md").is_file() and tmp_path / "x" in result["aux"].parents
    site.build(REPO, tmp_path / "x")  # a rebuild replaces the sources it made itself
    with pytest.raises(site.SiteError, match="not made by the site builder"):
        site.write_sources(REPO, mine)
    assert (mine / "my-notes.txt").is_file()


@pytest.mark.parametrize("fault", ["out is a file", "slides", "guide"])
def test_site_build_errors_of_slides_guide_and_out_are_one_line(fault, tmp_path, monkeypatch, capsys):
    """Was: site.build let slides.SlidesError, the guide's OSError/OutputFolderError and a raw NotADirectoryError
    (--out naming a file) through as tracebacks; now each is a SiteError, which the CLI prints as one line."""
    import subprocess as real_subprocess

    from course_build import cli

    def sphinx(command, **kwargs):
        Path(command[command.index("-w") + 1]).write_text("")
        Path(command[-1]).mkdir(parents=True, exist_ok=True)
        if fault == "guide":  # a folder where the guide goes: instructor.write cannot write it
            (Path(command[command.index("-d") + 1]).parent / "instructor-guide.md").mkdir(exist_ok=True)
        return real_subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(site, "missing_packages", lambda: [])
    monkeypatch.setattr(site.subprocess, "run", sphinx)
    out = tmp_path / "x"
    if fault == "out is a file":
        out.write_text("the user's file")
    if fault == "slides":  # a deck that cannot be written: write_deck's own one-line SlidesError
        blocker = tmp_path / "blocker"
        blocker.write_text("")
        real = site.slides.write_deck
        monkeypatch.setattr(site.slides, "write_deck", lambda path, out_dir, **kw: real(path, blocker, **kw))
    with pytest.raises(site.SiteError) as info:
        site.build(REPO, out)
    assert "\n" not in str(info.value)
    monkeypatch.chdir(REPO)
    assert cli.main(["site", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    assert {"out is a file": "a file of that name exists", "slides": "a file of that name exists",
            "guide": "instructor-guide.md"}[fault] in err, err
    if fault == "out is a file":
        assert out.read_text() == "the user's file"


@pytest.mark.parametrize("port", ["99999", "0", "-1", "busy"])
def test_site_serve_on_a_bad_or_busy_port_is_one_line_before_any_build(port, capsys, monkeypatch):
    """Was: a traceback (OverflowError for 99999, OSError 'Address already in use'), after the whole build."""
    import socket

    from course_build import cli
    from course_build import site as site_module

    monkeypatch.chdir(REPO)
    monkeypatch.setattr(site_module, "build", lambda *a, **k: pytest.fail("built the site before checking the port"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        number = str(taken.getsockname()[1]) if port == "busy" else port
        assert cli.main(["site", "--serve", "--port", number]) == 1
        with pytest.raises(site_module.SiteError, match="already in use" if port == "busy" else "not a TCP port"):
            site_module.serve(Path("."), port=int(number))
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert ("already in use" in err and "--port" in err) if port == "busy" else "from 1 to 65535" in err
