"""A ``freq`` whose grid the rows miss names the grid they lie on: ``freq="W"`` (Sundays) for weekly
rows on Tuesdays (national_illness) said only "pass freq= (a pandas alias such as ... 'W' ...)", the
alias that failed; a coarser ``freq`` (``'h'`` for 15-minute rows) gets the resampling too."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_like, load_series


def rows(freq: str, n: int = 60, start: str = "2002-01-01") -> pd.DataFrame:
    return pd.DataFrame({"date": pd.date_range(start, periods=n, freq=freq), "OT": np.arange(float(n))})


def test_weekly_rows_on_tuesdays_name_their_own_alias():
    with pytest.raises(DataError, match=r"'W-SUN' grid.*lie on the 'W-TUE' grid: pass freq='W-TUE', or leave "
                       r"freq out to infer it\.$"):  # fmt: skip
        load_series(rows("W-TUE"), freq="W")


def test_a_coarser_freq_names_the_rows_grid_and_the_resampling():
    with pytest.raises(DataError, match=r"lie on the '15min' grid: pass freq='15min'.*to forecast at 'h', "
                       r"resample first \(df\.resample\('h', on='date'\)\.mean\(\)\)"):  # fmt: skip
        load_series(rows("15min"), freq="h")


def test_a_fitted_models_grid_is_not_changed_by_the_hint():
    _, spec = load_series(rows("W-SUN", start="2002-01-06"))
    with pytest.raises(
        DataError, match=r"'W-SUN' grid.*pass rows on the 'W-SUN' grid the model was fitted at"
    ) as error:
        load_like(rows("W-TUE"), spec)
    assert "W-TUE" not in str(error.value).split("grid starting")[1]
