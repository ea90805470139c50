"""course_utils.measure.fresh_process: real ``python -m`` child processes that answer, hang, fail or babble."""
import os
import textwrap
import time
from pathlib import Path

import pytest

from course_utils.measure import fresh_process as FP

from tests._paths import REPO


CHILDREN = {
    "answers": """
        import os, sys
        from course_utils.measure import fresh_process
        print("some chatter first")
        fresh_process.answer({"arguments": sys.argv[1:], "cwd": os.getcwd(),
                              "threads": os.environ.get("TF_NUM_INTRAOP_THREADS"),
                              "greeting": os.environ.get("COURSE_TEST_GREETING"),
                              "removed": "COURSE_TEST_REMOVED" in os.environ,
                              "path": os.environ["PYTHONPATH"].split(os.pathsep)[0]})
    """,
    "sleeper": "import time\ntime.sleep(60)\n",
    "failing": """
        import sys
        for n in range(30):
            print(f"error line {n}", file=sys.stderr)
        sys.exit(3)
    """,
    "chatty": "print('no JSON here, only words')\n",
    "broken": "print('{\"seconds\": 1.5,')\n",
    "listing": "print('{}'.format([1, 2]))\nprint('{\"x\" : 1} trailing')\n",
    "rendezvous": """
        import sys, time
        from pathlib import Path
        me, other = Path(sys.argv[1]), Path(sys.argv[2])
        me.write_text("here")
        while not other.exists():  # only finishes when the other process runs at the same time
            time.sleep(0.01)
        print('{"met": "%s"}' % other.name)
    """,
}


@pytest.fixture(scope="module")
def children(tmp_path_factory):
    folder = tmp_path_factory.mktemp("children")
    for name, code in CHILDREN.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(code))
    return folder


def test_a_child_s_json_answer_comes_back_with_its_arguments_and_environment(children, monkeypatch):
    monkeypatch.setenv("COURSE_TEST_REMOVED", "yes")
    got = FP.run("answers", "one", children / "two", time_limit=60, cwd=children, threads=1,
                 env={"COURSE_TEST_GREETING": "hello", "COURSE_TEST_REMOVED": None})
    assert got == {"arguments": ["one", str(children / "two")], "cwd": str(children), "threads": "1",
                   "greeting": "hello", "removed": False, "path": str(REPO)}
    assert "COURSE_TEST_REMOVED" in os.environ  # only the child's copy lost it
    assert FP.run("answers", time_limit=60, cwd=children)["threads"] == os.environ.get("TF_NUM_INTRAOP_THREADS")


def test_a_process_past_its_time_limit_is_stopped_and_reported(children):
    begun = time.monotonic()
    with pytest.raises(FP.FreshProcessError, match=r"sleeper did not finish within 0.5 s; it was stopped") as caught:
        FP.run("sleeper", time_limit=0.5, cwd=children, label="sleeper")
    assert time.monotonic() - begun < 10
    assert caught.value.reason == "timeout" and caught.value.returncode is None


def test_a_non_zero_exit_reports_the_code_and_the_last_lines_of_stderr(children):
    with pytest.raises(FP.FreshProcessError, match="exited with code 3") as caught:
        FP.run("failing", time_limit=60, cwd=children)
    error = caught.value
    assert error.reason == "exit" and error.returncode == 3 and error.label == "python -m failing"
    assert error.stderr_tail == tuple(f"error line {n}" for n in range(20, 30))
    assert str(error).endswith("error line 29") and "error line 19" not in str(error)


@pytest.mark.parametrize("child, reason, message", [
    ("chatty", "no json", "printed no JSON answer"),
    ("broken", "bad json", r"printed malformed JSON .*\{\"seconds\": 1.5,"),
    ("listing", "bad json", "printed malformed JSON"),
])
def test_output_without_a_json_answer_is_an_error(children, child, reason, message):
    with pytest.raises(FP.FreshProcessError, match=message) as caught:
        FP.run(child, time_limit=60, cwd=children)
    assert caught.value.reason == reason and caught.value.returncode == 0


def test_started_processes_run_at_the_same_time_and_answer_in_order(children, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    processes = [FP.start("rendezvous", a, b, cwd=children), FP.start("rendezvous", b, a, cwd=children)]
    assert FP.collect(processes, 60) == [{"met": "b"}, {"met": "a"}]


def test_one_failure_in_a_group_stops_the_others_at_once_with_the_caller_s_error_type(children):
    class OwnError(FP.FreshProcessError):
        pass

    begun = time.monotonic()
    sleeper = FP.start("sleeper", cwd=children)
    with pytest.raises(OwnError, match="failing exited with code 3"):
        FP.collect([sleeper, FP.start("failing", cwd=children, label="failing")], 60, OwnError)
    assert time.monotonic() - begun < 20 and not sleeper.running


@pytest.mark.parametrize("call, problem, message", [
    (lambda: FP.run("not a module", time_limit=1), ValueError, "dotted module name"),
    (lambda: FP.run("x", 3, time_limit=1), TypeError, "strings or paths"),
    (lambda: FP.run("x", time_limit=0), ValueError, "positive, finite"),
    (lambda: FP.run("x", time_limit=float("inf")), ValueError, "positive, finite"),
    (lambda: FP.run("x", time_limit=True), ValueError, "positive, finite"),
    (lambda: FP.run("x", time_limit=1, threads=0), ValueError, "threads must be"),
    (lambda: FP.run("x", time_limit=1, env={"A": 1}), TypeError, "env maps names"),
    (lambda: FP.run("x", time_limit=1, cwd="/no/such/folder"), ValueError, "existing directory"),
    (lambda: FP.run("x", time_limit=1, error=ValueError), TypeError, "subclass of FreshProcessError"),
    (lambda: FP.collect([], 1), TypeError, "non-empty list"),
    (lambda: FP.answer([1]), TypeError, "must be a dict"),
])
def test_bad_inputs_are_refused_before_anything_starts(call, problem, message):
    with pytest.raises(problem, match=message):
        call()
