"""A value the model would overflow on once scaled (1e30 in a series near 330), or beyond float32's
range, is a DataError naming the column, the time and the value, before the model sees it: at
predict (and backtest, plot, calibrate: they read data the same way) and at fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import ForecastDataModule, ScalerState
from ssm_ts.pipelines.forecasting.value_range import out_of_range_cells


@pytest.fixture(scope="module")
def co2_frame(co2_interpolated_fit) -> pd.DataFrame:
    return pd.read_csv(co2_interpolated_fit[1], parse_dates=["date"])


def with_value(frame: pd.DataFrame, row: int, value: float) -> pd.DataFrame:
    return frame.assign(co2=frame.co2.where(frame.index != row, value))


def test_predict_names_the_column_time_and_value_of_a_huge_value(co2_interpolated_fit, co2_frame):
    fc, _ = co2_interpolated_fit
    with pytest.raises(DataError) as caught:
        fc.predict(with_value(co2_frame, 103, 1e30))
    message = str(caught.value)
    assert "the DataFrame: column 'co2' holds 1e+30" in message
    assert str(co2_frame.date[103]) in message
    assert "standard deviations from its training mean" in message
    assert "the fill policy 'interpolate' fills it" in message  # the fix, as the model fills


def test_predict_refuses_a_value_beyond_float32(co2_interpolated_fit, co2_frame):
    fc, _ = co2_interpolated_fit
    with pytest.raises(DataError, match=r"holds -1e\+39 at .*beyond float32's range"):
        fc.predict(with_value(co2_frame, len(co2_frame) - 3, -1e39))


def test_a_large_but_usable_value_still_forecasts(co2_interpolated_fit, co2_frame):
    fc, _ = co2_interpolated_fit
    forecast = fc.predict(with_value(co2_frame, len(co2_frame) - 3, 1e6))  # 1e5 standard deviations
    assert np.isfinite(forecast["co2"]).all()


def test_fit_refuses_it_in_the_validation_rows_before_training(co2_frame, tmp_path):
    row = int(len(co2_frame) * 0.75)  # after the training rows (70%): the scaler does not hold it
    data = with_value(co2_frame, row, 1e30)
    module = ForecastDataModule.from_frame(data, time_col="date", fill="interpolate", lookback=52, horizon=13)
    with pytest.raises(DataError, match=rf"column 'co2' holds 1e\+30 at {co2_frame.date[row]}"):
        module.setup("fit")
    fc = Forecaster(model="nlinear", lookback=52, horizon=13, max_epochs=1, log_to_mlflow=False,
                    out_dir=str(tmp_path / "out"))  # fmt: skip
    with pytest.raises(DataError, match=r"holds 1e\+30 .*the fill policy 'interpolate' fills it"):
        fc.fit(data, time_col="date", fill="interpolate")
    assert not (tmp_path / "out").exists()  # refused before any fit folder or checkpoint


def test_fit_without_a_fill_policy_suggests_one():
    times = pd.date_range("2020-01-01", periods=200, freq="D")
    values = np.sin(np.arange(200) / 5.0)
    values[180] = 9.9e37  # a "missing" code
    module = ForecastDataModule.from_frame(
        pd.DataFrame({"date": times, "y": values}), time_col="date", lookback=20, horizon=5
    )
    with pytest.raises(DataError, match=r'make the cell empty \(NaN\) and pass fill="interpolate"'):
        module.setup("fit")


def test_empty_cells_are_not_checked():
    scaler = ScalerState(["a", "b"], [0.0, 0.0], [1.0, 1e-20])
    values = np.array([[np.nan, 1.0], [1e13, np.nan], [np.inf, 0.0]])
    beyond, too_far = out_of_range_cells(values, scaler)
    assert not beyond.any()
    assert too_far.tolist() == [[False, True], [True, False], [False, False]]


def test_a_checkpoint_checks_new_data_against_its_scaler(co2_frame):
    module = ForecastDataModule.from_frame(
        co2_frame, time_col="date", fill="interpolate", lookback=52, horizon=13
    )
    module.setup("fit")
    state = module.state_dict()
    assert state["scaler"] == module.scaler.to_dict()  # what a checkpoint keeps
    new = ForecastDataModule.from_frame(with_value(co2_frame, 50, 1e30), lookback=52, horizon=13)
    new.load_state_dict(state)  # as Lightning and the CLI restore it (read like the training data)
    with pytest.raises(DataError, match=rf"column 'co2' holds 1e\+30 at {co2_frame.date[50]}"):
        new.setup("predict")
    old = ForecastDataModule.from_frame(with_value(co2_frame, 50, 1e30), lookback=52, horizon=13)
    old.load_state_dict({"spec": state["spec"]})  # a checkpoint written before it kept the scaler
    old.setup("predict")


def test_cli_predict_names_the_value(co2_interpolated_fit, tmp_path, monkeypatch, capsys):
    from ssm_ts import cli

    monkeypatch.chdir(tmp_path)
    csv = co2_interpolated_fit[1]
    args = ["--model.model", "nlinear", "--model.lookback", "52", "--model.horizon", "13", "--out", "out"]
    fit = ["--data.path", str(csv), "--data.fill", "interpolate", "--trainer.max_epochs", "1"]
    assert cli.main(["forecast", "fit", *args, *fit, "--trainer.logger", "false"]) == 0
    frame = pd.read_csv(csv)
    frame.loc[len(frame) - 5, "co2"] = -1e30
    frame.to_csv(tmp_path / "bad.csv", index=False)
    capsys.readouterr()
    assert (
        cli.main(["forecast", "predict", "--ckpt_path", "best", "--out", "out", "--data.path", "bad.csv"])
        == 1
    )
    assert f"bad.csv: column 'co2' holds -1e+30 at {frame.date.iloc[-5]}" in capsys.readouterr().err
