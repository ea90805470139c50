"""The command line: ``python -m course_utils {doctor,run,download} ...``."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_notebooks() -> list:
    return sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def cmd_doctor(args) -> int:
    from .doctor import doctor

    return 1 if doctor() else 0


def cmd_run(args) -> int:
    from .notebooks import NotebookFailed, format_seconds, run_notebook

    paths = [Path(p) for p in args.notebooks] or _default_notebooks()
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(f"error: no such notebook: {', '.join(str(p) for p in missing)}", file=sys.stderr)
        return 2
    rows, failures = [], 0
    start = time.perf_counter()
    for path in paths:
        print(f"running {path.name} in {args.mode} mode ...", flush=True)
        try:
            result = run_notebook(path, mode=args.mode, write=not args.no_write, timeout=args.timeout)
            rows.append((path.name, format_seconds(result.seconds), "written" if result.written else "not written"))
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
    from . import cache, config
    from .datasets import REMOTES

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
    failures = 0
    summary = []
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils", description="Tools of the RNN course.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("doctor", help="report versions, hardware, mode, cache, and what will not work")
    p.set_defaults(func=cmd_doctor)
    p = sub.add_parser("run", help="execute notebooks in place and record code hash, mode, versions and time")
    p.add_argument("notebooks", nargs="*", help="notebook files (default: every chapter)")
    p.add_argument("--mode", choices=("full", "quick"), default="full")
    p.add_argument("--no-write", action="store_true", help="execute only; leave the stored notebooks as they are")
    p.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("download", help="prefetch the canonical datasets into the cache (for offline rooms)")
    p.add_argument("names", nargs="*", help="datasets to fetch: imdb, spa-eng, jena (default: all)")
    p.add_argument("--list", action="store_true", help="show what is cached, with sizes and hashes")
    p.set_defaults(func=cmd_download)
    args = parser.parse_args(argv)
    return args.func(args)
