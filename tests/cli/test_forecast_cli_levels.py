"""``ssm-ts forecast predict --level``: conformal intervals in forecast.csv and forecast.png from the
scores the CLI fit stored in its best checkpoint (and its export), equal to the API's calibration on
the same validation windows; a checkpoint without them is calibrated on the validation split of the
data its settings restore."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

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
    # the fit stored the scores of its validation windows in the export, as Forecaster.fit does
    assert model.conformal_ is not None and model.conformal_.n_windows == VAL_END - TRAIN_END - HORIZON + 1
    stored = model.conformal_
    model.calibrate(frame.iloc[:VAL_END], n_windows=VAL_END - TRAIN_END - HORIZON + 1, step=1)
    np.testing.assert_allclose(stored.residual, model.conformal_.residual, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(stored.cqr, model.conformal_.cqr, rtol=1e-6, atol=1e-6)
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
    assert "n <= 12 with --level, or leave level out for --n 13" in capsys.readouterr().err


def test_predict_level_uses_the_scores_in_the_best_checkpoint_and_calibrates_one_without(
    fitted_out, monkeypatch
):
    from ssm_ts.api.conformal import CHECKPOINT_KEY
    from ssm_ts.export import load_checkpoint

    _, out = fitted_out
    (best,) = out.rglob("best*.ckpt")
    assert CHECKPOINT_KEY in load_checkpoint(best)
    passes: list[bool] = []
    calibrated_on = Forecaster._calibrated_on.__func__
    monkeypatch.setattr(
        Forecaster,
        "_calibrated_on",
        classmethod(lambda cls, *a: passes.append(True) or calibrated_on(cls, *a)),
    )
    predict = ["forecast", "predict", "--out", str(out), "--level", "80"]
    assert cli.main([*predict, "--ckpt_path", "best"]) == 0
    with_scores = pd.read_csv(out / "forecast.csv")
    assert passes == []  # the stored scores, no calibration pass
    checkpoint = load_checkpoint(best)
    del checkpoint[CHECKPOINT_KEY]  # as a checkpoint of an older ssm-ts
    old = out / "old.ckpt"
    torch.save(checkpoint, old)
    assert cli.main([*predict, "--ckpt_path", str(old)]) == 0
    assert passes == [True]  # calibrated again, on the same validation windows
    pd.testing.assert_frame_equal(pd.read_csv(out / "forecast.csv"), with_scores, atol=1e-6)


def test_predict_interval_method_without_level_is_refused_before_predicting(fitted_out, capsys, monkeypatch):
    from ssm_ts.tasks.forecasting import ForecastingTask

    _, out = fitted_out
    written: list[bool] = []
    write = ForecastingTask.write_predictions
    monkeypatch.setattr(
        ForecastingTask, "write_predictions", lambda *a, **k: written.append(True) or write(*a, **k)
    )
    predict = ["forecast", "predict", "--ckpt_path", "best", "--out", str(out)]
    assert cli.main([*predict, "--interval_method", "cqr"]) == 1
    err = capsys.readouterr().err
    assert "--interval_method cqr chooses how conformal intervals are made, and no level is given" in err
    assert '--level "[80, 95]"' in err
    with pytest.raises(SystemExit):  # an unknown method: the parser names the choices
        cli.main([*predict, "--interval_method", "bogus"])
    assert "--interval_method takes one of residual, cqr or null; got 'bogus'" in capsys.readouterr().err
    assert not written  # refused before any forecast was written
    assert cli.main([*predict, "--interval_method", "cqr", "--level", "80"]) == 0
    assert "OT_lo-80" in pd.read_csv(out / "forecast.csv").columns
