"""``ssm-ts forecast predict --level``: conformal intervals in forecast.csv and forecast.png, calibrated
on the validation split of the data the checkpoint's settings restore (a CLI fit stores no scores),
equal to the API's calibration on the same windows."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts import Forecaster, cli

TRAIN_END, VAL_END, N_ROWS, HORIZON = 1400, 1600, 2000, 12


@pytest.fixture
def fitted_out(shared_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ett = shared_data / "forecasting" / "ETTh1.csv"
    frame = pd.read_csv(ett, usecols=["date", "HUFL", "OT"]).iloc[:N_ROWS]
    frame.to_csv(tmp_path / "ett.csv", index=False)
    out = tmp_path / "out"
    fit = ["forecast", "fit", "--data.path", "ett.csv", "--model.model", "nlinear", "--model.lookback", "48",
           "--model.horizon", str(HORIZON), "--model.quantiles", "[0.1, 0.9]",
           "--data.boundaries", f"[{TRAIN_END}, {VAL_END}, {N_ROWS}]", "--trainer.max_epochs", "1",
           "--out", str(out)]  # fmt: skip
    assert cli.main(fit) == 0
    return frame, out


def test_predict_level_writes_the_intervals_the_api_gives_on_the_same_windows(fitted_out, single_thread):
    frame, out = fitted_out
    predict = ["forecast", "predict", "--ckpt_path", "best", "--out", str(out)]
    assert cli.main([*predict, "--level", "[80, 95]"]) == 0
    written = pd.read_csv(out / "forecast.csv", parse_dates=["date"])
    assert {"OT_lo-80", "OT_hi-80", "HUFL_lo-95", "HUFL_hi-95"} <= set(written.columns)
    model = Forecaster.load(out / "export")
    assert model.conformal_ is None  # the CLI's export holds no scores: predict --level calibrates
    model.calibrate(frame.iloc[:VAL_END], n_windows=VAL_END - TRAIN_END - HORIZON + 1, step=1)
    expected = model.predict(level=[80, 95])
    pd.testing.assert_frame_equal(written, expected, check_dtype=False, atol=1e-6)
    assert (out / "forecast.png").stat().st_size > 0
    # one level, --n below the horizon, the residual method
    assert cli.main([*predict, "--level", "90", "--n", "5", "--interval_method", "residual"]) == 0
    written = pd.read_csv(out / "forecast.csv", parse_dates=["date"])
    expected = model.predict(level=90, n=5, interval_method="residual")
    pd.testing.assert_frame_equal(written, expected, check_dtype=False, atol=1e-6)


def test_predict_level_refuses_a_fraction_and_steps_beyond_the_horizon(fitted_out, capsys):
    _, out = fitted_out
    predict = ["forecast", "predict", "--ckpt_path", "best", "--out", str(out)]
    assert cli.main([*predict, "--level", "0.8"]) == 1
    assert "0.8 looks like a fraction" in capsys.readouterr().err
    assert cli.main([*predict, "--level", "80", "--n", str(HORIZON + 1)]) == 1
    assert "n <= 12 with level=" in capsys.readouterr().err
