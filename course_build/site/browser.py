"""The built site checked in a real browser: headless Chromium driven by Playwright, on 127.0.0.1 only.

:func:`check_site` serves a built site on a free local port and opens every page and every slide deck. For each
it records the HTTP status, the console errors (and failed requests), images that did not load (natural width 0)
or have no alt text, math left raw (``$$``, ``\\(`` or a ``$...\\command...$`` outside code) or math elements
MathJax did not render, and the title; then it checks that every internal link resolves (status 200, and the
``#fragment`` exists in the target). Playwright's own browser download does not work everywhere, so it drives the
system's Chromium (Debian's ``chromium`` package, found on PATH or named by ``COURSE_CHROMIUM``), started with
flags that keep it off the network (no background networking, no component updates, no sync).
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_VAR = "COURSE_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SKIP_DIRS = ("_static", "_sources", "_downloads", "_images", "assets")

_PAGE_STATE = """async () => {
  await Promise.all([...document.images].map(i => { i.loading = 'eager'; return i.decode().catch(() => null); }));
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, textarea, mjx-container, .MathJax, mjx-assistive-mml')
       .forEach(n => n.remove());
  const mathSources = [...document.querySelectorAll('span.math, div.math')];
  return {
    title: document.title,
    text: clone.textContent,
    images: [...document.images].map(i => ({src: i.currentSrc || i.src, width: i.naturalWidth, alt: i.alt})),
    math: document.querySelectorAll('mjx-container').length,
    unrendered: mathSources.filter(n => !n.querySelector('mjx-container')).length,
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  };
}"""
_WAIT_MATHJAX = """async () => {
  // Sphinx loads MathJax only on pages with math; a reveal.js deck loads it through its math plugin.
  const expected = document.querySelector('script[src*="mathjax"]') || window.Reveal;
  if (!expected) return false;
  for (let i = 0; i < 200 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
    await new Promise(r => setTimeout(r, 50));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  return !!window.MathJax;
}"""
# Layout at the page's viewport: tables wider than the article's content box, code blocks overflowing without a
# scrollbar, display equations cut at the edge, and how far the document is wider than the window.
_LAYOUT = """() => {
  const article = document.querySelector('article.bd-article');
  if (!article) return null;
  const style = getComputedStyle(article);
  const box = article.getBoundingClientRect();
  const left = box.left + parseFloat(style.paddingLeft), right = box.right - parseFloat(style.paddingRight);
  const scrolls = (node) => ['auto', 'scroll'].includes(getComputedStyle(node).overflowX);
  const name = (node) => (node.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
  return {
    column: Math.round(right - left),
    wideTables: [...article.querySelectorAll('table')].filter(t => t.getBoundingClientRect().width > right - left + 1)
                .map(t => `table ${Math.round(t.getBoundingClientRect().width)} px wide in a ${Math.round(right - left)} px column: ${name(t)}`),
    cutCode: [...article.querySelectorAll('pre')].filter(p => p.scrollWidth > p.clientWidth + 1 && !scrolls(p))
             .map(p => `code block overflows without a scrollbar: ${name(p)}`),
    cutMath: [...article.querySelectorAll('mjx-container[display="true"]')]
             .filter(m => (m.scrollWidth > m.clientWidth + 1 && !scrolls(m)) || m.getBoundingClientRect().right > window.innerWidth + 1)
             .map(m => `display equation cut at the edge: ${name(m.querySelector('mjx-assistive-mml') || m)}`),
    sideways: document.documentElement.scrollWidth - window.innerWidth,
  };
}"""
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PLACEHOLDER = re.compile(r"…|\.\.\.|\{[A-Za-z_][^{}]*\}")  # what an alt text left unfilled looks like
RAW_MATH = re.compile(r"\$\$|\\\(|\\\[|\$[^$\n]{0,200}\\[A-Za-z]+[^$\n]{0,200}\$")


@dataclass
class PageReport:
    """What the browser saw on one page."""

    path: str
    status: int | None = None
    title: str = ""
    seconds: float = 0.0
    math: int = 0
    images: int = 0
    problems: list = field(default_factory=list)


def find_chromium() -> str | None:
    """The Chromium executable to drive: ``COURSE_CHROMIUM`` if set, else the first of CHROMIUM_NAMES on PATH."""
    named = os.environ.get(CHROMIUM_VAR)
    if named:
        return named if Path(named).is_file() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def unavailable() -> str | None:
    """Why the browser check cannot run here (None when it can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (it comes with the site extra: python3 course.py site)"
    if find_chromium() is None:
        return ("no Chromium found (on Debian/Ubuntu: apt-get install chromium; or set COURSE_CHROMIUM to a "
                "Chromium executable)")
    return None


def pages(html_dir) -> list:
    """Every HTML page of a built site (slide decks included), as paths relative to it, sorted."""
    html_dir = Path(html_dir)
    found = []
    for path in html_dir.rglob("*.html"):
        relative = path.relative_to(html_dir)
        if relative.parts[0] in SKIP_DIRS or any(part in SKIP_DIRS for part in relative.parts[:-1]):
            continue
        found.append(relative.as_posix())
    return sorted(found)


class _Server:
    """The site on 127.0.0.1 (a free port), in a thread, for the length of a ``with`` block."""

    def __init__(self, directory):
        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        handler = functools.partial(Handler, directory=str(directory))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _check_links(links: dict, base: str, html_dir: Path) -> dict:
    """``{page: [problems]}`` for internal links that do not resolve (status or missing fragment)."""
    problems, cache = {}, {}
    for link, sources in links.items():
        target, _, fragment = link.partition("#")
        if fragment.startswith("/"):  # a reveal.js route (#/3), not an element
            fragment = ""
        if target not in cache:
            try:
                with urllib.request.urlopen(target, timeout=10) as response:  # noqa: S310 - 127.0.0.1 only
                    body = response.read()
                    cache[target] = (response.status, body.decode("utf-8", "replace")
                                     if "html" in response.headers.get("Content-Type", "") else "")
            except urllib.error.HTTPError as error:
                cache[target] = (error.code, "")
        status, body = cache[target]
        problem = None
        if status != 200:
            problem = f"link to {link[len(base):]} answers {status}"
        elif fragment and body and not re.search(rf'(id|name)=["\']{re.escape(urllib.parse.unquote(fragment))}["\']', body):
            problem = f"link to {link[len(base):]}: no element with id {fragment!r} in the target"
        if problem:
            for source in sources:
                problems.setdefault(source, []).append(problem)
    return problems


def _layout_problems(layout: dict | None, phone: bool) -> list:
    if layout is None:
        return []
    problems = list(layout["cutCode"]) + list(layout["cutMath"])
    if not phone:  # at 1280 px every table fits its column; on a phone a wide table scrolls in its own box
        problems += layout["wideTables"]
    if layout["sideways"] > 0:
        problems.append(f"the page is {layout['sideways']} px wider than the window (it scrolls sideways)")
    return problems


def _outside(url: str, base: str) -> bool:
    """Whether the browser asked for something that is not the local site (data: and blob: URLs are inline)."""
    return not (url.startswith(base) or url.startswith(("data:", "blob:", "about:")))


def check_site(html_dir, titles: dict | None = None, screenshot=None, screenshot_page: str | None = None) -> list:
    """Open every page of the built site ``html_dir`` in headless Chromium at 1280x900; returns one
    :class:`PageReport` per page.

    ``titles`` maps a page (relative path) to words its ``<title>`` must contain (the chapter's title).
    ``screenshot`` (a path) saves a picture of ``screenshot_page`` at its first figure. Besides errors, images,
    math and links, each page's layout is checked (no table wider than its column, no code block or display
    equation overflowing without a scrollbar, nothing pushing the page sideways), alt texts may not hold an
    unfilled placeholder ("…", "{...}"), and every request must stay on 127.0.0.1."""
    from playwright.sync_api import sync_playwright

    html_dir = Path(html_dir)
    titles = titles or {}
    reports, links = [], {}
    with _Server(html_dir) as server, sync_playwright() as playwright, \
            tempfile.TemporaryDirectory(prefix="course-chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=find_chromium(), headless=True, args=CHROMIUM_ARGS,
            viewport=DESKTOP)
        try:
            page = context.new_page()
            errors = []
            page.on("request", lambda r: errors.append(f"request leaves the site: {r.url[:100]}")
                    if _outside(r.url, server.url) else None)
            page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
            page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url} ({r.failure})")
                    if "ERR_ABORTED" not in (r.failure or "") else None)  # aborted = we navigated away
            for relative in pages(html_dir):
                report = PageReport(relative)
                errors.clear()
                start = time.perf_counter()
                response = page.goto(server.url + relative, wait_until="load")
                report.status = response.status if response else None
                page.evaluate(_WAIT_MATHJAX)
                state = page.evaluate(_PAGE_STATE)
                report.seconds = time.perf_counter() - start
                report.title, report.math, report.images = state["title"], state["math"], len(state["images"])
                if report.status != 200:
                    report.problems.append(f"status {report.status}")
                report.problems += list(errors)
                for image in state["images"]:
                    if image["width"] == 0:
                        report.problems.append(f"image not loaded: {image['src'][:80]}")
                    if not image["alt"].strip():
                        report.problems.append(f"image without alt text: {image['src'][:80]}")
                    elif PLACEHOLDER.search(image["alt"]):
                        report.problems.append(f"alt text with a placeholder: {image['alt'][:120]!r}")
                raw = RAW_MATH.search(state["text"])
                if raw:
                    report.problems.append(f"raw math left in the text: {raw.group(0)[:60]!r}")
                if state["unrendered"]:
                    report.problems.append(f"{state['unrendered']} math elements not rendered by MathJax")
                if not relative.startswith("slides/"):
                    report.problems += _layout_problems(page.evaluate(_LAYOUT), phone=False)
                if relative in titles and titles[relative] not in report.title:
                    report.problems.append(f"title {report.title!r} does not name {titles[relative]!r}")
                for link in state["links"]:
                    if link.startswith(server.url):
                        links.setdefault(link, set()).add(relative)
                if screenshot and relative == screenshot_page:
                    figure = page.locator("img").first
                    if figure.count():
                        figure.scroll_into_view_if_needed()
                    Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(screenshot))
                page.goto("about:blank")  # nothing of this page is counted against the next one
                reports.append(report)
        finally:
            context.close()
        link_problems = _check_links(links, server.url, html_dir)
        for report in reports:
            report.problems += link_problems.get(report.path, [])
    return reports


_OPEN_MENU = """async (which) => {
  const button = [...document.querySelectorAll(`button.${which}`)].find(b => b.offsetParent !== null);
  if (!button) return 'no visible button';
  button.click();
  for (let i = 0; i < 40; i++) {
    const dialog = document.querySelector(`dialog[open]`);
    if (dialog) return 'open';
    await new Promise(r => setTimeout(r, 50));
  }
  return 'nothing opened';
}"""


def check_phone(html_dir, start: str, pages_to_check=()) -> dict:
    """The site on a phone (390x844): from ``start`` the ☰ button opens the chapter list, a chapter link in it is
    followed, and the "Contents" button opens the page's sections; each of ``pages_to_check`` fits the window
    (nothing pushes it sideways, no display equation or code block is cut). Then, at 1280 px, ☰ hides and shows
    the sidebar. Returns ``{"menu": [...steps...], "followed": url, "problems": {page: [...]}}``."""
    from playwright.sync_api import sync_playwright

    html_dir = Path(html_dir)
    result = {"menu": [], "followed": None, "problems": {}}
    with _Server(html_dir) as server, sync_playwright() as playwright, \
            tempfile.TemporaryDirectory(prefix="course-chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=find_chromium(), headless=True, args=CHROMIUM_ARGS, viewport=PHONE,
            is_mobile=True, has_touch=True)
        try:
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
            page.goto(server.url + start, wait_until="load")
            result["menu"].append(f"☰: {page.evaluate(_OPEN_MENU, 'primary-toggle')}")
            links = page.locator("dialog[open] nav.bd-docs-nav a.reference.internal")
            visible = [link for link in links.all() if link.is_visible()
                       and "/chapters/" in link.evaluate("a => a.href") and link.evaluate("a => a.href") != page.url]
            result["menu"].append(f"chapter links visible in the menu: {len(visible)}")
            if visible:
                target = visible[-1]
                href = target.get_attribute("href")
                target.click()
                page.wait_for_load_state("load")
                result["followed"] = page.url
                result["menu"].append(f"followed {href} -> {page.url[len(server.url):]}")
                result["menu"].append(f"Contents: {page.evaluate(_OPEN_MENU, 'secondary-toggle')}")
                sections = [a for a in page.locator("dialog[open] nav.page-toc a").all() if a.is_visible()]
                result["menu"].append(f"sections visible in Contents: {len(sections)}")
            for relative in pages_to_check:
                page.goto(server.url + relative, wait_until="load")
                page.evaluate(_WAIT_MATHJAX)
                found = _layout_problems(page.evaluate(_LAYOUT), phone=True)
                if found:
                    result["problems"][relative] = found
            page.set_viewport_size(DESKTOP)
            page.goto(server.url + start, wait_until="load")
            sidebar = page.locator("#pst-primary-sidebar")
            before = sidebar.is_visible() and sidebar.bounding_box()["width"] > 0
            toggle = page.locator("button.primary-toggle:visible")
            toggle.click()
            page.wait_for_timeout(400)
            hidden = "pst-sidebar-hidden" in (sidebar.get_attribute("class") or "")
            toggle.click()
            page.wait_for_timeout(400)
            shown_again = "pst-sidebar-hidden" not in (sidebar.get_attribute("class") or "")
            result["menu"].append(f"desktop ☰: sidebar shown {before}, hidden after a click {hidden}, "
                                  f"shown after another {shown_again}")
            result["menu"] += errors
        finally:
            context.close()
    return result


_SLIDE_OVERFLOW = """async () => {
  for (let i = 0; i < 200 && document.body.dataset.slidesFitted !== "yes"; i++)
    await new Promise(r => setTimeout(r, 50));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await Promise.all([...document.images].map(i => i.decode().catch(() => null)));
  const out = [];
  const slides = Reveal.getSlides();
  for (let i = 0; i < slides.length; i++) {
    Reveal.slide(i);
    await new Promise(r => requestAnimationFrame(() => r()));
    const s = slides[i];
    const extra = s.scrollHeight - s.clientHeight;
    if (extra > 2) out.push(`slide ${i + 1} of ${slides.length} is ${extra} px taller than the slide: `
                            + (s.querySelector('h1, h2, h3')?.textContent || s.textContent).trim().slice(0, 60));
  }
  return out;
}"""


def check_decks(html_dir, decks) -> dict:
    """``{deck: [problems]}``: every slide of each deck (paths relative to ``html_dir``) that is taller than the
    slide (its content would be cut or scroll), measured in headless Chromium after MathJax and the figures."""
    from playwright.sync_api import sync_playwright

    found = {}
    with _Server(Path(html_dir)) as server, sync_playwright() as playwright, \
            tempfile.TemporaryDirectory(prefix="course-chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=find_chromium(), headless=True, args=CHROMIUM_ARGS, viewport=DESKTOP)
        try:
            page = context.new_page()
            for deck in decks:
                page.goto(server.url + deck, wait_until="load")
                problems = page.evaluate(_SLIDE_OVERFLOW)
                if problems:
                    found[deck] = problems
        finally:
            context.close()
    return found
