"""Times whose zone is written as databases and other languages write it, on real ETTh1 values:
PostgreSQL's offsets in hours alone (``+01``), a zone name after the time (``Europe/Berlin``, or Java's
``[Europe/Berlin]``), ``GMT+0100``, and abbreviations (``CET``), which name no single zone."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series


@pytest.fixture(scope="module")
def ot(shared_data) -> pd.Series:
    """ETTh1's oil temperature, the first 400 hourly values."""
    return pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["OT"])["OT"].iloc[:400]


def _berlin(start: str, n: int) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="h", tz="Europe/Berlin")


def _write(path, times: pd.Index, ot: pd.Series) -> None:
    pd.DataFrame({"date": times, "OT": ot.to_numpy()[: len(times)]}).to_csv(path, index=False)


def test_postgres_hour_offsets_are_read_as_the_instants_they_name(ot, tmp_path):
    """psql's timestamptz text ('2016-10-30 01:00:00+02'): pandas' 'Mixed timezones detected'
    ValueError came out of the reader."""
    times = _berlin("2016-10-29", 72)  # the autumn switch: +02, then +01
    _write(tmp_path / "pg.csv", times.strftime("%Y-%m-%d %H:%M:%S%z").str[:-2], ot)
    values, spec = load_series(tmp_path / "pg.csv")
    assert spec.freq == "h" and values["date"].tolist() == list(times.tz_convert("UTC"))


@pytest.mark.parametrize("written", ["named", "bracketed"])
def test_a_zone_name_after_the_time_is_read_in_that_zone(ot, tmp_path, written):
    """'2016-10-30 02:00:00 Europe/Berlin' (twice: the clock repeats the hour) and Java's
    '2016-10-30T02:00+02:00[Europe/Berlin]': the column was not found ('no time column found')."""
    times = _berlin("2016-10-29", 72)
    if written == "named":
        text = times.strftime("%Y-%m-%d %H:%M:%S") + " Europe/Berlin"
    else:
        offsets = times.strftime("%z")
        text = times.strftime("%Y-%m-%dT%H:%M") + offsets.str[:3] + ":" + offsets.str[3:] + "[Europe/Berlin]"
    _write(tmp_path / "zoned.csv", text, ot)
    values, spec = load_series(tmp_path / "zoned.csv")
    assert spec.freq == "h" and spec.tz == "Europe/Berlin"
    assert values["date"].tolist() == list(times)


def test_gmt_plus_offsets_are_read_as_offsets_east_of_utc(ot, tmp_path):
    """'GMT+0100' (JavaScript's Date text): dateutil read it as a POSIX zone, an hour west, and the
    switch to +0200 became a two-hour gap."""
    times = _berlin("2016-03-26", 72)
    _write(tmp_path / "gmt.csv", times.strftime("%Y-%m-%d %H:%M:%S GMT%z"), ot)
    values, _ = load_series(tmp_path / "gmt.csv")
    assert values["date"].tolist() == list(times.tz_convert("UTC"))


def test_zone_abbreviations_are_refused_with_the_conversion(ot, tmp_path):
    """strftime('%Z') text ('... CET', '... CEST') was 'no time column found' for a column 'date'."""
    _write(tmp_path / "abbr.csv", _berlin("2016-03-26", 72).strftime("%Y-%m-%d %H:%M:%S %Z"), ot)
    with pytest.raises(DataError) as raised:
        load_series(tmp_path / "abbr.csv")
    message = str(raised.value)
    assert "abbr.csv: column 'date'" in message and "'2016-03-26 00:00:00 CET'" in message
    assert "'CEST'" in message and ".dt.tz_localize('Europe/Berlin'" in message


def test_a_model_fitted_on_zone_names_forecasts_a_newer_file_in_that_zone(ot, tmp_path):
    """The user's flow: fit on a file of zoned times, predict on the newer rows of the same export."""
    times = _berlin("2016-10-20", 400)
    text = pd.Series(times.strftime("%Y-%m-%d %H:%M:%S") + " Europe/Berlin")
    _write(tmp_path / "train.csv", text[:300], ot)
    pd.DataFrame({"date": text[300:], "OT": ot.to_numpy()[300:]}).to_csv(tmp_path / "new.csv", index=False)
    model = Forecaster(lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False, out_dir=str(tmp_path / "fit"),
                       model_options={"d_model": 4, "d_state": 4, "n_layers": 1},
                       trainer_options={"limit_train_batches": 1, "enable_progress_bar": False})  # fmt: skip
    forecast = model.fit(tmp_path / "train.csv").predict(tmp_path / "new.csv")
    assert forecast["date"].tolist() == list(pd.date_range(times[-1], periods=7, freq="h")[1:])
