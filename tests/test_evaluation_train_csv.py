"""``evaluate(train=<CSV>, actuals=<CSV>)`` reads a CSV as ``Forecaster.fit`` reads it.

1,000 hours of ETTh1's OT written as users' exports are (day-first dates, ``;`` with decimal commas,
local times whose UTC offset changes at the end of daylight saving): the model is fitted on and
backtested from that file, and ``evaluate`` scores it with the same file as ``train`` (and as
``actuals`` of a ``predict`` frame), each scale checked by hand against the ETTh1 values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster, evaluate
from ssm_ts.errors import ConfigError, DataError
from tests.test_evaluation import _seasonal_scale

SEASON, HORIZON, HEAD = 24, 12, 900
ZONE = "Europe/Berlin"  # ETTh1's hours read as UTC: +02:00 until 2016-10-30 01:00 UTC, then +01:00


@pytest.fixture(scope="module")
def ett(shared_data) -> pd.DataFrame:
    """ETTh1 rows 2,400-3,400 (2016-10-09 to 2016-11-19): a first date that reads either way
    (09/10/2016: pandas takes the month first), days past the 12th later, and a DST switch."""
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"])
    return frame.iloc[2400:3400][["date", "OT"]].reset_index(drop=True)


def _day_first(ett: pd.DataFrame) -> pd.DataFrame:
    return ett.assign(date=ett["date"].dt.strftime("%d/%m/%Y %H:%M"))


def _zoned(ett: pd.DataFrame) -> pd.DataFrame:
    zoned = ett["date"].dt.tz_localize("UTC").dt.tz_convert(ZONE)
    return ett.assign(date=[t.isoformat() for t in zoned])  # 2016-10-30T02:00:00+02:00, ...+01:00


WRITERS = {
    "day-first": (_day_first, {}),
    "semicolon-decimal-comma": (_day_first, {"sep": ";", "decimal": ","}),
    "dst-offsets": (_zoned, {}),
}


def _write(ett: pd.DataFrame, kind: str, path) -> str:
    rewrite, options = WRITERS[kind]
    rewrite(ett).to_csv(path, index=False, **options)
    return str(path)


def _model(tmp_path, **fit) -> Forecaster:
    torch.set_num_threads(1)
    return Forecaster(
        model="nlinear", lookback=48, horizon=HORIZON, max_epochs=1, log_to_mlflow=False,
        out_dir=str(tmp_path / "out"), trainer_options={"enable_progress_bar": False, "enable_model_summary": False},
    ).fit(**fit)  # fmt: skip


def _mase_by_hand(ett: pd.DataFrame, times: pd.Series, forecast: np.ndarray, actual: np.ndarray) -> float:
    """MAE over the seasonal-naive error of the ETTh1 values before ``times``' first."""
    first = times.min()
    dates = ett["date"].dt.tz_localize("UTC") if first.tzinfo is not None else ett["date"]
    history = ett.loc[dates < first, "OT"].to_numpy()
    return float(np.mean(np.abs(actual - forecast)) / _seasonal_scale(history, SEASON))


@pytest.mark.parametrize("kind", list(WRITERS))
def test_a_csv_fit_reads_is_read_by_evaluate_as_train_and_actuals(ett, kind, tmp_path):
    path = _write(ett, kind, tmp_path / f"{kind}.csv")
    model = _model(tmp_path, data=path)
    backtest = model.backtest(path, n_windows=3)
    row = evaluate(backtest, train=path, season_length=SEASON, aggregate=False).iloc[0]
    expected = _mase_by_hand(
        ett, backtest["date"], backtest["OT"].to_numpy(), backtest["OT_actual"].to_numpy()
    )
    assert row["n"] == 3 * HORIZON and row["mase"] == pytest.approx(expected, rel=1e-9)
    # a predict frame against the same file's values, the head of the file (same format) as train
    head = _write(ett.iloc[:HEAD], kind, tmp_path / f"{kind}-head.csv")
    forecast = model.predict(head)
    row = evaluate(forecast, ["mae", "mase"], actuals=path, train=head, season_length=SEASON).iloc[0]
    actual = ett["OT"].iloc[HEAD : HEAD + HORIZON].to_numpy()
    assert row["n"] == HORIZON
    assert row["mae"] == pytest.approx(np.mean(np.abs(actual - forecast["OT"].to_numpy())), rel=1e-9)
    assert row["mase"] == pytest.approx(
        _mase_by_hand(ett, forecast["date"], forecast["OT"].to_numpy(), actual), rel=1e-9
    )


def test_a_csv_fitted_with_read_options_is_read_with_them(ett, tmp_path):
    # time before date: month first up to the 12th and day first after; the reader needs the format
    path = str(tmp_path / "time-first.csv")
    ett.assign(date=ett["date"].dt.strftime("%H:%M %d/%m/%Y")).to_csv(path, index=False)
    options = {"date_format": "%H:%M %d/%m/%Y"}
    model = _model(tmp_path, data=path, read_options=options)
    backtest = model.backtest(path, n_windows=3)
    row = evaluate(backtest, train=path, season_length=SEASON, read_options=options).iloc[0]
    expected = _mase_by_hand(
        ett, backtest["date"], backtest["OT"].to_numpy(), backtest["OT_actual"].to_numpy()
    )
    assert row["mase"] == pytest.approx(expected, rel=1e-9)
    # without them the detector reads 09/10 month first and 13/10 day first: named, not scored silently
    with pytest.warns(
        UserWarning, match=r"column 'date' goes back in time at rows 96, 552, 840 \(CSV lines 98, 554, 842\)"
    ) as said:
        evaluate(backtest, train=path, season_length=SEASON)
    assert said[0].filename == __file__ and "read_options" in str(said[0].message)
    with pytest.raises(
        ConfigError, match=r"read_options .* read a train=/actuals= CSV file, but none is given"
    ):
        evaluate(backtest, train=ett, season_length=SEASON, read_options=options)
    # a cell the format does not read is named with its CSV line
    lines = open(path).read().splitlines()
    lines[5] = "noon 05/10/2016," + lines[5].split(",")[1]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        DataError, match=r"column 'date' has values that do not read .* at row 4 \(CSV line 6\)"
    ):
        evaluate(backtest, train=bad, season_length=SEASON, read_options=options)
