"""A frequency given for a fitted model's new data (``ssm-ts forecast predict --data.freq``) is the fit's in
another spelling when it steps the same grid: ``24h`` for ``D`` (pandas 3's ``to_offset`` tells them apart:
a calendar day is 23 or 25 hours across a daylight-saving change, so on zone-less times only), ``1D`` for
``D``, ``60min`` for ``h``. ``7D`` for ``W-SAT`` is another grid, and the reason says why: W-SAT is weeks
ending on Saturdays, 7D is not anchored to a weekday."""

from __future__ import annotations

import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting.freq_match import frequency_difference, same_frequency


@pytest.mark.parametrize(
    ("given", "fitted"),
    [("24h", "D"), ("1D", "D"), ("60min", "h"), ("1h", "h"), ("1440min", "D"), ("48h", "2D"), ("W", "W-SUN")],
)
def test_the_same_grid_in_another_spelling_is_the_fits_frequency(given, fitted):
    assert same_frequency(given, fitted) and same_frequency(fitted, given)


@pytest.mark.parametrize(
    ("given", "fitted", "tz", "said"),
    [
        ("7D", "W-SAT", None, "'7D' is steps of 7 days, counted from the data's first time, not anchored to a "
         "weekday; 'W-SAT' is weeks ending on Saturdays (anchored to the weekday): they step different grids."),
        ("24h", "D", "Europe/Berlin", "'D' is calendar days, 23 or 25 hours long across a daylight-saving change "
         "in Europe/Berlin, and '24h' a fixed step of 24 hours: they step different grids in that zone."),
        ("2h", "h", None, "'2h' is a fixed step of 2 hours; 'h' is a fixed step of 1 hour"),
        ("ME", "MS", None, "'ME' is month ends; 'MS' is month starts"),
    ],
)  # fmt: skip
def test_another_grid_is_refused_with_what_each_frequency_is(given, fitted, tz, said):
    assert not same_frequency(given, fitted, tz)
    assert frequency_difference(given, fitted, tz).startswith(said)


def test_a_removed_alias_given_names_its_new_spelling():
    with pytest.raises(DataError, match="write freq='h'"):
        same_frequency("H", "h")
