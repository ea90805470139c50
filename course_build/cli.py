"""The course's commands: ``python3 course.py <command>`` from a clone, ``python -m course_build <command>`` inside the
environment. Commands: :func:`commands` lists them."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from course_utils.config import MODES

def _default_notebooks() -> list:
    """Every chapter of the checkout the command runs in (found from the working directory)."""
    from course_build.repository import chapters, find_root

    root = find_root()
    if root is None:
        raise SystemExit("error: not inside a checkout of the course (no README.md and notebooks/ found here or above); "
                         "name the notebooks to use, or cd into the course folder")
    return chapters(root)


def cmd_doctor(args) -> int:
    from course_utils.doctor import doctor

    return 1 if doctor() else 0


def cmd_run(args) -> int:
    from course_build.notebooks import NotebookFailed, format_seconds, run_notebook

    paths = [Path(p) for p in args.notebooks] or _default_notebooks()
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(f"error: no such notebook: {', '.join(str(p) for p in missing)}", file=sys.stderr)
        return 2
    rows, failures = [], 0
    start = time.perf_counter()
    for path in paths:
        shown_mode = "quick" if args.record_quick_time else args.mode
        print(f"running {path.name} in {shown_mode} mode ...", flush=True)
        try:
            if args.record_quick_time:  # quick mode, outputs untouched: only the measured time is stored
                from course_build.notebooks import record_quick_time

                result = run_notebook(path, mode="quick", write=False, timeout=args.timeout)
                if not record_quick_time(path, result.seconds, fingerprint=result.fingerprint):
                    print(f"  {path.name} was changed on disk while it ran (saved in Jupyter?): your version is kept "
                          "as it is and the quick-mode time was not recorded (run again to record it)", flush=True)
                    rows.append((path.name, format_seconds(result.seconds), "changed while it ran: time not recorded"))
                    continue
                rows.append((path.name, format_seconds(result.seconds), "quick-mode time recorded"))
                continue
            result = run_notebook(path, mode=args.mode, write=args.write, timeout=args.timeout)
            if result.written_to is not None:
                print(f"  {path.name} was changed on disk while it ran (saved in Jupyter?): your version is kept as "
                      f"it is, and the executed notebook was written next to it as {result.written_to}", flush=True)
                rows.append((path.name, format_seconds(result.seconds), f"written to {result.written_to.name}"))
                continue
            if result.written and args.mode == "full":
                from course_build import readme
                from course_build.repository import find_root

                root = find_root(path.resolve().parent)
                if root is not None:
                    readme.update(root)
            rows.append((path.name, format_seconds(result.seconds),
                         "written" if result.written else "not written (--write stores it)"))
            continue
        except NotebookFailed as error:
            where, reason = (f"cell {error.cell_index}" if error.cell_index is not None else ""), error.error
        except Exception as error:  # anything else must not stop the other notebooks
            where, reason = "", f"{type(error).__name__}: {error}"
        failures += 1
        rows.append((path.name, "FAILED", _shorten(f"{where}: {reason}" if where else reason)))
        print(f"  {path.name}: {where + ' ' if where else ''}failed: {reason}\n  (stored notebook left untouched)",
              flush=True)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'notebook':<{width}}  {'time':>10}  status")
    for name, seconds, status in rows:
        print(f"{name:<{width}}  {seconds:>10}  {status}")
    print(f"total {format_seconds(time.perf_counter() - start)}, {failures} failed")
    return 1 if failures else 0


def _shorten(text: str, width: int = 90) -> str:
    """The first line of ``text``, cut to ``width`` characters with an ellipsis (full messages are shown once above)."""
    lines = text.strip().splitlines() or [""]
    line = lines[0] + (" ..." if len(lines) > 1 else "")
    return line if len(line) <= width else line[: width - 3].rstrip() + "..."


def _progress_bar(name):
    def show(done, total):
        if total:
            filled = int(30 * done / total)
            sys.stderr.write(f"\r  {name:<8} [{'#' * filled}{'.' * (30 - filled)}] {done / 1e6:7.1f} / {total / 1e6:.1f} MB")
        else:
            sys.stderr.write(f"\r  {name:<8} {done / 1e6:7.1f} MB")
        sys.stderr.flush()

    return show


def cmd_download(args) -> int:
    from course_utils import config
    from course_utils.datasets import REMOTES, cache

    directory = config.cache_dir()
    if args.list:
        print(f"cache directory: {config.display_path(directory)}")
        try:
            manifest = cache.read_manifest(directory)
            for name, remote in REMOTES.items():
                path = cache.cached(remote, directory)
                if path is None:
                    print(f"  {name:<8} not cached")
                    continue
                entry = manifest.get(remote.filename, {})
                source = entry.get("source") or ("published" if remote.sha256 else "no hash recorded yet")
                print(f"  {name:<8} {path.stat().st_size / 1e6:8.1f} MB  sha256 {cache.sha256_of(path)}  ({source})")
        except (cache.CacheError, OSError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        return 0
    names = args.names or list(REMOTES)
    unknown = [n for n in names if n not in REMOTES]
    if unknown:
        print(f"error: unknown dataset(s) {', '.join(unknown)}; known: {', '.join(REMOTES)}", file=sys.stderr)
        return 2
    failures, summary = 0, []
    for name in names:
        remote = REMOTES[name]
        try:
            path = cache.fetch(remote, directory, progress=_progress_bar(name))
            sys.stderr.write("\n")
            summary.append((name, f"ok  {path.stat().st_size / 1e6:.1f} MB, sha256 {cache.sha256_of(path)[:16]}..."))
        except cache.DownloadError as error:
            sys.stderr.write("\n")
            failures += 1
            summary.append((name, f"FAILED: {error}"))
    print(f"cache directory: {config.display_path(directory)}")
    for name, status in summary:
        print(f"  {name:<8} {status}")
    return 1 if failures else 0


def cmd_results(args) -> int:
    from course_build import results_report as report
    from course_utils.results import ResultError

    try:
        if args.compare:
            stored = _stored_copy(args.compare)
            rows, ok = report.compare_copy(stored, args.compare)
            print(f"your copy: {args.compare}\ncourse's stored results: {stored.name}\n")
            print(report.compare_copy_text(rows))
            print("\nevery result reproduced" if ok else "\nsome results differ from the course's (see 'verdict')")
            return 0 if ok else 1
        paths = [Path(p) for p in args.notebooks] or _default_notebooks()
        chapters = [report.read_chapter(p) for p in paths]
    except ResultError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    found = [r for c in chapters for r in c.results]
    if args.json:
        print(report.json_rows(found))
        return 0
    print(report.table(found) if found else "no recorded results")
    targeted = [r for r in found if r.target is not None and r.applies]
    counts = {s: sum(r.status == s for r in targeted) for s in ("met", "missed", "MISSED")}
    print(f"\n{len(targeted)} targets judged: {counts['met']} met, {counts['missed']} expectations missed, "
          f"{counts['MISSED']} claims MISSED")
    trouble = report.problems(found) + [m for c in chapters for m in report.unrecorded(c)]
    for line in trouble:
        print(f"problem: {line}")
    return 1 if trouble else 0


def _stored_copy(mine) -> Path:
    """The course's stored chapter that a learner's copy corresponds to (same NN_ prefix)."""
    mine = Path(mine)
    if not mine.is_file():
        raise results_error(f"no such file: {mine}")
    prefix = mine.name[:2]
    matches = [p for p in _default_notebooks() if p.name[:2] == prefix]
    if not prefix.isdigit() or not matches:
        raise results_error(f"{mine.name}: name it like the chapter it copies (NN_topic.ipynb) to compare it")
    return matches[0]


def results_error(message):
    from course_utils.results import ResultError

    return ResultError(message)


def _root_or_exit() -> Path:
    from course_build.repository import find_root

    root = find_root()
    if root is None:
        raise SystemExit("error: not inside a checkout of the course (no README.md and notebooks/ found here or above)")
    return root


def cmd_site(args) -> int:
    from course_build import site

    root = _root_or_exit()
    out = Path(args.out) if args.out else root / "_build" / "html"
    try:
        if args.serve:
            site.check_port(args.port)  # before the build: a busy port is said at once
        result = site.build(root, out)
    except site.SiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    aux = result.get("aux", out.parent)
    print(f"built {len(result['chapters'])} chapters into {out} in {result['seconds']:.1f} s "
          f"({len(result['warnings'])} Sphinx warnings; see {aux / 'sphinx-warnings.txt'})")
    print(f"instructor guide and question bank as Markdown: {aux / 'instructor-guide.md'}, "
          f"{aux / 'review-questions.md'}")
    if args.serve:
        try:
            site.serve(out, port=args.port)
        except site.SiteError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    else:
        print(f"open {out / 'index.html'}, or serve it: python3 course.py serve")
    return 0


def cmd_slides(args) -> int:
    from course_build import slides

    root = _root_or_exit()
    out = Path(args.out) if args.out else root / "_build" / "slides"
    try:
        paths = [slides.find_chapter(root, n) for n in args.chapters] or _default_notebooks()
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in paths:
        try:
            deck, offline = slides.write_deck(path, out)
        except slides.SlidesError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        where = "offline (reveal.js and MathJax copied next to it)" if offline else (
            "ONLINE: loads reveal.js and MathJax from the web (install the site extra for an offline deck: "
            "python3 course.py site)")
        print(f"{deck}  {where}")
    return 0


def cmd_guide(args) -> int:
    from course_build import instructor

    from course_build.repository import OutputFolderError

    root = _root_or_exit()
    try:
        written = instructor.write(root, Path(args.out) if args.out else root / "_build")
    except (OutputFolderError, OSError) as error:
        print(f"error: {error.strerror if isinstance(error, OSError) and error.strerror else error}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_readme(args) -> int:
    from course_build import readme

    root = _root_or_exit()
    changed = readme.update(root)
    print(f"README.md: {', '.join(changed)} table(s) rewritten" if changed else "README.md tables are up to date")
    return 0


def cmd_progress(args) -> int:
    from course_utils import progress

    print(progress.report(_default_notebooks()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python3 course.py", description="Tools of the RNN course (the same as python -m course_build inside the environment).")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("doctor", help="report versions, hardware, mode, cache, and what will not work")
    p.set_defaults(func=cmd_doctor)
    p = sub.add_parser(
        "run", help="execute notebooks and report (maintainers: --write stores outputs, code hash, mode, versions, "
                    "time, and rewrites the README tables)",
        description="Execute notebooks top to bottom and report each one's time or failing cell. By default nothing "
                    "is written: a learner's run leaves the notebooks, the README and the ledger as they are. "
                    "Maintainers add --write to store the executed notebook in place (with its code hash, mode, "
                    "versions and time) and, in full mode, regenerate the README tables and the targets ledger: "
                    "python3 course.py run --write notebooks/NN_topic.ipynb")
    p.add_argument("notebooks", nargs="*", help="notebook files (default: every chapter)")
    p.add_argument("--mode", choices=MODES, default="full")
    writing = p.add_mutually_exclusive_group()
    writing.add_argument("--write", action="store_true",
                         help="maintainers: store the executed notebook in place; in full mode also rewrite the "
                              "README tables and the ledger (a notebook saved while it ran is kept, and the executed "
                              "copy goes next to it)")
    writing.add_argument("--no-write", action="store_true", help="execute only (the default; kept for old scripts)")
    p.add_argument("--timeout", type=_positive_seconds, default=1800, help="seconds allowed per cell (at least 1)")
    p.add_argument("--record-quick-time", action="store_true",
                   help="run in quick mode and store only the measured time in the notebook (the instructor guide "
                        "shows it); outputs stay as they are")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("download", help="prefetch the canonical datasets into the cache (for offline rooms)")
    from course_utils.datasets import REMOTES

    p.add_argument("names", nargs="*", help=f"datasets to fetch: {', '.join(REMOTES)} (default: all)")
    p.add_argument("--list", action="store_true", help="show what is cached, with sizes and hashes")
    p.set_defaults(func=cmd_download)
    from course_build.data import add_parser as add_data_parser  # the "data" command lives with its catalogue
    add_data_parser(sub)
    p = sub.add_parser("results", help="print every chapter's recorded results, or compare your copy with them")
    p.add_argument("notebooks", nargs="*", help="notebooks to read (default: every chapter)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--compare", metavar="MY_COPY.ipynb", help="your executed copy of a chapter, named like it")
    p.set_defaults(func=cmd_results)
    p = sub.add_parser("site", help="build the course website into _build/html (needs the site extra)")
    p.add_argument("--out", help="output folder (default: _build/html)")
    p.add_argument("--serve", action="store_true", help="then serve it on 127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_site)
    p = sub.add_parser("slides", help="turn chapters into reveal.js decks under _build/slides")
    p.add_argument("chapters", nargs="*", help="chapter numbers such as 05 (default: every chapter)")
    p.add_argument("--out", help="output folder (default: _build/slides)")
    p.set_defaults(func=cmd_slides)
    p = sub.add_parser("guide", help="write the instructor guide and the review-question bank (Markdown)")
    p.add_argument("--out", help="output folder (default: _build)")
    p.set_defaults(func=cmd_guide)
    sub.add_parser("readme", help="rewrite the README's generated tables (chapters, headline results)").set_defaults(func=cmd_readme)
    from course_build import grading, handout, new_chapter

    new_chapter.add_command(sub)
    grading.add_command(sub)  # python3 course.py grade / handout: each command lives with its module
    handout.add_command(sub)
    sub.add_parser("progress", help="your exercises per chapter: passed, failed, not attempted").set_defaults(func=cmd_progress)
    return parser


def _positive_seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a time limit: give at least 1 second per cell "
                                         "(there is no 'no limit')")
    return value


def commands() -> tuple:
    """The names of the commands, in the order ``--help`` lists them."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return tuple(sub.choices)


def main(argv=None) -> int:
    from course_utils.config import ConfigError, pin_cache_dir

    pin_cache_dir()  # a relative COURSE_CACHE_DIR means the same folder here and in the kernels started from here
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as error:  # COURSE_OFFLINE=maybe, COURSE_MODE=fast, ...: one line, not a traceback
        print(f"error: {error}", file=sys.stderr)
        return 2
