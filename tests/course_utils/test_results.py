"""Recorded results: record(), over_seeds(), reading them back from notebooks, the table, the checks and compare."""
import json
import math
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_build import results_report
from course_utils import results
from course_utils.results import MIME, TARGETS_MIME, Result, ResultError, claim, declare_targets, expect, record

from tests._paths import REPO


@pytest.fixture(autouse=True)
def no_declarations():
    """Declarations live for a process (one notebook kernel); each test starts with none."""
    results.clear_declarations()
    yield
    results.clear_declarations()


def test_record_prints_mean_and_range_and_target(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "full")
    result = record("test_accuracy", [0.981, 0.99, 0.985], model="GRU", target=">= 0.98")
    line = capsys.readouterr().out.strip()
    assert line == ("result test_accuracy [model=GRU]: mean 0.985 (0.981-0.990, 3 seeds); "
                    "target >= 0.98 in every seed: met")
    assert result.met and result.headline and result.mode == "full"


def test_a_target_is_missed_when_one_seed_misses_it(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "full")
    result = record("acc", {0: 0.99, 1: 0.97, 2: 0.99}, target=">= 0.98")
    assert result.met is False and result.seeds == [0, 1, 2]
    assert "MISSED" in result.describe()
    assert record("nan", [float("nan"), 1, 1], target="> 0").met is False


def test_a_target_needs_three_seeds_in_full_mode_but_not_in_quick_mode(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "full")
    with pytest.raises(ResultError, match="at least 3 seeds"):
        record("acc", [0.99], target=">= 0.98")
    monkeypatch.setenv("COURSE_MODE", "quick")
    assert "is judged in full mode (this is quick mode)" in record("acc", [0.5], target=">= 0.98").describe()


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "", "values": 1}, "name must start"),
    ({"name": "x", "values": []}, "empty"),
    ({"name": "x", "values": ["a"]}, "must be numbers"),
    ({"name": "x", "values": [True]}, "not booleans"),
    ({"name": "x", "values": 1, "target": "about 0.9"}, "target must be a comparison"),
    ({"name": "x", "values": [1, 2], "seeds": [0]}, "2 values but 1 seeds"),
    ({"name": "x", "values": 1, "model": ["GRU"]}, "label model"),
])
def test_bad_input_is_refused_clearly(kwargs, message):
    with pytest.raises(ResultError, match=message):
        record(**kwargs)


def test_json_round_trip_keeps_everything():
    result = Result("mase", [0.5, math.nan, 0.7], [1, 2, 3], {"horizon": 52}, "< 1", "", 2, True, "full", "09")
    back = Result.from_json(json.loads(json.dumps(result.to_json())), chapter="09")
    assert back.key == result.key and back.seeds == [1, 2, 3] and math.isnan(back.values[1])


def test_over_seeds_seeds_each_call_and_returns_one_row_per_seed():
    import numpy as np

    table = results.over_seeds(lambda seed: {"draw": float(np.random.rand()), "seed_twice": 2 * seed}, seeds=[3, 4],
                               verbose=False)
    again = results.over_seeds(lambda seed: {"draw": float(np.random.rand()), "seed_twice": 2 * seed}, seeds=[4],
                               verbose=False)
    assert list(table.index) == [3, 4] and list(table["seed_twice"]) == [6, 8] and "seconds" in table
    assert table.loc[4, "draw"] == again.loc[4, "draw"]  # a row depends only on its seed
    with pytest.raises(ResultError):
        results.over_seeds(lambda s: 1, seeds=[])
    series = record("draw", table["draw"])
    assert series.seeds == [3, 4]


def _notebook_with(path, *result_list):
    outputs = [new_output("display_data", data={"text/plain": r.describe(), MIME: r.to_json()}) for r in result_list]
    cell = new_code_cell("record(...)", outputs=outputs, execution_count=1)
    nb = new_notebook(cells=[new_markdown_cell("# 99 · Demo"), cell])
    nbformat.write(nb, str(path))
    return path


def test_results_are_read_back_from_a_stored_notebook_and_checked(tmp_path):
    good = Result("acc", [0.99, 0.985, 0.99], [0, 1, 2], {"model": "GRU"}, ">= 0.98")
    missed = Result("acc", [0.99, 0.95, 0.99], [0, 1, 2], {"model": "LSTM"}, ">= 0.98")
    few = Result("mse", [0.001], None, {}, "< 0.01")
    quick = Result("acc", [0.5, 0.5, 0.5], [0, 1, 2], {"model": "x"}, ">= 0.98", mode="quick")
    path = _notebook_with(tmp_path / "99_demo.ipynb", good, missed, few, quick)
    found = results_report.notebook_results(path)
    assert [r.chapter for r in found] == ["99"] * 4
    problems = results_report.problems(found)
    assert len(problems) == 3
    assert "LSTM" in problems[0] and "misses its claim" in problems[0]
    assert "only 1 seed" in problems[1] and "quick mode" in problems[2]
    text = results_report.table(found)
    assert "0.977 (0.950-0.990, 3 seeds)" in text and "MISSED" in text


def test_compare_a_learners_copy_with_the_stored_results(tmp_path):
    stored = _notebook_with(tmp_path / "99_stored.ipynb",
                            Result("acc", [0.99, 0.985, 0.99], [0, 1, 2], {}, ">= 0.98"),
                            Result("ppl", [5.0, 5.2, 5.1], [0, 1, 2]))
    mine = _notebook_with(tmp_path / "99_mine.ipynb", Result("acc", [0.97], [0], {}, ">= 0.98"),
                          Result("ppl", [5.3], [0]))
    rows, ok = results_report.compare_copy(stored, mine)
    assert [verdict for _, _, verdict in rows] == ["differs", "reproduced"] and not ok
    assert "differs" in results_report.compare_copy_text(rows)


def test_cli_results_lists_recorded_results_and_rejects_a_non_notebook(tmp_path):
    path = _notebook_with(tmp_path / "99_demo.ipynb", Result("acc", [0.99, 0.985, 0.99], [0, 1, 2], {}, ">= 0.98"))
    run = lambda *args: subprocess.run([sys.executable, "-m", "course_build", "results", *args],
                                       capture_output=True, text=True, cwd=tmp_path)
    listing = run(str(path))
    assert listing.returncode == 0 and "0.988 (0.985-0.990, 3 seeds)" in listing.stdout
    as_json = json.loads(run(str(path), "--json").stdout)
    assert as_json[0]["name"] == "acc" and as_json[0]["met"] is True
    (tmp_path / "broken.ipynb").write_text("not json")
    broken = run(str(tmp_path / "broken.ipynb"))
    assert broken.returncode == 2 and "cannot be read as a notebook" in broken.stderr


def test_mean_range_formats_like_record():
    from course_utils.results import mean_range

    assert mean_range([0.9, 0.8, 1.0]) == "0.900 (0.800-1.000)"
    assert mean_range({0: 2.0, 1: 4.0}, digits=1) == "3.0 (2.0-4.0)"
    assert mean_range(0.5) == "0.500"


# ------------------------------------------------------------------------------------------------------
# Targets declared in advance: claims, expectations, and misses that stay visible
# ------------------------------------------------------------------------------------------------------

def test_record_takes_its_target_kind_and_label_from_the_declaration(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_MODE", "full")
    declare_targets(claim("acc", ">= 0.98", "GRU test accuracy", model="GRU"),
                    expect("gap", "< 0.05", "train-test gap"))
    assert "claim acc [model=GRU] >= 0.98: GRU test accuracy" in capsys.readouterr().out
    gru = record("acc", [0.99, 0.985, 0.99], model="GRU")
    lstm = record("acc", [0.5, 0.5, 0.5], model="LSTM")  # no declared target matches these labels
    gap = record("gap", [0.02, 0.07, 0.03])
    assert (gru.target, gru.kind, gru.title, gru.status) == (">= 0.98", "claim", "GRU test accuracy", "met")
    assert lstm.target is None and lstm.title == "acc"
    assert (gap.kind, gap.status) == ("expectation", "missed") and "missed" in gap.describe()


def test_a_declared_target_cannot_be_given_again_inline_or_changed(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "full")
    declare_targets(claim("acc", ">= 0.98", "accuracy"))
    with pytest.raises(ResultError, match="declared in advance"):
        record("acc", [0.99] * 3, target=">= 0.5")
    with pytest.raises(ResultError, match="declares its targets in advance"):
        record("other", [0.99] * 3, target=">= 0.5")  # once a chapter declares, inline targets are refused
    declare_targets(claim("acc", ">= 0.98", "accuracy"))  # re-running the same cell is fine
    with pytest.raises(ResultError, match="never changed"):
        declare_targets(claim("acc", ">= 0.90", "accuracy"))


@pytest.mark.parametrize("make, message", [
    (lambda: claim("acc", "about 0.9", "x"), "target must be a comparison"),
    (lambda: claim("acc", ">= 0.9", ""), "human label"),
    (lambda: expect("acc", ">= 0.9", "x", modes=("slow",)), "modes must be"),
    (lambda: declare_targets(), "at least one target"),
    (lambda: declare_targets(">= 0.9"), "made by claim"),
])
def test_bad_declarations_are_refused_clearly(make, message):
    with pytest.raises(ResultError, match=message):
        make()


def test_a_target_applies_only_in_the_modes_it_names(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "quick")
    declare_targets(claim("full_only", ">= 0.9", "judged in full mode"),
                    expect("both", "< 1", "judged in both", modes=("quick", "full")))
    quick_full = record("full_only", [0.1])  # one seed is fine where the target does not judge the run
    assert quick_full.status == "not judged in quick mode"
    with pytest.raises(ResultError, match="at least 3 seeds"):
        record("both", [0.5])
    assert record("both", [0.5, 0.2, 0.3]).status == "met"


def _declared_notebook(path, targets, result_list, mode="full"):
    cells = [new_markdown_cell("# 99 · Demo")]
    if targets:
        cells.append(new_code_cell("declare_targets(...)", execution_count=1, outputs=[new_output(
            "display_data", data={"text/plain": "targets", TARGETS_MIME: {"targets": [t.to_json() for t in targets]}})]))
    cells.append(new_code_cell("record(...)", execution_count=2, outputs=[
        new_output("display_data", data={"text/plain": r.describe(), MIME: r.to_json()}) for r in result_list]))
    nb = new_notebook(cells=cells, metadata={"course": {"mode": mode}})
    nbformat.write(nb, str(path))
    return path


def test_a_missed_claim_fails_and_a_missed_expectation_is_listed_as_missed(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "full")
    targets = [claim("acc", ">= 0.98", "accuracy"), expect("gap", "< 0.05", "gap")]
    declare_targets(*targets)
    acc, gap = record("acc", [0.99, 0.97, 0.99]), record("gap", [0.1, 0.2, 0.1])
    path = _declared_notebook(tmp_path / "99_demo.ipynb", targets, [acc, gap])
    problems = results_report.chapter_problems([path])
    assert problems == ["chapter 99: accuracy (acc) misses its claim >= 0.98: 0.983 (0.970-0.990, 3 seeds)"]
    text = results_report.table(results_report.notebook_results(path))
    assert "claim >= 0.98" in text and "MISSED" in text and "expectation < 0.05" in text and "missed" in text
    cli = subprocess.run([sys.executable, "-m", "course_build", "results", str(path)], capture_output=True, text=True)
    assert cli.returncode == 1 and "1 expectations missed, 1 claims MISSED" in cli.stdout


def test_a_missed_expectation_is_shown_in_the_readme_table(tmp_path, monkeypatch):
    from course_build import readme

    monkeypatch.setenv("COURSE_MODE", "full")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "README.md").write_text("# C\n\n<!-- results:start -->\n<!-- results:end -->\n")
    target = expect("gap", "< 0.05", "train-test gap with dropout")
    declare_targets(target)
    _declared_notebook(tmp_path / "notebooks" / "99_demo.ipynb", [target], [record("gap", [0.1, 0.2, 0.1])])
    assert readme.update(tmp_path) == ["results"]
    row = next(line for line in (tmp_path / "README.md").read_text().splitlines() if "train-test gap" in line)
    assert "expectation < 0.05" in row and row.rstrip(" |").endswith("missed") and "0,1,2" not in row


def test_a_declared_target_the_run_never_records_is_an_error(tmp_path):
    targets = [claim("acc", ">= 0.98", "accuracy"), expect("quick_only", "< 1", "x", modes=("quick",))]
    path = _declared_notebook(tmp_path / "99_demo.ipynb", targets, [])
    problems = results_report.chapter_problems([path])
    assert len(problems) == 1 and "claim acc >= 0.98" in problems[0] and "never recorded" in problems[0]


def test_the_runner_refuses_a_run_that_leaves_a_declared_target_unrecorded(tmp_path):
    from course_build import notebooks

    nb = new_notebook(cells=[
        new_markdown_cell("# 99 · Demo"),
        new_code_cell("from course_utils import setup\nsetup()"),
        new_code_cell("from course_utils import claim, declare_targets, record\n"
                      "declare_targets(claim('acc', '>= 0.9', 'accuracy', modes=('quick', 'full')))"),
        new_code_cell("record('other', 1.0)")])
    path = tmp_path / "99_demo.ipynb"
    nbformat.write(nb, str(path))
    with pytest.raises(notebooks.NotebookFailed, match="never recorded"):
        notebooks.run_notebook(path, mode="quick", write=True)
    assert "outputs" not in nbformat.read(str(path), as_version=4).cells[1] or \
        not nbformat.read(str(path), as_version=4).cells[1].outputs  # nothing written


def test_the_ledger_refuses_a_dropped_loosened_or_demoted_target(tmp_path):
    (tmp_path / "notebooks").mkdir()
    before = [claim("acc", ">= 0.98", "accuracy"), expect("gap", "< 0.05", "gap"), claim("loss", "< 0.2", "loss")]
    stored = results_report.StoredChapter("99", "full", before, [])
    assert results_report.update_ledger(tmp_path, stored) == []
    stricter = [claim("acc", ">= 0.99", "accuracy"), expect("gap", "< 0.05", "gap"), claim("loss", "< 0.2", "loss")]
    assert results_report.ledger_refusals(tmp_path, results_report.StoredChapter("99", "full", stricter, [])) == []
    worse = [claim("acc", ">= 0.95", "accuracy"), expect("loss", "< 0.2", "loss")]
    refused = results_report.ledger_refusals(tmp_path, results_report.StoredChapter("99", "full", worse, []))
    assert any("loosened from >= 0.98 to >= 0.95" in r for r in refused)
    assert any("gap" in r and "no longer" in r for r in refused)
    assert any("loss was a claim and is now only an expectation" in r for r in refused)
    assert results_report.update_ledger(tmp_path, results_report.StoredChapter("99", "full", worse, [])) == refused


@pytest.mark.parametrize("new, old, ok", [
    (">= 0.99", ">= 0.98", True), (">= 0.98", ">= 0.98", True), ("> 0.98", ">= 0.98", True),
    (">= 0.97", ">= 0.98", False), ("< 0.1", "< 0.2", True), ("<= 0.2", "< 0.2", False), ("< 0.5", ">= 0.1", False),
])
def test_strictness_of_targets(new, old, ok):
    assert results.at_least_as_strict(new, old) is ok


_GOOD = {"name": "acc", "values": [0.99, 0.985, 0.99], "seeds": [0, 1, 2], "target": ">= 0.98"}


@pytest.mark.parametrize("payload, message", [
    ({**_GOOD, "target": "about 0.9"}, "target must be a comparison"),
    ({**_GOOD, "target": [1, 2]}, "target must be null or a comparison"),
    ({**_GOOD, "seeds": ["a", "b", "c"]}, "seeds must be null or a list"),
    ({**_GOOD, "name": 5}, "name must be a non-empty string"),
    ({**_GOOD, "mode": 3}, "mode must be a string"),
    ({**_GOOD, "labels": {"model": ["GRU"]}}, "labels must be"),
    ({**_GOOD, "digits": "three"}, "digits must be"),
    ({**_GOOD, "kind": "wish"}, "kind must be"),
    ({**_GOOD, "values": "0.9"}, "no list of values"),
    ([1, 2], "no list of values"),
])
@pytest.mark.parametrize("how", ["list", "json", "compare"])
def test_results_on_a_malformed_result_output_is_one_line_naming_the_file(tmp_path, payload, message, how, capsys,
                                                                         monkeypatch):
    """Was: a traceback (a bad target raised ResultError while printing the table; wrong types a TypeError)."""
    from course_build import cli

    nb = new_notebook(cells=[new_code_cell("record(...)", execution_count=1, outputs=[
        new_output("display_data", data={"text/plain": "result", MIME: payload})])])
    path = tmp_path / "04_my_copy.ipynb"
    nbformat.write(nb, str(path))
    monkeypatch.chdir(REPO)  # --compare finds the stored chapter 04
    args = {"list": [str(path)], "json": ["--json", str(path)], "compare": ["--compare", str(path)]}[how]
    assert cli.main(["results", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {path}: ") and message in err, err


def test_results_json_is_valid_json_with_null_for_missing_and_infinite_values(tmp_path):
    """Was: NaN/Infinity in the output (not JSON), and "NaN" replaced inside labels too."""
    path = _notebook_with(tmp_path / "99_demo.ipynb",
                          Result("loss", [math.inf, 1.0, 2.0], [0, 1, 2], {"note": "NaN here"}, "< 5"),
                          Result("acc", [math.nan], None, {}, ">= 0.5"))
    proc = subprocess.run([sys.executable, "-m", "course_build", "results", "--json", str(path)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr

    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    rows = json.loads(proc.stdout, parse_constant=refuse)
    assert rows[0]["values"] == [None, 1.0, 2.0] and rows[0]["mean"] is None and rows[0]["labels"] == {"note": "NaN here"}
    assert rows[1]["values"] == [None] and rows[1]["mean"] is None and rows[1]["met"] is False


def test_the_site_and_the_slides_show_results_under_their_human_labels(tmp_path, monkeypatch):
    """Issue 31: the printed line of a result reads under its label on the site, the slides and the results page."""
    import json as json_module

    from course_build.site import _results_page
    from course_build.slides import deck_html

    monkeypatch.setenv("COURSE_MODE", "full")
    declare_targets(claim("accuracy_lengths_5_20", ">= 0.98", "accuracy on short sequences (5-20 tokens)"))
    result = record("accuracy_lengths_5_20", [0.99, 0.985, 0.99], seeds=[0, 1, 2], model="GRU")
    assert result.describe().startswith("result accuracy_lengths_5_20 [model=GRU]")  # the notebook's own line
    path = _declared_notebook(tmp_path / "99_demo.ipynb", [], [result])
    nb = results_report.readable_outputs(json_module.loads(path.read_text()))
    line = nb["cells"][1]["outputs"][0]["data"]["text/plain"]
    assert line.startswith("accuracy on short sequences (5-20 tokens) [model=GRU]: mean 0.988") and "met" in line
    assert "accuracy_lengths_5_20" not in deck_html(nb, "99 · Demo", None)
    page = _results_page([path])
    assert "accuracy on short sequences (5-20 tokens)" in page and "accuracy_lengths_5_20" not in page
    unlabelled = Result("test_mse", [0.1], None, {}, None)
    assert unlabelled.describe(readable=True) == "test mse: 0.100"
