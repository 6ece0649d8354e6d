"""ssm_ts.evaluate on real ETTh1 backtests (wide and long), checked against sklearn and loops by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_pinball_loss,
    mean_squared_error,
    root_mean_squared_error,
)

import ssm_ts
from ssm_ts import Forecaster, evaluate
from ssm_ts.errors import ConfigError, DataError

LOOKBACK, HORIZON, WINDOWS, SEASON = 96, 24, 3, 24
QUANTILES = [0.1, 0.5, 0.9]
BLANKED = range(1960, 1966)  # OT values removed inside the last backtest window: filled, never scored
SERIES = ["HUFL", "MULL", "OT"]


@pytest.fixture(scope="module")
def data(shared_data) -> pd.DataFrame:
    """2,000 hours of three ETTh1 series, six OT values blanked (the fit interpolates them)."""
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", *SERIES]).iloc[:2000]
    frame.loc[list(BLANKED), "OT"] = np.nan
    return frame


@pytest.fixture(scope="module")
def fitted(data, tmp_path_factory) -> Forecaster:
    import torch

    torch.set_num_threads(1)
    forecaster = Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, quantiles=QUANTILES,
                            max_epochs=1, log_to_mlflow=False,
                            out_dir=str(tmp_path_factory.mktemp("fit") / "out"))  # fmt: skip
    return forecaster.fit(data, fill="interpolate")


@pytest.fixture(scope="module")
def backtest(fitted, data) -> pd.DataFrame:
    return fitted.backtest(data, n_windows=WINDOWS)


def _observed(backtest: pd.DataFrame, series: str) -> pd.DataFrame:
    rows = backtest[backtest[f"{series}_actual"].notna()]
    return rows.rename(columns={series: "f", f"{series}_actual": "y"}).assign(
        **{f"q{q:g}": rows[f"{series}_q{q:g}"] for q in QUANTILES}
    )


def _seasonal_scale(values: np.ndarray, m: int, squared: bool = False) -> float:
    """The in-sample seasonal-naive error, one difference at a time (NaN pairs skipped)."""
    total, count = 0.0, 0
    for t in range(m, len(values)):
        if not (np.isnan(values[t]) or np.isnan(values[t - m])):
            diff = values[t] - values[t - m]
            total += diff**2 if squared else abs(diff)
            count += 1
    return total / count


def _interval_score(y: np.ndarray, lo: np.ndarray, hi: np.ndarray, alpha: float) -> float:
    scores = []
    for yi, li, hi_ in zip(y, lo, hi, strict=True):
        score = hi_ - li
        if yi < li:
            score += 2 / alpha * (li - yi)
        elif yi > hi_:
            score += 2 / alpha * (yi - hi_)
        scores.append(score)
    return float(np.mean(scores))


def _expected(backtest: pd.DataFrame, data: pd.DataFrame, series: str) -> dict[str, float]:
    rows = _observed(backtest, series)
    y, f = rows["y"].to_numpy(), rows["f"].to_numpy()
    nonzero = y != 0
    history = data.loc[pd.to_datetime(data["date"]) < backtest["date"].min(), series].to_numpy()
    scale, scale_sq = _seasonal_scale(history, SEASON), _seasonal_scale(history, SEASON, squared=True)
    lo, hi = rows["q0.1"].to_numpy(), rows["q0.9"].to_numpy()
    pinball = {f"pinball_q{q:g}": mean_pinball_loss(y, rows[f"q{q:g}"], alpha=q) for q in QUANTILES}
    return {
        "n": len(rows),
        "mae": mean_absolute_error(y, f),
        "mse": mean_squared_error(y, f),
        "rmse": root_mean_squared_error(y, f),
        "mape": 100 * mean_absolute_percentage_error(y[nonzero], f[nonzero]),
        "smape": 100 * np.mean([2 * abs(a - b) / (abs(a) + abs(b)) for a, b in zip(y, f, strict=True)]),
        "mase": mean_absolute_error(y, f) / scale,
        "rmsse": np.sqrt(mean_squared_error(y, f) / scale_sq),
        **pinball,
        "pinball": np.mean(list(pinball.values())),
        "coverage_80": sum(a <= b <= c for a, b, c in zip(lo, y, hi, strict=True)) / len(y),
        "width_80": float(np.mean(hi - lo)),
        "mis_80": _interval_score(y, lo, hi, alpha=0.2),
        "msis_80": _interval_score(y, lo, hi, alpha=0.2) / scale,
    }


def test_every_metric_of_a_wide_backtest_matches_an_independent_computation(backtest, data):
    scores = evaluate(backtest, train=data, season_length=SEASON)
    assert scores["series"].tolist() == [*SERIES, "all"]
    expected = {s: _expected(backtest, data, s) for s in SERIES}
    for series in SERIES:
        row = scores.set_index("series").loc[series]
        for metric, value in expected[series].items():
            assert row[metric] == pytest.approx(value, rel=1e-9), (series, metric)
    # the "all" row: the mean of the series' scores (counts summed)
    everything = scores.set_index("series").loc["all"]
    for metric in expected["OT"]:
        values = [expected[s][metric] for s in SERIES]
        want = sum(values) if metric == "n" else np.mean(values)
        assert everything[metric] == pytest.approx(want, rel=1e-9), metric
    # the model is a real one, not noise: about as good as the seasonal naive forecast at this size
    assert 0.1 < everything["mase"] < 5 and 0 < everything["coverage_80"] <= 1


def test_blanked_actuals_are_left_out_and_counted(backtest, data):
    assert backtest["OT_actual"].isna().sum() == len(BLANKED)  # the backtest marks the filled values
    scores = evaluate(backtest, ["mae", "coverage"]).set_index("series")
    assert scores.loc["OT", "n_missing"] == len(BLANKED) and scores.loc["HUFL", "n_missing"] == 0
    assert scores.loc["OT", "n"] == WINDOWS * HORIZON - len(BLANKED)
    assert scores.loc["all", "n_missing"] == len(BLANKED)
    assert np.isfinite(scores.loc["OT", "mae"]) and np.isfinite(scores.loc["OT", "coverage_80"])


def test_long_backtest_scores_as_the_wide_one(fitted, backtest, data):
    long_backtest = fitted.backtest(data, n_windows=WINDOWS, long=True)
    assert "y_actual" in long_backtest.columns and "unique_id" in long_backtest.columns
    long_train = data.melt(id_vars="date", var_name="unique_id", value_name="y")
    long_scores = evaluate(long_backtest, train=long_train, season_length=SEASON).set_index("series")
    wide_scores = evaluate(backtest, train=data, season_length=SEASON).set_index("series")
    pd.testing.assert_frame_equal(long_scores, wide_scores)
    for metric, value in _expected(backtest, data, "MULL").items():
        assert long_scores.loc["MULL", metric] == pytest.approx(value, rel=1e-9), metric


def test_scores_per_cutoff_and_per_horizon_step(backtest):
    per_cutoff = evaluate(backtest, ["mae", "rmse"], by=("series", "cutoff"))
    cutoffs = sorted(backtest["cutoff"].unique())
    assert len(per_cutoff) == (len(SERIES) + 1) * WINDOWS
    for cutoff in cutoffs:
        window = backtest[backtest["cutoff"] == cutoff]
        row = per_cutoff[(per_cutoff["series"] == "HUFL") & (per_cutoff["cutoff"] == cutoff)].iloc[0]
        assert row["mae"] == pytest.approx(mean_absolute_error(window["HUFL_actual"], window["HUFL"]))
        assert row["rmse"] == pytest.approx(root_mean_squared_error(window["HUFL_actual"], window["HUFL"]))
    per_step = evaluate(backtest, ["mae"], by="horizon")  # only the "all" rows: no series column
    assert list(per_step.columns) == ["horizon", "n", "n_missing", "mae"]
    assert per_step["horizon"].tolist() == list(range(1, HORIZON + 1))
    step = 5  # the 5th forecast row of each window
    rows = backtest.groupby("cutoff").nth(step - 1)
    want = np.mean([mean_absolute_error(rows[f"{s}_actual"], rows[s]) for s in ("HUFL", "MULL")] + [
        mean_absolute_error(*(rows.loc[rows["OT_actual"].notna(), c] for c in ("OT_actual", "OT")))
    ])  # fmt: skip
    assert per_step.loc[per_step["horizon"] == step, "mae"].item() == pytest.approx(want)


def test_a_predict_frame_scores_against_actuals(fitted, data):
    forecast = fitted.predict(data.iloc[:-HORIZON])
    scores = evaluate(forecast, ["mae", "pinball"], actuals=data).set_index("series")
    truth = data.iloc[-HORIZON:]
    assert scores.loc["HUFL", "mae"] == pytest.approx(mean_absolute_error(truth["HUFL"], forecast["HUFL"]))
    pinball = mean_pinball_loss(truth["MULL"], forecast["MULL_q0.9"], alpha=0.9)
    assert scores.loc["MULL", "pinball_q0.9"] == pytest.approx(pinball)


def _constructed(
    actual: list[float], forecast: list[float], lo: list[float], hi: list[float]
) -> pd.DataFrame:
    n = len(actual)
    return pd.DataFrame({
        "cutoff": pd.Timestamp("2024-01-01"), "date": pd.date_range("2024-01-02", periods=n, freq="D"),
        "a": forecast, "a_q0.05": lo, "a_q0.5": forecast, "a_q0.95": hi, "a_actual": actual,
    })  # fmt: skip


def test_coverage_width_and_interval_score_of_a_frame_with_known_answers():
    # lower 0, upper 10; actuals: 7 inside (two on the bounds), 2 below, 1 above
    actual = [0.0, 10.0, 1, 2, 3, 4, 5, -1, -3, 12]
    frame = _constructed(actual, [5.0] * 10, [0.0] * 10, [10.0] * 10)
    row = evaluate(frame, ["coverage", "width", "mis"], aggregate=False).iloc[0]
    assert row["coverage_90"] == pytest.approx(0.7) and row["width_90"] == pytest.approx(10.0)
    # alpha 0.1: misses of 1, 3 and 2 add 2/0.1 * 6 = 120 over 10 points
    assert row["mis_90"] == pytest.approx(10.0 + 12.0)
    frame.loc[9, "a_actual"] = np.nan  # the miss above is not scored any more
    row = evaluate(frame, ["coverage"], aggregate=False).iloc[0]
    assert row["coverage_90"] == pytest.approx(7 / 9) and row["n_missing"] == 1


def test_zero_actuals_in_mape_and_smape():
    frame = _constructed([0.0, 0.0, 2.0, 4.0], [0.0, 1.0, 1.0, 5.0], [0.0] * 4, [9.0] * 4)
    row = evaluate(frame, ["mape", "smape"], aggregate=False).iloc[0]
    assert row["n_zero_actual"] == 2
    assert row["mape"] == pytest.approx(100 * (0.5 + 0.25) / 2)  # the zero actuals are left out
    # both zero: 0; actual 0, forecast 1: 200; then 2*1/3 and 2*1/9
    assert row["smape"] == pytest.approx(100 * (0 + 2 + 2 / 3 + 2 / 9) / 4)


def test_bad_inputs_are_named_with_their_fix(fitted, backtest, data):
    with pytest.raises(DataError, match="scores a forecast DataFrame, got ndarray"):
        evaluate(backtest.to_numpy())
    with pytest.raises(DataError, match=r"no actual columns \(<target>_actual.*actuals="):
        evaluate(fitted.predict())
    with pytest.raises(ConfigError, match=r"unknown metric\(s\) \['mdape'\]; valid names: mae, mse, rmse"):
        evaluate(backtest, ["mae", "mdape"])
    with pytest.raises(ConfigError, match=r"\['mase'\] scale errors .*pass train="):
        evaluate(backtest, ["mase"])
    with pytest.raises(DataError, match=r"train \(the DataFrame\) lacks series \['OT'\]"):
        evaluate(backtest, ["mase"], train=data.drop(columns="OT"))
    with pytest.raises(DataError, match=r"train \(the DataFrame\) has no column 'date'"):
        evaluate(backtest, ["mase"], train=data.rename(columns={"date": "time"}))
    with pytest.raises(DataError, match=r"no pair of values 5000 steps apart \(season_length=5000\)"):
        evaluate(backtest, ["mase"], train=data, season_length=5000)
    with pytest.raises(ConfigError, match="by='cutoff' needs a backtest frame"):
        evaluate(fitted.predict(data.iloc[:-HORIZON]), actuals=data, by="cutoff")
    with pytest.raises(ConfigError, match=r"by='week': \['week'\] unknown"):
        evaluate(backtest, by="week")
    with pytest.raises(ConfigError, match=r"\['coverage'\] need quantile columns"):
        evaluate(backtest[["cutoff", "date", "OT", "OT_actual"]], ["coverage"])
    broken = backtest.copy()
    broken.loc[7, "MULL"] = np.nan
    with pytest.raises(DataError, match=r"series 'MULL' has NaN forecasts at 1 points \(first: frame row 7"):
        evaluate(broken)


def test_evaluate_is_exported_lazily():
    assert ssm_ts.evaluate is evaluate and "evaluate" in ssm_ts.__all__


def _days(tz=None) -> pd.DatetimeIndex:
    return pd.date_range("2020-01-04", periods=20, freq="W-SAT" if tz is None else "D", tz=tz)


@pytest.mark.parametrize(
    "times, train_times",
    [
        (pd.Index(range(2000, 2020)), list(range(2000, 2020))),  # integer steps (years)
        (pd.period_range("2000Q1", periods=20, freq="Q"), [f"{2000 + i // 4}Q{i % 4 + 1}" for i in range(20)]),
        (pd.period_range("2000-01", periods=20, freq="M"), [f"{2000 + i // 12}-{i % 12 + 1:02d}" for i in range(20)]),
        (_days("Europe/Berlin"), [t.isoformat() for t in _days("Europe/Berlin")]),
        (_days(), [t.date().isoformat() for t in _days()]),
    ],
    ids=["years", "quarters-from-csv-text", "months-from-csv-text", "zoned-dates-from-csv-text", "weeks"],
)  # fmt: skip
@pytest.mark.parametrize("missing", [(), (5, 9, 10)], ids=["complete", "with-gaps"])
def test_mase_scale_reads_train_times_as_the_forecasts_are(times, train_times, missing):
    # y_t - y_{t-m} pairs values m steps apart in time: across a gap in train (the CO2 record's
    # missing weeks) they were m rows apart
    values = np.array([3.0, 5, 4, 8, 7, 9, 12, 10, 11, 15, 14, 13, 17, 19, 18, 21, 20, 24, 23, 26])
    frame = pd.DataFrame({"cutoff": times[15], "t": times[16:], "sales": values[16:] + 1.5,
                          "sales_actual": values[16:]})  # fmt: skip
    kept = [i for i in range(20) if i not in missing]  # the whole series: rows from 16 on are cut
    train = pd.DataFrame({"t": [train_times[i] for i in kept], "sales": values[kept]})
    row = evaluate(frame, ["mase"], train=train, season_length=2, aggregate=False).iloc[0]
    scale = np.mean([abs(values[t] - values[t - 2]) for t in range(2, 16) if t in kept and t - 2 in kept])
    assert row["mase"] == pytest.approx(1.5 / scale)


def test_a_ragged_panels_wide_backtest_scores_each_series_on_its_own_windows():
    # the wide layout of a ragged panel has a row per (cutoff, time) of any series; a series has
    # neither forecast nor actual in the rows of another series' windows: those are not its points
    times = pd.date_range("2020-01-01", periods=4, freq="D")
    frame = pd.DataFrame({
        "cutoff": [times[0], times[0], times[2], times[2]], "date": times,
        "a": [1.0, 2.0, np.nan, np.nan], "b": [np.nan, np.nan, 5.0, 7.0],
        "a_actual": [2.0, 2.0, np.nan, np.nan], "b_actual": [np.nan, np.nan, 4.0, np.nan],
    })  # fmt: skip
    scores = evaluate(frame, ["mae"], aggregate=False).set_index("series")
    assert scores.loc["a", "mae"] == pytest.approx(0.5) and scores.loc["a", "n"] == 2
    # b's second point is a forecast without an actual (a filled value): scored as missing, not dropped
    assert scores.loc["b", "mae"] == pytest.approx(1.0) and scores.loc["b", "n_missing"] == 1


LEVELS = (80, 95)


def _by_hand_level(frame: pd.DataFrame, series: str, level: int, actual: pd.Series | None = None) -> dict:
    """coverage, width, interval score of the ``<series>_lo-L``/``_hi-L`` columns, one point at a time."""
    y = (frame[f"{series}_actual"] if actual is None else actual).to_numpy()
    lo, hi = frame[f"{series}_lo-{level}"].to_numpy(), frame[f"{series}_hi-{level}"].to_numpy()
    keep = ~np.isnan(y)
    y, lo, hi = y[keep], lo[keep], hi[keep]
    return {
        f"coverage_level{level}": float(np.mean((lo <= y) & (y <= hi))),
        f"width_level{level}": float(np.mean(hi - lo)),
        f"mis_level{level}": _interval_score(y, lo, hi, alpha=1 - level / 100),
    }


@pytest.fixture(scope="module")
def level_backtest(fitted, data) -> pd.DataFrame:
    return fitted.backtest(data, n_windows=WINDOWS, level=list(LEVELS))


def test_conformal_intervals_of_a_backtest_are_scored_at_their_level(level_backtest, data, backtest):
    assert "OT_lo-95" in level_backtest.columns
    scores = evaluate(level_backtest, train=data, season_length=SEASON).set_index("series")
    assert list(scores.index) == [*SERIES, "all"]  # the interval columns are no series of their own
    for series in SERIES:
        scale = _seasonal_scale(data[series].to_numpy()[: len(data) - WINDOWS * HORIZON], SEASON)
        for level in LEVELS:
            for metric, value in _by_hand_level(level_backtest, series, level).items():
                assert scores.loc[series, metric] == pytest.approx(value, rel=1e-9), (series, metric)
            mis = scores.loc[series, f"mis_level{level}"]
            assert scores.loc[series, f"msis_level{level}"] == pytest.approx(mis / scale, rel=1e-9)
    # the learned q0.1-q0.9 band keeps its own columns, unchanged by the conformal ones
    plain = evaluate(backtest, train=data, season_length=SEASON).set_index("series")
    pd.testing.assert_frame_equal(scores[plain.columns], plain)
    # a long backtest with levels scores as the wide one
    long_train = data.melt(id_vars="date", var_name="unique_id", value_name="y")
    long_frame = _long_with_levels(level_backtest)
    long_scores = evaluate(long_frame, train=long_train, season_length=SEASON).set_index("series")
    pd.testing.assert_frame_equal(long_scores, scores)


def _long_with_levels(wide: pd.DataFrame) -> pd.DataFrame:
    """The long layout of a wide backtest frame with levels, built by hand (what backtest(long=True) gives)."""
    pieces = []
    for series in SERIES:
        columns = {
            c: "y" + c[len(series) :] for c in wide.columns if c == series or c.startswith(f"{series}_")
        }
        piece = wide[["cutoff", "date", *columns]].rename(columns=columns)
        pieces.append(piece.assign(unique_id=series))
    long = pd.concat(pieces, ignore_index=True)
    return long[["cutoff", "unique_id", "date", *[c for c in long.columns if c.startswith("y")]]]


def test_a_long_backtest_with_levels_from_the_forecaster_scores_as_the_wide_one(fitted, data, level_backtest):
    long_backtest = fitted.backtest(data, n_windows=WINDOWS, long=True, level=list(LEVELS))
    assert {"y_lo-80", "y_hi-95", "y_actual"} <= set(long_backtest.columns)
    long_train = data.melt(id_vars="date", var_name="unique_id", value_name="y")
    long_scores = evaluate(long_backtest, train=long_train, season_length=SEASON).set_index("series")
    wide_scores = evaluate(level_backtest, train=data, season_length=SEASON).set_index("series")
    pd.testing.assert_frame_equal(long_scores, wide_scores)
    assert 0 < long_scores.loc["all", "coverage_level95"] <= 1


def test_a_predict_frame_with_levels_scores_against_actuals(fitted, data):
    forecast = fitted.predict(data.iloc[:-HORIZON], level=list(LEVELS))
    scores = evaluate(forecast, actuals=data).set_index("series")
    assert list(scores.index) == [*SERIES, "all"]
    truth = data.iloc[-HORIZON:].reset_index(drop=True)
    for series in SERIES:
        assert scores.loc[series, "mae"] == pytest.approx(
            mean_absolute_error(truth[series], forecast[series])
        )
        for level in LEVELS:
            for metric, value in _by_hand_level(forecast, series, level, truth[series]).items():
                assert scores.loc[series, metric] == pytest.approx(value, rel=1e-9), (series, metric)
    long_forecast = fitted.predict(data.iloc[:-HORIZON], level=list(LEVELS), long=True)
    assert "y_lo-80" in long_forecast.columns
    long_actuals = data.melt(id_vars="date", var_name="unique_id", value_name="y")
    long_scores = evaluate(long_forecast, actuals=long_actuals, time_col="date").set_index("series")
    pd.testing.assert_frame_equal(long_scores, scores)


def test_levels_alone_give_the_interval_metrics_and_pinball_still_needs_quantiles(level_backtest):
    point_only = level_backtest[[c for c in level_backtest.columns if "_q" not in c]]
    scores = evaluate(point_only, ["coverage", "width", "mis"]).set_index("series")
    assert [c for c in scores.columns if c.startswith("coverage")] == ["coverage_level80", "coverage_level95"]
    assert scores.loc["OT", "coverage_level80"] == pytest.approx(
        _by_hand_level(level_backtest, "OT", 80)["coverage_level80"]
    )
    default = evaluate(point_only)
    assert "coverage_level95" in default.columns and "pinball" not in default.columns
    with pytest.raises(ConfigError, match=r"\['pinball'\] need quantile columns"):
        evaluate(point_only, ["pinball"])
    # a NaN bound (a series short of calibration windows) leaves that point out of its level's interval
    # metrics only, counted and named; a NaN point forecast is still refused
    gap = level_backtest.copy()
    gap.loc[3, "HUFL_hi-95"] = np.nan
    with pytest.warns(UserWarning, match=r"no conformal interval .* 'HUFL' at level 95 \(1 point\)"):
        scores = evaluate(gap).set_index("series")
    assert scores.loc["HUFL", "n_no_interval"] == 1 and scores.loc["OT", "n_no_interval"] == 0
    kept = gap.drop(index=3)
    assert scores.loc["HUFL", "coverage_level95"] == pytest.approx(
        _by_hand_level(kept, "HUFL", 95)["coverage_level95"]
    )
    assert scores.loc["HUFL", "coverage_level80"] == pytest.approx(
        _by_hand_level(level_backtest, "HUFL", 80)["coverage_level80"]
    )
    broken = level_backtest.copy()
    broken.loc[3, "HUFL"] = np.nan
    with pytest.raises(DataError, match=r"series 'HUFL' has NaN forecasts at 1 points \(first: frame row 3"):
        evaluate(broken)


@pytest.mark.parametrize("argument", ["train", "actuals"])
def test_a_series_for_train_or_actuals_names_that_argument_and_to_frame(argument):
    times = pd.date_range("2020-01-01", periods=3, freq="D")
    series = pd.Series([1.0, 2.0, 3.0], index=times, name="y")
    scored = pd.DataFrame({"date": times, "y": [1.0, 2.0, 3.0], "cutoff": pd.Timestamp("2019-12-31")})
    if argument == "train":
        scored["y_actual"] = scored["y"]
    with pytest.raises(ConfigError, match=rf"^{argument} must be a CSV path or a pandas DataFrame, got Series; "
                       r"pass series\.to_frame\(\)"):  # fmt: skip
        evaluate(scored, **{argument: series})
