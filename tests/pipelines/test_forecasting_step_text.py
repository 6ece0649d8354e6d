"""Years and step numbers written as text (``pd.read_csv(path, dtype=str)``, a JSON payload, an Excel
export) are the integer steps the same numbers are: a ``year`` column of ``1990..2020`` was integer steps
as ints but yearly dates (1990-01-01, forecasts dated) as text, and ``"0", "1"`` steps an error."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting.series import load_like, load_series

YEARS = np.arange(1981, 2021)


@pytest.fixture(scope="module")
def yearly(shared_data) -> pd.DataFrame:
    """ETTh1's first 40 ``OT`` readings on a yearly axis, ``year`` = 1981..2020 as integers."""
    ot = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["OT"], nrows=len(YEARS))["OT"]
    return pd.DataFrame({"year": YEARS, "OT": ot.to_numpy()})


def as_text(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``frame`` as ``pd.read_csv(path, dtype=str)`` gives ``column``."""
    return frame.assign(**{column: frame[column].astype(str)})


@pytest.mark.parametrize("name", ["year", "ds", "Jahr"])
def test_years_as_text_are_the_integer_steps_the_integers_are(yearly, name):
    numbers = yearly.rename(columns={"year": name})
    time_col = name if name == "Jahr" else None  # an integer column of any other name is named
    expected, spec = load_series(numbers, time_col=time_col)
    with pytest.warns(UserWarning, match=f"column '{name}' holds years written as text") as caught:
        frame, text_spec = load_series(as_text(numbers, name), time_col=time_col)
    assert text_spec == spec and spec.freq == 1
    pd.testing.assert_frame_equal(frame, expected)  # int64 1981..2020, not dates
    # one warning, with the conversion that gives the other reading
    (said,) = [w for w in caught if "years written as text" in str(w.message)]
    message = str(said.message)
    assert said.filename == __file__  # the user's line, not the library's
    assert "(the forecast's times are integers after 2020)" in message
    conversion = f"df[{name!r}] = pd.to_datetime(df[{name!r}], format='%Y')"
    assert conversion in message
    dates = as_text(numbers, name)
    exec(conversion, {"pd": pd}, {"df": dates})  # the conversion, as the user runs it
    dated, dated_spec = load_series(dates, time_col=time_col)
    assert dated_spec.freq == "YS-JAN" and dated[name].iloc[-1] == pd.Timestamp("2020-01-01")


def test_a_date_freq_reads_year_text_as_dates_without_a_warning(yearly):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame, spec = load_series(as_text(yearly, "year"), freq="YS")
    assert spec.freq == "YS-JAN" and frame["year"].iloc[0] == pd.Timestamp("1981-01-01")


def test_a_fitted_step_model_reads_its_steps_as_text_without_a_warning(yearly):
    """A step model given its steps as text (a served model's JSON) refused them, naming ``astype(int)``."""
    steps = yearly.rename(columns={"year": "step"}).assign(step=range(100, 140))
    expected, spec = load_series(steps)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = load_like(as_text(steps, "step").iloc[10:], spec)  # predict's reading
        assert load_like(as_text(yearly, "year"), load_series(yearly)[1])["year"].dtype == np.int64
    pd.testing.assert_frame_equal(frame, expected.iloc[10:].reset_index(drop=True))


def test_a_fitted_date_model_reads_year_text_as_dates(yearly):
    _, spec = load_series(as_text(yearly, "year"), freq="YS")
    frame = load_like(as_text(yearly, "year"), spec)
    assert frame["year"].iloc[-1] == pd.Timestamp("2020-01-01")


def test_compact_dates_stay_dates_and_blank_or_other_text_is_named(yearly):
    days = pd.date_range("2020-01-25", periods=len(yearly), freq="D").strftime("%Y%m%d")
    frame, spec = load_series(yearly.rename(columns={"year": "date"}).assign(date=days))
    assert spec.freq == "D" and frame["date"].iloc[0] == pd.Timestamp("2020-01-25")
    blank = as_text(yearly, "year").astype({"year": object})
    blank.loc[5, "year"] = None
    with pytest.warns(UserWarning, match="years written as text"):
        with pytest.raises(
            DataError, match=r"values that are not integer steps at row 5 \(e.g. an empty cell\)"
        ):
            load_series(blank, time_col="year")
    _, spec = load_series(yearly)
    words = as_text(yearly, "year").assign(year=lambda f: f["year"].where(f.index != 3, "three"))
    with pytest.raises(
        DataError, match=r"'year' has values that are not integer steps at row 3 \(e.g. 'three'\)"
    ):
        load_like(words, spec)


def test_the_year_text_warning_points_at_the_users_line_through_a_data_module(yearly):
    """A data module reads its table deeper than ``load_series`` does (as ``Forecaster.fit`` does): the
    warning still shows the user's line, not the module's."""
    from ssm_ts.pipelines.forecasting.datamodule import ForecastDataModule

    module = ForecastDataModule.from_frame(as_text(yearly, "year"), lookback=8, horizon=2, batch_size=4)
    with pytest.warns(UserWarning, match="years written as text") as caught:
        module.setup("fit")
    assert [w.filename for w in caught if "years written as text" in str(w.message)] == [__file__]
