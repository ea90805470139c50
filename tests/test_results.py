"""Recorded results: record(), over_seeds(), reading them back from notebooks, the table, the checks and compare."""
import json
import math
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_utils import results
from course_utils.results import MIME, Result, ResultError, record


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
    assert "targets are for full mode" in record("acc", [0.5], target=">= 0.98").describe()


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
    found = results.notebook_results(path)
    assert [r.chapter for r in found] == ["99"] * 4
    problems = results.problems(found)
    assert len(problems) == 3
    assert "LSTM" in problems[0] and "misses its target" in problems[0]
    assert "only 1 seed" in problems[1] and "quick mode" in problems[2]
    text = results.table(found)
    assert "0.977 (0.950-0.990, 3 seeds)" in text and "MISSED" in text


def test_compare_a_learners_copy_with_the_stored_results(tmp_path):
    stored = _notebook_with(tmp_path / "99_stored.ipynb",
                            Result("acc", [0.99, 0.985, 0.99], [0, 1, 2], {}, ">= 0.98"),
                            Result("ppl", [5.0, 5.2, 5.1], [0, 1, 2]))
    mine = _notebook_with(tmp_path / "99_mine.ipynb", Result("acc", [0.97], [0], {}, ">= 0.98"),
                          Result("ppl", [5.3], [0]))
    rows, ok = results.compare(stored, mine)
    assert [verdict for _, _, verdict in rows] == ["differs", "reproduced"] and not ok
    assert "differs" in results.compare_text(rows)


def test_cli_results_lists_recorded_results_and_rejects_a_non_notebook(tmp_path):
    path = _notebook_with(tmp_path / "99_demo.ipynb", Result("acc", [0.99, 0.985, 0.99], [0, 1, 2], {}, ">= 0.98"))
    run = lambda *args: subprocess.run([sys.executable, "-m", "course_utils", "results", *args],
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
