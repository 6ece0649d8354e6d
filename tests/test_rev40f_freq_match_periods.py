"""A model fitted on pandas Periods keeps a Period alias (``'M'``, ``'Q-DEC'``), which pandas 3 reads as
no offset alias: same_frequency refused the very alias the fit kept (``'M'`` given for ``'M'`` was the
error "a pandas 2 alias that pandas 3 removed; write freq='ME'"), and frequency_difference raised that
error about the fit's alias in place of saying how the two differ."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts.pipelines.forecasting.freq_match import frequency_difference, same_frequency


@pytest.mark.parametrize(
    ("given", "fitted"), [("M", "M"), ("ME", "M"), ("QE-DEC", "Q-DEC"), ("Q-DEC", "Q-DEC")]
)
def test_the_period_alias_a_fit_kept_and_its_offset_spelling_are_the_fit_s_frequency(given, fitted):
    assert pd.period_range("2020-01", periods=3, freq=fitted).freqstr == fitted  # what a fit on Periods keeps
    assert same_frequency(given, fitted)


def test_another_grid_than_a_period_alias_says_how_they_differ():
    assert not same_frequency("MS", "M")
    assert (
        frequency_difference("MS", "M")
        == "'MS' is month starts; 'M' is month ends: they step different grids."
    )
    assert (
        frequency_difference("MS", "XYZ")
        == "'MS' is month starts; the fit's 'XYZ' is no frequency this pandas reads."
    )
