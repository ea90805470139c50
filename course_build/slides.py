"""Slides: a chapter as a reveal.js deck, built from its stored outputs (``python3 course.py slides NN``).

One slide per heading by default: a Markdown cell that starts with a heading opens a new slide, and a cell holding
several headings is split at each of them. A chapter refines this with the usual Jupyter cell metadata
``slideshow.slide_type``: ``slide`` / ``subslide`` open a slide, ``fragment`` reveals the cell step by step,
``notes`` turns it into speaker notes (press ``s``), ``skip`` leaves it out, ``-`` keeps it on the current slide.
Code is shown with its stored outputs; figures carry the alt text of :mod:`course_build.alt_text`.

Offline: reveal.js is copied from the ``sphinx-revealjs`` package and MathJax from ``sphinx-mathjax-offline``
(both in the ``site`` extra: ``python3 course.py site`` installs it). Without them the deck still works but loads
reveal.js and MathJax from the web, and :func:`write_deck` says so.
"""
from __future__ import annotations

import base64
import html
import json
import re
import shutil
from pathlib import Path

from course_build.alt_text import IMAGE_TYPES, alt_texts, plain
from course_build.results_report import readable_outputs

CDN_REVEAL = "https://cdn.jsdelivr.net/npm/reveal.js@5.2.0"
CDN_MATHJAX = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"
_HEADING = re.compile(r"^#{1,3}\s")
SKIPPED_MIME = ("application/vnd.course.result+json",)


def reveal_source() -> Path | None:
    """The folder of the reveal.js copy shipped by the ``sphinx-revealjs`` package, or None when not installed."""
    try:
        import sphinx_revealjs
    except ImportError:
        return None
    folder = Path(sphinx_revealjs.__file__).parent / "_static" / "revealjs"
    return folder if (folder / "dist" / "reveal.js").is_file() else None


def mathjax_source() -> Path | None:
    """The MathJax 3 folder of the ``sphinx-mathjax-offline`` package (its module name has hyphens), or None."""
    import importlib.util

    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).parent / "static" / "mathjax"
    return folder if (folder / "tex-chtml.js").is_file() else None


def copy_assets(target) -> bool:
    """Copy reveal.js (dist and plugins) and MathJax into ``target`` once; True when both are there (offline)."""
    target = Path(target)
    reveal, mathjax = reveal_source(), mathjax_source()
    if reveal is None or mathjax is None:
        return False
    for name in ("dist", "plugin"):
        if not (target / "revealjs" / name).is_dir():
            shutil.copytree(reveal / name, target / "revealjs" / name)
    if not (target / "mathjax" / "tex-chtml.js").is_file():
        shutil.copytree(mathjax, target / "mathjax", dirs_exist_ok=True)
    return True


def _markdown(text: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    # Without the heading anchor links (a "¶" per heading, pointless on a slide).
    return re.sub(r'<a class="anchor-link" href="[^"]*">[^<]*</a>', "", markdown2html_mistune(text))


def _slide_type(cell) -> str | None:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def _segments(source: str) -> list:
    """A Markdown cell cut before each heading line: [(opens_a_slide, text), ...]."""
    segments, current, opens = [], [], False
    for line in source.splitlines():
        if _HEADING.match(line) and current and any(l.strip() for l in current):
            segments.append((opens, "\n".join(current)))
            current, opens = [], False
        if _HEADING.match(line) and not current:
            opens = True
        current.append(line)
    if current:
        segments.append((opens, "\n".join(current)))
    return segments


def _output_html(output, alt: str | None) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        if output.get("name") == "stderr":
            return ""
        return f'<pre class="output">{html.escape("".join(output.get("text", "")))}</pre>'
    if kind == "error":
        return ""
    data = output.get("data", {})
    for mime in IMAGE_TYPES:
        if mime in data:
            payload = "".join(data[mime]) if isinstance(data[mime], list) else data[mime]
            if mime == "image/svg+xml":
                payload = base64.b64encode(payload.encode()).decode()
            alt_attr = html.escape(alt or "Figure", quote=True)
            return f'<img class="figure" src="data:{mime};base64,{payload.strip()}" alt="{alt_attr}">'
    if "text/html" in data:
        return f'<div class="output html">{"".join(data["text/html"])}</div>'
    if "text/markdown" in data:
        return _markdown("".join(data["text/markdown"]))
    if "text/plain" in data:
        return f'<pre class="output">{html.escape("".join(data["text/plain"]))}</pre>'
    return ""


# Fitting a slide (1280x800 at reveal.js's scale, font 0.62em): estimated heights in px, and the budget per slide.
SLIDE_BUDGET_PX = 640
FOLD_CODE_LINES = 12  # a longer code cell is folded (its first lines shown, the rest on a click)
_TEXT_LINE_PX, _CHARS_PER_LINE, _CODE_LINE_PX, _OUTPUT_MAX_PX, _FIGURE_MAX_PX = 34, 85, 23, 250, 380
_NBVAL = re.compile(r"^[ \t]*# NBVAL_[A-Z_]+[ \t]*\n?", re.MULTILINE)


def _png_size(payload: str):
    """(width, height) of a base64 PNG from its header, or None."""
    try:
        head = base64.b64decode(payload.strip()[:48])
    except ValueError:
        return None
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _estimate(kind: str, text: str, source: str = "", outputs=()) -> float:
    """Roughly how tall a block is on the slide (px): text by its wrapped lines, code by its (folded) lines, an
    output by its lines up to its scroll box, a figure scaled to fit the slide."""
    if kind == "markdown":
        height = 0.0
        for line in source.splitlines():
            if _HEADING.match(line):
                height += 70
            elif line.strip():
                height += _TEXT_LINE_PX * max(1, -(-len(line) // _CHARS_PER_LINE))
        return height + 10 * source.count("\n\n")
    lines = source.count("\n") + 1
    height = 30 + _CODE_LINE_PX * min(lines, FOLD_CODE_LINES + 1)
    for output in outputs:
        data = output.get("data", {})
        if "image/png" in data:
            payload = "".join(data["image/png"]) if isinstance(data["image/png"], list) else data["image/png"]
            size = _png_size(payload) or (1000, 600)
            height += 20 + min(_FIGURE_MAX_PX, size[1] * min(1.0, 1180 / max(size[0], 1)))
        elif any(m in data for m in IMAGE_TYPES):
            height += 20 + _FIGURE_MAX_PX
        elif output.get("output_type") == "stream" and output.get("name") != "stderr" or "text/plain" in data:
            text_out = "".join(output.get("text", "")) or "".join(data.get("text/plain", ""))
            height += 20 + min(_OUTPUT_MAX_PX, 20 * (text_out.count("\n") + 1))
        elif "text/html" in data:
            height += _OUTPUT_MAX_PX
    return height


def _merged(outputs) -> list:
    """Consecutive stream outputs of the same stream as one (as Jupyter shows them), so they share one box."""
    merged = []
    for output in outputs:
        last = merged[-1] if merged else None
        if (last is not None and output.get("output_type") == "stream" and last.get("output_type") == "stream"
                and output.get("name") == last.get("name")):
            merged[-1] = {**last, "text": "".join(last.get("text", "")) + "".join(output.get("text", ""))}
        else:
            merged.append(output)
    return merged


def _code_html(source: str) -> str:
    """A code cell on a slide: without the test markers; a long one folded after its first lines."""
    source = _NBVAL.sub("", source).rstrip("\n")
    lines = source.split("\n")
    if len(lines) <= FOLD_CODE_LINES + 1:
        return f'<pre><code class="language-python">{html.escape(source)}</code></pre>'
    head, rest = "\n".join(lines[:FOLD_CODE_LINES]), "\n".join(lines[FOLD_CODE_LINES:])
    return (f'<pre><code class="language-python">{html.escape(head)}</code></pre>'
            f'<details class="more-code"><summary>{len(lines) - FOLD_CODE_LINES} more lines of code</summary>'
            f'<pre><code class="language-python">{html.escape(rest)}</code></pre></details>')


def slides_of(nb) -> list:
    """The deck's slides: a list of dicts ``{"html": [...], "notes": [...]}``, one per slide. A slide whose
    estimated height passes :data:`SLIDE_BUDGET_PX` continues on a new slide under the same heading."""
    alts = alt_texts(nb)
    slides = [{"html": [], "notes": [], "height": 0.0, "heading": ""}]
    for index, cell in enumerate(nb["cells"]):
        kind, source = cell.get("cell_type"), "".join(cell.get("source", ""))
        slide_type = _slide_type(cell)
        if slide_type == "skip" or not source.strip():
            continue
        if kind == "markdown":
            parts = _segments(source) if slide_type in (None, "") else [(slide_type in ("slide", "subslide"), source)]
        elif kind == "code":
            body = [_code_html(source)]
            images, texts = 0, []  # consecutive text outputs share one scroll box
            for output in _merged(cell.get("outputs", [])):
                data = output.get("data", {})
                is_image = any(m in data for m in IMAGE_TYPES)
                rendered_output = _output_html(output, alts.get((index, images)) if is_image else None)
                if is_image:
                    if texts:
                        body.append(f'<div class="outputs">{"".join(texts)}</div>')
                        texts = []
                    body.append(rendered_output)
                elif rendered_output:
                    texts.append(rendered_output)
                images += is_image
            if texts:
                body.append(f'<div class="outputs">{"".join(texts)}</div>')
            parts = [(slide_type in ("slide", "subslide"), "\n".join(b for b in body if b))]
        else:
            continue
        for opens, text in parts:
            rendered = _markdown(text) if kind == "markdown" else text
            height = 0.0 if slide_type == "notes" else (
                _estimate("markdown", "", text) if kind == "markdown" else
                _estimate("code", "", _NBVAL.sub("", source), _merged(cell.get("outputs", []))))
            if opens and (slides[-1]["html"] or slides[-1]["notes"]):
                slides.append({"html": [], "notes": [], "height": 0.0, "heading": ""})
            elif slides[-1]["html"] and slides[-1]["height"] + height > SLIDE_BUDGET_PX:
                heading = slides[-1]["heading"]
                slides.append({"html": [f"<h3>{heading} (continued)</h3>"] if heading else [], "notes": [],
                               "height": 60.0 if heading else 0.0, "heading": heading})
            if opens and kind == "markdown":
                first = text.strip().splitlines()[0] if text.strip() else ""
                slides[-1]["heading"] = html.escape(plain(first.lstrip("#").strip())) if _HEADING.match(first) else ""
            slides[-1]["height"] += height
            if slide_type == "notes":
                slides[-1]["notes"].append(rendered)
            elif slide_type == "fragment":
                slides[-1]["html"].append(f'<div class="fragment">{rendered}</div>')
            else:
                slides[-1]["html"].append(rendered)
    return [s for s in slides if s["html"] or s["notes"]]


STYLE = """
.reveal .slides { text-align: left; }
.reveal .slides section { height: 100%; overflow-y: auto; font-size: 0.62em; }
.reveal h1 { font-size: 1.9em; } .reveal h2 { font-size: 1.5em; } .reveal h3 { font-size: 1.2em; }
.reveal pre { width: 100%; font-size: 0.75em; box-shadow: none; }
.reveal pre code { max-height: 320px; }
.reveal pre.output { background: #f4f4f4; color: #222; padding: 0.4em; max-height: 250px; overflow: auto; white-space: pre-wrap; }
.reveal img.figure { max-height: 380px; max-width: 100%; object-fit: contain; background: white; cursor: zoom-in; }
.reveal details.more-code > summary { font-size: 0.7em; cursor: pointer; color: #555; }
.reveal .output.html { max-height: 250px; overflow: auto; }
.reveal div.outputs { max-height: 260px; overflow: auto; }
.reveal div.outputs pre.output { max-height: none; margin: 0; }
.reveal table { font-size: 0.8em; }
.back-link { position: fixed; left: 1em; bottom: 0.5em; font-size: 14px; z-index: 30; font-family: sans-serif; }
"""


# What the size estimate of slides_of misses (a long table, math): a slide still taller than the slide is scaled
# down to fit (CSS zoom, not below 45 %) once MathJax and the figures are in.
FIT_SCRIPT = """(async () => {
  await new Promise(r => Reveal.isReady() ? r() : Reveal.on('ready', r));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await Promise.all([...document.images].map(i => i.decode().catch(() => null)));
  const fit = () => Reveal.getSlides().forEach(s => {
    s.style.zoom = '';
    const hidden = !s.classList.contains('present');
    if (hidden) { s.style.display = 'block'; s.style.visibility = 'hidden'; }
    const ratio = s.clientHeight / s.scrollHeight;
    if (ratio < 1) s.style.zoom = Math.max(0.45, ratio * 0.98).toFixed(3);
    if (hidden) { s.style.display = ''; s.style.visibility = ''; }
  });
  fit();
  document.body.dataset.slidesFitted = 'yes';
})();"""


def deck_html(nb, title: str, assets: str | None, back_link: str | None = None) -> str:
    """A complete reveal.js page. ``assets`` is the URL of a folder holding ``revealjs/`` and ``mathjax/``;
    None loads both from the web."""
    reveal = f"{assets}/revealjs" if assets is not None else CDN_REVEAL
    mathjax = f"{assets}/mathjax/tex-chtml.js" if assets is not None else CDN_MATHJAX
    sections = []
    for slide in slides_of(nb):
        notes = f'<aside class="notes">{"".join(slide["notes"])}</aside>' if slide["notes"] else ""
        sections.append(f"<section>\n{''.join(slide['html'])}\n{notes}</section>")
    back = f'<a class="back-link" href="{html.escape(back_link)}">back to the chapter</a>' if back_link else ""
    config = {
        "hash": True, "center": False, "slideNumber": "c/t", "width": 1280, "height": 800, "margin": 0.04,
        "mathjax3": {"mathjax": mathjax, "tex": {"inlineMath": [["$", "$"], ["\\(", "\\)"]],
                                                 "displayMath": [["$$", "$$"], ["\\[", "\\]"]]}},
    }
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)} (slides)</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{reveal}/dist/reset.css">
<link rel="stylesheet" href="{reveal}/dist/reveal.css">
<link rel="stylesheet" href="{reveal}/dist/theme/white.css">
<link rel="stylesheet" href="{reveal}/plugin/highlight/monokai.css">
<style>{STYLE}</style>
</head>
<body>
{back}
<div class="reveal"><div class="slides">
{chr(10).join(sections)}
</div></div>
<script src="{reveal}/dist/reveal.js"></script>
<script src="{reveal}/plugin/notes/notes.js"></script>
<script src="{reveal}/plugin/math/math.js"></script>
<script src="{reveal}/plugin/highlight/highlight.js"></script>
<script>
Reveal.initialize(Object.assign({json.dumps(config)}, {{plugins: [RevealNotes, RevealMath.MathJax3, RevealHighlight]}}));
{FIT_SCRIPT}
</script>
</body>
</html>
"""


def find_chapter(root, number) -> Path:
    """The notebook of chapter ``number`` (``"5"``, ``"05"`` or a path) in the checkout ``root``."""
    candidate = Path(str(number))
    if candidate.suffix == ".ipynb" and candidate.is_file():
        return candidate
    text = str(number).zfill(2)
    matches = sorted((Path(root) / "notebooks").glob(f"{text}_*.ipynb"))
    if not matches:
        known = ", ".join(p.name[:2] for p in sorted((Path(root) / "notebooks").glob("[0-9][0-9]_*.ipynb")))
        raise FileNotFoundError(f"no chapter {text!r} in {Path(root) / 'notebooks'}; chapters: {known}")
    return matches[0]


class SlidesError(ValueError):
    """A chapter cannot be turned into a deck (not a notebook, empty, too old a format) or the deck not written."""


def read_notebook(path):
    """The notebook at ``path`` in format 4 (an nbformat-3 notebook is converted), or :class:`SlidesError` saying
    in one line why it cannot be read."""
    import nbformat

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SlidesError(f"{path}: cannot be read ({getattr(error, 'strerror', None) or error})") from None
    if not text.strip():
        raise SlidesError(f"{path}: the file is empty, not a notebook")
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise SlidesError(f"{path}: not a notebook (not JSON: {error})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("nbformat"), int):
        raise SlidesError(f"{path}: not a notebook (JSON without an nbformat number)")
    if raw["nbformat"] < 3:
        raise SlidesError(f"{path}: nbformat {raw['nbformat']} is too old; open and save it in Jupyter first")
    try:
        nb = nbformat.reads(text, as_version=4)  # converts nbformat 3
    except Exception as error:  # nbformat's validation and conversion errors have no common base
        raise SlidesError(f"{path}: not a valid notebook ({type(error).__name__}: {str(error)[:200]})") from None
    if not isinstance(nb.get("cells"), list):
        raise SlidesError(f"{path}: not a valid notebook (no list of cells)")
    return nb


def write_deck(path, out_dir, assets: str | None = "_assets", copy: bool = True, back_link: str | None = None):
    """Write the deck of notebook ``path`` as ``out_dir/<notebook name>.html``; returns (deck path, offline).

    ``assets`` is the assets folder's URL relative to the deck; with ``copy`` the assets are copied into
    ``out_dir/assets`` when missing. When reveal.js or MathJax cannot be had from a package, the deck loads
    them from the web (offline is then False)."""
    from course_build.readme import chapter_row

    from course_build.repository import OutputFolderError, output_folder, write_error

    path = Path(path)
    nb = read_notebook(path)  # before anything is created: a bad notebook leaves no folder behind
    row = chapter_row(path)
    try:
        out_dir = output_folder(out_dir)
    except OutputFolderError as error:
        raise SlidesError(str(error)) from None
    nb = readable_outputs(nb)  # results under their human labels
    deck = out_dir / f"{path.stem}.html"
    try:
        offline = True
        if copy and assets is not None:
            offline = copy_assets(out_dir / assets)
        if not offline:
            assets = None
        deck.write_text(deck_html(nb, f"{row['number']} · {row['title']}", assets, back_link), encoding="utf-8")
    except OSError as error:
        raise SlidesError(write_error(getattr(error, "filename", None) or deck, error)) from None
    return deck, offline
