"""Slides (one per heading, refined by cell metadata, offline assets), alt text, plot defaults and the version."""
import re

import pytest

from course_utils import config
from course_build import alt_text
from course_build import slides
from course_build.readme import chapters

from tests._paths import REPO



def _nb(*cells):
    return {"cells": list(cells), "metadata": {}}


def _md(source, slide_type=None):
    meta = {"slideshow": {"slide_type": slide_type}} if slide_type else {}
    return {"cell_type": "markdown", "metadata": meta, "source": source}


def test_one_slide_per_heading_refined_by_metadata():
    nb = _nb(_md("# Title\nintro"), _md("more text"), _md("## A\ntext\n## B\ntext"),
             _md("hidden", "skip"), _md("say this", "notes"), _md("next part", "slide"),
             {"cell_type": "code", "metadata": {}, "source": "print(1)",
              "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}]})
    deck = slides.slides_of(nb)
    assert len(deck) == 4  # Title (+ more text), A, B (+ notes), "next part" (+ code)
    assert "more text" in "".join(deck[0]["html"]) and "say this" in "".join(deck[2]["notes"])
    assert not any("hidden" in "".join(s["html"]) for s in deck)
    assert "print(1)" in "".join(deck[3]["html"]) and '<pre class="output">1' in "".join(deck[3]["html"])


def test_deck_is_offline_when_the_packages_are_there(tmp_path):
    path = chapters(REPO)[0]
    deck, offline = slides.write_deck(path, tmp_path)
    html = deck.read_text()
    if slides.reveal_source() is None or slides.mathjax_source() is None:
        assert not offline and slides.CDN_REVEAL in html
        pytest.skip("the site extra is not installed: the deck loads reveal.js from the web (and says so)")
    assert offline and "http" not in re.sub(r'href="https?://[^"]*"', "", html.split("<body>")[0])
    assert (tmp_path / "_assets" / "revealjs" / "dist" / "reveal.js").is_file()
    assert (tmp_path / "_assets" / "mathjax" / "tex-chtml.js").is_file()
    assert "<section>" in html and "alt=" in html or "<img" not in html


def test_alt_text_comes_from_titles_labels_or_the_text_above():
    source = 'fig, ax = plt.subplots()\nax.plot(x)\nax.set(title="Loss per epoch", xlabel="epoch", ylabel="$\\\\mathcal{L}$")'
    output = {"output_type": "display_data", "data": {"image/png": "xx", "text/plain": "<Figure size 1x1 with 2 Axes>"}}
    (text,) = alt_text.figure_alt_texts(source, [output])
    assert text == "Figure: Loss per epoch. 2 panels. Horizontal axis: epoch. Vertical axis: L."
    (text,) = alt_text.figure_alt_texts("plt.plot(x)", [output], context="## Heading\nThe state **decays** fast. More.")
    assert text.startswith("Figure illustrating: The state decays fast.")


def test_every_stored_figure_gets_alt_text():
    import nbformat

    for path in chapters(REPO):
        nb = nbformat.read(str(path), as_version=4)
        images = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                     if any(k in o.get("data", {}) for k in alt_text.IMAGE_TYPES))
        texts = alt_text.alt_texts(nb)
        assert len(texts) == images and all(len(t) > 10 for t in texts.values()), path.name
        unfilled = [t for t in texts.values() if "…" in t or alt_text.GAP in t or "{" in t]
        assert not unfilled, f"{path.name}: alt text with a placeholder: {unfilled}"


def test_alt_text_leaves_out_the_values_only_a_run_knows():
    """An f-string title's formatted values are unknown to the build: the clauses holding them go, not the title."""
    def title(code):
        return alt_text.labels_in_code(code)["title"]

    assert title('ax.set_title(f"Forecasts from every 4th origin (seed {seed})")') == ["Forecasts from every 4th origin"]
    assert title('ax.set_title(f"Accuracy, seed {seed}")') == ["Accuracy"]
    assert title('ax.set_title(f"Validation accuracy (one line per seed, {n} seeds)")') == [
        "Validation accuracy (one line per seed)"]
    assert title('ax.set_title(f"LSTM on the adding problem, T = {T} (one line per seed)")') == [
        "LSTM on the adding problem (one line per seed)"]
    assert title('ax.set_title(f"Seed {s}, unit {u}: one test sequence")') == []  # its leading clause was a value
    assert title('ax.set_title(f"Log-mel (normalised) of \\"{text}\\", {wpm} wpm, 20 dB")') == [
        "Log-mel (normalised), 20 dB"]


def test_plot_defaults_are_colour_blind_safe():
    import matplotlib

    config._plot_defaults()
    colours = [c["color"] for c in matplotlib.rcParams["axes.prop_cycle"]]
    assert colours[: len(config.OKABE_ITO)] == list(config.OKABE_ITO)
    assert matplotlib.rcParams["image.cmap"] in ("viridis", "cividis")


def test_version_is_one_number_with_a_changelog_entry():
    import sys

    import course_utils

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        tomllib = pytest.importorskip("tomli")
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert course_utils.__version__ == version
    assert re.search(rf"^## {re.escape(version)}\b", (REPO / "CHANGELOG.md").read_text(), re.MULTILINE)


def _v3_notebook() -> str:
    import nbformat
    from nbformat.v3 import new_code_cell, new_notebook, new_text_cell, new_worksheet

    cells = [new_text_cell("markdown", source="# 96 · An old notebook\n\nSaved by an old Jupyter."),
             new_code_cell(input="print(1)")]
    return nbformat.writes(new_notebook(worksheets=[new_worksheet(cells=cells)]), version=3)


@pytest.mark.parametrize("content, message", [
    ("not json", "not a notebook (not JSON"),
    ("", "the file is empty"),
    ("   \n", "the file is empty"),
    ("[1, 2]", "JSON without an nbformat number"),
    ('{"nbformat": 2, "worksheets": []}', "nbformat 2 is too old"),
    ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": 7}', "not a valid notebook"),
])
def test_slides_of_a_file_that_is_not_a_usable_notebook_is_one_line(tmp_path, monkeypatch, capsys, content, message):
    """Was: a JSONDecodeError / KeyError('cells') traceback."""
    from course_build import cli

    bad = tmp_path / "98_bad.ipynb"
    bad.write_text(content)
    monkeypatch.chdir(REPO)
    assert cli.main(["slides", str(bad), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {bad}: ") and message in err, err
    assert not (tmp_path / "out").exists()  # nothing created for a notebook that cannot be read


def test_slides_of_an_nbformat_3_notebook_are_made_after_conversion(tmp_path, monkeypatch, capsys):
    from course_build import cli

    old = tmp_path / "96_old.ipynb"
    old.write_text(_v3_notebook())
    monkeypatch.chdir(REPO)
    assert cli.main(["slides", str(old), "--out", str(tmp_path / "out")]) == 0
    deck = (tmp_path / "out" / "96_old.html").read_text()
    assert "An old notebook" in deck and "print(1)" in deck


@pytest.mark.parametrize("command", ["slides", "guide"])
@pytest.mark.parametrize("case", ["existing file", "under a file", "no permission"])
def test_an_out_folder_that_cannot_be_used_is_one_line(tmp_path, monkeypatch, capsys, command, case):
    """Was: FileExistsError / NotADirectoryError / PermissionError tracebacks from mkdir or write_text."""
    from course_build import cli, repository

    (tmp_path / "a_file").write_text("mine")
    out = {"existing file": tmp_path / "a_file", "under a file": tmp_path / "a_file" / "sub",
           "no permission": tmp_path / "locked"}[case]
    if case == "no permission":  # as root a read-only folder is still writable: simulate what a user meets
        out.mkdir()
        monkeypatch.setattr(repository.os, "access", lambda path, mode: False)
    monkeypatch.chdir(REPO)
    args = ["slides", "01", "--out", str(out)] if command == "slides" else ["guide", "--out", str(out)]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    expected = {"existing file": "a file of that name exists", "under a file": "part of that path is a file",
                "no permission": "no permission to write into it"}[case]
    assert err.count("\n") == 1 and err.startswith(f"error: --out {out}: ") and expected in err, err
    assert (tmp_path / "a_file").read_text() == "mine"
