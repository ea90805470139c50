"""The package shows its architecture: the learner API imports no build tool, no import cycle, small modules."""
import ast
import subprocess
import sys

from tests._paths import REPO

PACKAGES = ("course_utils", "course_build")
# Modules over ~300 lines that each hold one topic (the rule: split a module that mixes topics).
ONE_TOPIC = {"course_utils/datasets/cache.py", "course_utils/datasets/speech.py", "course_build/instructor.py",
             "course_utils/datasets/real_manifest.py",  # generated: one line per pinned file of the real datasets
             "course_build/cli.py",  # the commands and their argument parsing, nothing else
             "course_build/site/browser.py",  # the headless-Chromium check of the built site
             "course_build/slides.py",  # a chapter as a reveal.js deck
             "course_utils/exercises/translation.py",  # chapter 08's exercises, the model one included
             "course_utils/netguard.py",  # the offline guard: patched socket functions, loopback answers, audit hook
             "course_utils/datasets/real.py",  # finding and verifying the real datasets: cache, mirror, download
             "course_utils/exercises/_model_checks.py",  # the behaviour checks of a learner's Keras model
             "course_utils/sentiment.py",  # chapter 07: the sentiment pipeline, its baselines and the saved model
             "course_build/site/__init__.py"}  # the site's sources, build and server


def _modules():
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            rel = path.relative_to(REPO)
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), path


def _imports(name, path):
    """The package modules that ``name`` imports (at any depth in the file, lazy imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {m for m in found if m.split(".")[0] in PACKAGES}


def test_importing_the_learner_api_imports_no_build_tool():
    code = ("import sys, course_utils, course_utils.datasets, course_utils.exercises, course_utils.from_scratch.rnn_layers\n"
            "print(sorted(m for m in sys.modules if m.startswith('course_build')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True).stdout
    assert out.strip() == "[]"


def test_the_learner_api_never_imports_course_build_even_lazily():
    offenders = [name for name, path in _modules() if name.startswith("course_utils")
                 and any(m.startswith("course_build") for m in _imports(name, path))]
    assert offenders == [], f"learner modules that import the build tools: {offenders}"


def test_there_is_no_import_cycle_between_modules():
    modules = dict(_modules())
    graph = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(name, path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and not name.startswith(imported + ".") and not imported.endswith("__main__"):
                targets.add(imported)
        graph[name] = targets
    # a package's __init__ that re-exports its submodules is not a cycle of modules: ignore edges into a parent package
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in graph.get(node, ()):
            if name_is_parent(nxt, node):
                continue
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    def name_is_parent(a, b):
        return b.startswith(a + ".")

    for node in graph:
        if node not in state:
            visit(node, [node])
    assert cycles == [], f"import cycles: {cycles}"


def test_no_module_is_over_300_lines_unless_it_holds_one_topic():
    long = [str(path.relative_to(REPO)) for _, path in _modules()
            if len(path.read_text(encoding="utf-8").splitlines()) > 320 and str(path.relative_to(REPO)) not in ONE_TOPIC]
    assert long == [], f"modules over ~300 lines: split them by topic, or add one to ONE_TOPIC with a reason: {long}"


def test_course_py_forwards_exactly_the_commands_of_course_build():
    sys.path.insert(0, str(REPO))
    try:
        import course
    finally:
        sys.path.pop(0)
    from course_build import cli

    assert set(course.TOOL_COMMANDS) | {"site"} == set(cli.commands())
    undocumented = [c for c in cli.commands() if f"python3 course.py {c}" not in course.__doc__]
    assert undocumented == [], f"add {undocumented} to course.py's docstring (its --help)"
