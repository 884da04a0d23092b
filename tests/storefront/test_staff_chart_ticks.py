"""The dashboard charts' y axis (storefront/charts.integer_ticks): whole numbers, evenly spaced,
from 0 to the first at or above the largest value, nothing repeated and nothing skipped."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront import charts


@pytest.mark.parametrize(("top", "ticks"), [
    (0, [0, 1]),
    (1, [0, 1]),
    (3, [0, 1, 2, 3]),
    (5, [0, 1, 2, 3, 4, 5]),  # the scans axis that read "0 1 2 3 5"
    (6, [0, 2, 4, 6]),
    (7, [0, 2, 4, 6, 8]),
    (10, [0, 2, 4, 6, 8, 10]),
    (11, [0, 5, 10, 15]),
    (99, [0, 20, 40, 60, 80, 100]),
    (101, [0, 25, 50, 75, 100, 125]),
    (285_000, [0, 100_000, 200_000, 300_000]),
    (2.2, [0, 1, 2, 3]),
])
def test_ticks_table(top, ticks):
    assert charts.integer_ticks(top) == ticks


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=2, max_value=8))
def test_ticks_are_distinct_evenly_spaced_whole_numbers_covering_the_data(top, most):
    ticks = charts.integer_ticks(top, most)
    assert ticks[0] == 0 and ticks[-1] >= top and all(isinstance(t, int) for t in ticks)
    steps = {b - a for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1 and min(steps) >= 1  # no duplicates, no gaps
    assert 2 <= len(ticks) <= most + 1
    step = steps.pop()
    assert ticks[-1] - step < max(top, 1)  # the axis stops at the first tick at or above the data
    assert str(step).rstrip("0") in {"1", "2", "25", "5"}  # round steps


def test_line_chart_labels_its_axis_with_those_ticks():
    svg = str(charts.line_chart("scans", title="t", desc="d", x_labels=["a", "b", "c"],
                                series=[("x", [0, 5, 3])]))
    for tick in ("0", "1", "2", "3", "4", "5"):
        assert f'font-size="11">{tick}</text>' in svg
