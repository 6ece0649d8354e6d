"""``ssm_ts.evaluate`` of a ragged panel's forecasts where one series has no conformal interval.

ETTh1 as a long table whose MUFL ends at row 800, inside the training split (rows < 840 of 1,200):
it has no held-out calibration window, so ``backtest``/``predict(level=80)`` give it NaN
``y_lo-80``/``y_hi-80`` (with a warning) while its point forecasts and the other series' intervals
are numbers. evaluate scores every series' point forecast, leaves MUFL's interval metrics NaN with
its points counted in ``n_no_interval``, and averages the "all" row's interval metrics over the
series that have them (it raised "NaN forecasts ... a diverged fit" for the whole frame).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster, evaluate

LOOKBACK, HORIZON, WINDOWS = 48, 12, 2
SPANS = {"OT": (0, 1200), "HUFL": (100, 1150), "MUFL": (0, 800)}  # rows of ETTh1 each series keeps
INTERVAL = ["coverage_level80", "width_level80", "mis_level80", "msis_level80"]


@pytest.fixture(scope="module")
def long(shared_data) -> pd.DataFrame:
    ett = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:1200]
    return pd.concat(
        [
            pd.DataFrame({"unique_id": n, "ds": ett["date"].iloc[a:b], "y": ett[n].iloc[a:b]})
            for n, (a, b) in SPANS.items()
        ],
        ignore_index=True,
    )


@pytest.fixture(scope="module")
def fitted(long, tmp_path_factory) -> Forecaster:
    import torch

    torch.set_num_threads(1)
    forecaster = Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1,
                            log_to_mlflow=False, out_dir=str(tmp_path_factory.mktemp("out")),
                            trainer_options={"enable_progress_bar": False, "enable_model_summary": False})  # fmt: skip
    forecaster.fit(long)
    assert set(forecaster.conformal_.notes) == {"MUFL"}  # the premise: MUFL has no held-out window
    return forecaster


def _quietly(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # predict/backtest's own warning is tested elsewhere
        return call()


def _by_hand(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> dict[str, float]:
    alpha = 0.2
    score = (hi - lo) + 2 / alpha * (np.maximum(lo - y, 0) + np.maximum(y - hi, 0))
    return {
        "coverage_level80": float(np.mean((lo <= y) & (y <= hi))),
        "width_level80": float(np.mean(hi - lo)),
        "mis_level80": float(np.mean(score)),
    }


def _check(scores: pd.DataFrame, frame: pd.DataFrame, value: str, actual: str | None = None) -> None:
    """``scores`` (indexed by series) of the long forecast ``frame``: MUFL's interval metrics NaN and
    its points counted, the others' scored by hand, "all" over what was scored."""
    mufl = scores.loc["MUFL"]
    assert mufl[INTERVAL].isna().all()
    assert mufl["n"] > 0 and mufl["n_no_interval"] == mufl["n"]
    assert np.isfinite(mufl[["mae", "mse", "mase"]].astype(float)).all()  # its point forecast is scored
    for series in ("OT", "HUFL"):
        rows = frame[frame["unique_id"] == series]
        y = rows[actual or f"{value}_actual"].to_numpy()
        expected = _by_hand(y, rows[f"{value}_lo-80"].to_numpy(), rows[f"{value}_hi-80"].to_numpy())
        assert scores.loc[series, "n_no_interval"] == 0
        for metric, number in expected.items():
            assert scores.loc[series, metric] == pytest.approx(number, rel=1e-9), (series, metric)
    every = scores.loc["all"]
    assert every["coverage_level80"] == pytest.approx(scores.loc[["OT", "HUFL"], "coverage_level80"].mean())
    assert every["mae"] == pytest.approx(scores.loc[["OT", "HUFL", "MUFL"], "mae"].mean())
    assert every["n_no_interval"] == mufl["n"]


def test_a_backtest_with_a_series_without_intervals_scores_the_others(fitted, long):
    backtest = _quietly(lambda: fitted.backtest(long, n_windows=WINDOWS, level=80))
    assert backtest.loc[backtest["unique_id"] == "MUFL", "y_lo-80"].isna().all()  # the premise
    with pytest.warns(UserWarning, match=r"evaluate: no conformal interval .*'MUFL' at level 80") as caught:
        scores = evaluate(backtest, train=long).set_index("series")
    message = str(caught[0].message)
    assert caught[0].filename == __file__  # the user's evaluate call
    assert "24 points" in message and "n_no_interval" in message
    _check(scores, backtest, "y")

    # the wide layout of the same backtest scores alike (with the history as a wide table too)
    wide = _quietly(lambda: fitted.backtest(long, n_windows=WINDOWS, level=80, long=False))
    wide_train = long.pivot(index="ds", columns="unique_id", values="y").reset_index()
    with pytest.warns(UserWarning, match=r"no conformal interval"):
        wide_scores = evaluate(wide, train=wide_train).set_index("series")
    pd.testing.assert_frame_equal(wide_scores.loc[scores.index, scores.columns], scores, check_dtype=False)


def test_a_predict_frame_with_a_series_without_intervals_scores_against_actuals(fitted, long):
    # each series' last HORIZON rows held out: the forecast's actuals
    history = long[long.groupby("unique_id").cumcount(ascending=False) >= HORIZON]
    forecast = _quietly(lambda: fitted.predict(history, level=80))
    truth = forecast[["unique_id", "ds"]].merge(long, on=["unique_id", "ds"], how="left")
    with pytest.warns(UserWarning, match=r"'MUFL' at level 80"):
        scores = evaluate(forecast, actuals=long, train=history).set_index("series")
    _check(scores, forecast.assign(actual=truth["y"].to_numpy()), "y", actual="actual")


def test_frames_with_every_interval_keep_the_count_at_zero_and_do_not_warn(fitted, long):
    backtest = _quietly(lambda: fitted.backtest(long, n_windows=WINDOWS, level=80))
    kept = backtest[backtest["unique_id"] != "MUFL"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = evaluate(kept, ["mae", "coverage"]).set_index("series")
    assert (scores["n_no_interval"] == 0).all() and scores["coverage_level80"].notna().all()
