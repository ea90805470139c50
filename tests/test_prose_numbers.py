"""Every number a chapter's prose states comes from that chapter's own run (course_build.prose)."""
import shutil

import nbformat
import pytest

from course_build import prose

from tests._paths import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_prose_number_is_in_the_run(path):
    missing = prose.unsupported_numbers(path)
    assert missing == [], (
        f"{path.name}: numbers in Markdown that no stored output or code cell contains (cell, number): {missing}. "
        "Quote the run (same rounding), or mark a published number as (cited: source ... number)."
    )


def test_a_copy_whose_prose_states_a_number_the_run_lacks_fails(tmp_path):
    copy = tmp_path / NOTEBOOKS[1].name
    shutil.copy(NOTEBOOKS[1], copy)
    nb = nbformat.read(str(copy), as_version=4)
    assert prose.unsupported_numbers(nb) == []
    nb.cells.append(nbformat.v4.new_markdown_cell("In this run the model reached 0.123457 accuracy on 98,765 sequences."))
    nbformat.write(nb, str(copy))
    assert prose.unsupported_numbers(copy) == [(len(nb.cells) - 1, "0.123457"), (len(nb.cells) - 1, "98,765")]


def test_which_numbers_are_checked():
    text = ("Accuracy 0.896 with 1,777 parameters after 100 epochs in 2015, 12.5% and 2.7e-5; "
            "$0.25 + 1000$ and $$\\rho = 0.95$$ are math; (cited: Chollet, ch. 14: bag-of-words 0.884 (IMDB)) "
            "is cited; https://example.org/v1.234 is a URL; chapter 04, k = 10 and 3. are short.")
    assert prose.prose_numbers(text) == ["0.896", "1,777", "100", "12.5", "2.7e-5"]


def test_references_and_the_run_time_line_are_not_checked():
    text = ("**Measured full-mode run time:** 7 min 09 s on 2 CPU cores\n\nSee section 9.4.\n\n"
            "## Further reading\n\n* Q. Le et al. (2015), arXiv:1504.00941, sections 10.2.")
    assert prose.prose_numbers(text) == ["9.4"]


def test_same_rounding_and_separators():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print(x)", outputs=[nbformat.v4.new_output(
                    "stream", text="accuracy 0.8956, 20785 parameters, ratio 2.69e-05, loss -0.64\n")]),
                nbformat.v4.new_markdown_cell("0.8956 and 20,785 and 2.69e-5 and 0.64 hold; 0.896 and 0.895 do not.")]
    assert prose.unsupported_numbers(nb) == [(1, "0.896"), (1, "0.895")]


def test_an_ip_address_is_not_a_measured_number_but_a_number_beside_it_is():
    assert prose.prose_numbers("workers talk over loopback (127.0.0.1) on port 8000") == ["8000"]
    assert prose.prose_numbers("accuracy 0.93 at 127.0.0.1") == ["0.93"]
