"""bpkit.tables: the results tables every chapter prints (text for the tests, HTML for the page)."""
import math

import numpy as np
import pytest

import bpkit as bp


def test_text_form_aligns_names_left_and_values_right():
    t = bp.table(["optimizer", "η", "epochs", "ok"],
                 [["adam", 0.012345678, None, True], ["sgd", math.inf, 40, np.False_],
                  ["none", -math.inf, np.float64(1234567.0), "—"]])
    assert repr(t).splitlines() == [
        "optimizer        η     epochs   ok",
        "---------  -------  ---------  ---",
        "adam       0.01235          —  yes",
        "sgd              ∞         40   no",
        "none            −∞  1.235e+06    —",
    ]


def test_html_form():
    page = bp.table(["set", "accuracy", "C < 0.5"], [["iris", 0.9666666, None]])._repr_html_()
    assert page.startswith("<table><thead><tr>") and page.endswith("</tbody></table>")
    assert page.count("<tr>") == 2
    assert '<th style="text-align: left; padding: 0.1em 0.7em">set</th>' in page
    assert '<th style="text-align: right; padding: 0.1em 0.7em">C &lt; 0.5</th>' in page     # escaped
    assert '<td style="text-align: right; padding: 0.1em 0.7em">0.9667</td>' in page
    assert '<td style="text-align: right; padding: 0.1em 0.7em">—</td>' in page


def test_ragged_rows_are_refused_with_the_row():
    with pytest.raises(ValueError, match=r"row 1 has 1 cells, expected 2 \(one per header\): \['3'\]"):
        bp.table(["a", "b"], [[1, 2], [3]])
