"""Conformal prediction intervals: ``Forecaster.predict(level=[80, 95])`` on real ETTh1 rows.

``fit`` scores the fitted model on the validation windows; the interval of level L at each horizon
step and series is the ``ceil((n + 1) L / 100)``-th smallest of the ``n`` scores, so on those very
windows it covers at least L, and on the later test rows it covers about L, where the learned
quantile band of an undertrained model covers far less.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.api.conformal import (
    SCORES_FILE,
    ConformalScores,
    Shortfall,
    calibrated_offset,
    check_levels,
    intervals,
    shortfall_message,
    shortfalls,
)
from ssm_ts.errors import CheckpointError, ConfigError, DataError

LOOKBACK, HORIZON = 48, 12
TRAIN_END, VAL_END, TEST_END = 2500, 3200, 4000
QUIET = {"enable_progress_bar": False, "enable_model_summary": False}
SERIES = ["OT", "HUFL"]
# a fit whose claims hold for any weights (layouts, stored scores, the calibration pass): a few batches
FEW = {"max_epochs": 1, "trainer_options": {**QUIET, "limit_train_batches": 4}}


@pytest.fixture(scope="module")
def ett(shared_data) -> pd.DataFrame:
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"])
    return frame.iloc[:TEST_END][["date", *SERIES]]


def make(tmp_path_factory, **settings) -> Forecaster:
    torch.set_num_threads(1)
    options = dict(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=2, log_to_mlflow=False,
                   boundaries=[TRAIN_END, VAL_END, TEST_END], out_dir=str(tmp_path_factory.mktemp("out")),
                   trainer_options=QUIET)  # fmt: skip
    return Forecaster(**{**options, **settings})


@pytest.fixture(scope="module")
def quantile_model(ett, tmp_path_factory) -> Forecaster:
    return make(tmp_path_factory, quantiles=[0.1, 0.9]).fit(ett)


@pytest.fixture(scope="module")
def point_model(ett, tmp_path_factory) -> Forecaster:
    return make(tmp_path_factory).fit(ett)


def covered(frame: pd.DataFrame, target: str, level: int) -> pd.Series:
    actual = frame[f"{target}_actual"]
    return (actual >= frame[f"{target}_lo-{level}"]) & (actual <= frame[f"{target}_hi-{level}"])


def test_the_corrected_quantile_is_the_ceil_n_plus_1_level_th_smallest_score():
    scores = np.random.default_rng(0).permutation(np.arange(1.0, 20.0))[:, None, None]  # n = 19
    for level, rank in ((80, 16), (90, 18), (95, 19)):  # ceil(20 * L / 100)
        assert math.ceil(20 * level / 100) == rank
        assert calibrated_offset(scores, level, 1)[0, 0] == rank
    assert np.isnan(calibrated_offset(scores, 96, 1)[0, 0])  # 96% needs 24 windows
    with pytest.raises(
        DataError, match=r"level 96% needs at least 24 calibration windows.*the most is 19 \('OT'\)"
    ):
        intervals(np.zeros((1, 1, 1)), ConformalScores(scores, None, (), "test"), [96], None, ["OT"])


def test_a_series_with_too_few_windows_gets_nan_and_is_named_while_the_others_keep_theirs():
    # series A scored on 19 windows, B on 5 (a ragged panel's series that ends inside the split)
    residual = np.tile(np.arange(1.0, 20.0)[:, None, None], (1, 2, 2))
    residual[5:, :, 1] = np.nan
    scores = ConformalScores(residual, None, (), "the validation split (19 of its 19 windows)")
    bounds = intervals(np.zeros((2, 2, 1)), scores, [80, 95], None, ["A", "B"])
    assert (bounds[95][1][:, 0] == 19).all() and (bounds[80][1][:, 0] == 16).all()
    assert (bounds[80][1][:, 1] == 5).all()  # 5 windows give 80% (the 5th smallest of 5)
    assert np.isnan(bounds[95][0][:, 1]).all() and np.isnan(bounds[95][1][:, 1]).all()  # not the 80% bounds
    short = shortfalls(scores, [80, 95], ["A", "B"], 2)
    assert short == [Shortfall("B", 95, 5)]
    message = shortfall_message(short, scores)
    assert "'B' has 5 calibration windows, too few for 95% (19 needed); 5 give levels up to 83.3%" in message
    assert "at most 0" not in message and "'A'" not in message


def test_intervals_nest_grow_with_level_and_slice_with_n(quantile_model):
    forecast = quantile_model.predict(level=[95, 80])
    for target in SERIES:
        assert list(forecast.columns).index(f"{target}_lo-80") > list(forecast.columns).index(
            f"{target}_q0.9"
        )
        lo80, hi80, lo95, hi95 = (
            forecast[f"{target}_{side}-{lv}"] for lv in (80, 95) for side in ("lo", "hi")
        )
        assert (lo95 <= lo80).all() and (lo80 <= forecast[target]).all() and (forecast[target] <= hi80).all()
        assert (hi80 <= hi95).all() and ((hi95 - lo95) > (hi80 - lo80)).all()
    plain = quantile_model.predict()
    pd.testing.assert_frame_equal(forecast[plain.columns], plain)  # the model's own columns unchanged
    pd.testing.assert_frame_equal(quantile_model.predict(level=[80, 95], n=5), forecast.iloc[:5])
    with pytest.raises(ConfigError, match=r"12 calibrated horizon steps, and n=13.*n <= 12"):
        quantile_model.predict(level=[80], n=HORIZON + 1)


def test_calibration_windows_are_covered_at_least_nominally_and_test_rows_near_it(quantile_model, ett):
    scores = quantile_model.conformal_
    assert scores.n_windows == VAL_END - TRAIN_END - HORIZON + 1 and "validation split" in scores.source
    # the validation windows themselves, as the fit scored them: at least L at every step and series
    val = quantile_model.backtest(ett.iloc[:VAL_END], n_windows=scores.n_windows, step=1, level=[80, 95])
    val["step"] = np.tile(np.arange(HORIZON), scores.n_windows)
    for target in SERIES:
        for level in (80, 95):
            assert covered(val, target, level).groupby(val["step"]).mean().min() >= level / 100
    # later rows (the test split): near nominal, where the learned 10-90% band covers far less
    test = ett.iloc[VAL_END - LOOKBACK :]
    n_test = TEST_END - VAL_END - HORIZON + 1
    for method in ("cqr", "residual"):
        frame = quantile_model.backtest(
            test, n_windows=n_test, step=1, level=[80, 95], interval_method=method
        )
        for level in (80, 95):
            coverage = np.mean([covered(frame, t, level).mean() for t in SERIES])
            assert abs(coverage - level / 100) < 0.1, (method, level, coverage)
    learned = np.mean([((frame[f"{t}_actual"] >= frame[f"{t}_q0.1"]) & (frame[f"{t}_actual"] <= frame[f"{t}_q0.9"]))
                       .mean() for t in SERIES])  # fmt: skip
    assert learned < 0.6  # two epochs learn a far too narrow band: what calibration is for


def test_save_and_load_give_identical_intervals(quantile_model, ett, tmp_path):
    folder = quantile_model.save(tmp_path / "model")
    assert (folder / SCORES_FILE).is_file()
    loaded = Forecaster.load(folder)
    pd.testing.assert_frame_equal(loaded.predict(level=[80, 95]), quantile_model.predict(level=[80, 95]))
    recent = ett.iloc[:3600]
    pd.testing.assert_frame_equal(
        loaded.predict(recent, level=[90], interval_method="residual"),
        quantile_model.predict(recent, level=[90], interval_method="residual"),
    )
    (folder / SCORES_FILE).unlink()  # an export written before ssm-ts kept the scores
    no_scores = r"calibration scores and this model has none.*calibrate\(data, n_windows=...\)"
    with pytest.raises(ConfigError, match=no_scores) as caught:
        Forecaster.load(folder).predict(level=[80])
    message = str(caught.value)
    assert "export holds no conformal.safetensors" in message and "older ssm-ts" in message
    assert "Forecaster.fit and ssm-ts forecast fit keep them" in message  # a CLI export has them too now
    assert "whose predict --level calibrates by itself" not in message
    assert len(Forecaster.load(folder).predict()) == HORIZON


@pytest.mark.parametrize("level", [0, 100, 150, -5, "x", True, [], [80, None], 0.9])
def test_bad_levels_are_clear_errors(quantile_model, level):
    with pytest.raises(ConfigError, match=r"level=.*percent"):
        quantile_model.predict(level=level)
    with pytest.raises(ConfigError, match=r"level="):
        check_levels(level)


def test_point_model_uses_residuals_and_refuses_cqr(point_model):
    forecast = point_model.predict(level=[80])
    half = forecast["OT_hi-80"] - forecast["OT"]
    np.testing.assert_allclose(forecast["OT"] - forecast["OT_lo-80"], half)  # symmetric around the point
    assert point_model.conformal_.cqr is None
    with pytest.raises(ConfigError, match=r"interval_method='cqr'.*no.*quantiles=\[0.1, 0.9\]"):
        point_model.predict(level=[80], interval_method="cqr")
    with pytest.raises(ConfigError, match=r"interval_method='bands' is not one of"):
        point_model.predict(level=[80], interval_method="bands")


def test_too_few_calibration_windows_name_the_level_the_count_and_the_fix(point_model, ett, tmp_path):
    model = Forecaster.load(point_model.save(tmp_path / "model"))  # a loaded model, calibrated anew
    model.calibrate(ett.iloc[VAL_END - LOOKBACK :], n_windows=5)
    assert model.predict(level=[80]).notna().all().all()  # 80% needs 4 windows
    with pytest.raises(
        DataError, match=r"level 95% needs at least 19 calibration windows.*the most is 5.*n_windows="
    ):
        model.predict(level=[80, 95])
    model.calibrate(ett.iloc[VAL_END - LOOKBACK :], n_windows=19)
    assert "calibrate()" in model.conformal_.source and model.predict(level=[95]).notna().all().all()


def test_long_panel_gives_the_same_intervals_per_series(ett, tmp_path_factory):
    long = ett.melt(id_vars="date", var_name="unique_id", value_name="y").rename(columns={"date": "ds"})
    model = make(tmp_path_factory, quantiles=[0.1, 0.9], **FEW).fit(long)
    forecast = model.predict(level=[80, 95])
    assert {"unique_id", "ds", "y", "y_q0.1", "y_lo-80", "y_hi-95"} <= set(forecast.columns)
    wide = model.predict(level=[80, 95], long=False)
    for target in SERIES:
        rows = forecast[forecast["unique_id"] == target]
        np.testing.assert_array_equal(rows["y_lo-80"].to_numpy(), wide[f"{target}_lo-80"].to_numpy())
        np.testing.assert_array_equal(rows["y_hi-95"].to_numpy(), wide[f"{target}_hi-95"].to_numpy())
    backtest = model.backtest(long[long["ds"] < ett["date"].iloc[3600]], n_windows=3, level=[80])
    assert backtest["y_lo-80"].le(backtest["y"]).all() and backtest["y_hi-80"].ge(backtest["y"]).all()
    wide_backtest = model.backtest(
        long[long["ds"] < ett["date"].iloc[3600]], n_windows=3, level=[80], long=False
    )
    np.testing.assert_array_equal(
        backtest.loc[backtest["unique_id"] == "HUFL", "y_hi-80"].to_numpy(),
        wide_backtest["HUFL_hi-80"].to_numpy(),
    )


def test_ragged_panel_series_get_intervals_of_their_own_steps(ett, tmp_path_factory):
    long = ett.melt(id_vars="date", var_name="unique_id", value_name="y").rename(columns={"date": "ds"})
    short = long[
        ~((long["unique_id"] == "HUFL") & (long["ds"] > ett["date"].iloc[TEST_END - 4]))
    ]  # ends 3 rows early
    model = make(tmp_path_factory, **FEW).fit(short)
    forecast = model.predict(level=[80])
    even = model.predict(level=[80], long=False)
    for target in SERIES:
        rows = forecast[forecast["unique_id"] == target]
        assert len(rows) == HORIZON
        half = (rows["y_hi-80"] - rows["y"]).to_numpy()
        column = model.spec_.targets.index(target)
        offsets = calibrated_offset(model.conformal_.residual, 80, HORIZON)[:, column]
        np.testing.assert_allclose(half, offsets)  # step k of each series, though their times differ
        present = even[target].notna()
        np.testing.assert_allclose(
            even.loc[present, f"{target}_hi-80"].to_numpy(), rows["y_hi-80"].to_numpy()
        )


def test_the_calibration_budget_bounds_the_stored_scores_and_keeps_95_percent(
    ett, tmp_path_factory, tmp_path
):
    available = VAL_END - TRAIN_END - HORIZON + 1  # 689 validation windows
    per_window = HORIZON * len(SERIES) * 2  # residual and one CQR band, per window
    budget = 200 * per_window
    model = make(tmp_path_factory, quantiles=[0.1, 0.9], calibration_budget=budget, **FEW).fit(ett)
    scores = model.conformal_
    assert scores.n_windows == 200 < available and "calibration_budget" in scores.source
    assert scores.residual.dtype == np.float32 and scores.cqr.dtype == np.float32
    folder = model.save(tmp_path / "model")
    assert (folder / SCORES_FILE).stat().st_size <= 4 * budget + 2_000  # 4 bytes a score, a JSON header
    loaded = Forecaster.load(folder)
    assert loaded.calibration_budget == budget
    pd.testing.assert_frame_equal(loaded.predict(level=[80, 95]), model.predict(level=[80, 95]))
    # the evenly spaced 200 still cover at least nominally on themselves, as all 689 would
    forecast = model.backtest(ett.iloc[:VAL_END], n_windows=available, step=1, level=[95])
    kept = np.isin(np.repeat(np.arange(available), HORIZON), np.linspace(0, available - 1, 200).round())
    for target in SERIES:
        assert covered(forecast[kept], target, 95).mean() >= 0.95
    # a budget below 19 windows keeps 19 (a 95% interval) and names the setting for 99%
    tiny = make(tmp_path_factory, calibration_budget=1, **FEW).fit(ett)
    assert tiny.conformal_.n_windows == 19 and tiny.predict(level=[95]).notna().all().all()
    with pytest.raises(
        DataError, match=r"level 99% needs at least 99 calibration windows.*calibration_budget"
    ):
        tiny.predict(level=[99])
    with pytest.raises(ConfigError, match=r"calibration_budget must be a whole number of scores >= 1"):
        make(tmp_path_factory, calibration_budget=0)


def test_scores_are_stored_as_float32_rounded_up_so_intervals_never_shrink():
    from ssm_ts.api.conformal import compute_scores

    actual = np.array([[[0.1 + 1e-9]], [[1 / 3]], [[np.nan]]])  # (windows, horizon, series)
    prediction = np.zeros((3, 1, 1, 1))
    scores = compute_scores(prediction, actual, None, "test")
    assert scores.residual.dtype == np.float32
    kept = scores.residual[:2].astype(np.float64)
    assert (kept >= np.abs(actual[:2])).all() and (kept - np.abs(actual[:2]) < 1e-7).all()
    assert np.isnan(scores.residual[2]).all()


def test_an_export_with_float64_scores_of_the_first_format_still_loads(quantile_model, tmp_path):
    from safetensors.torch import save_file

    folder = quantile_model.save(tmp_path / "model")
    scores = quantile_model.conformal_
    old = {"residual": torch.from_numpy(scores.residual.astype(np.float64)),
           "cqr": torch.from_numpy(scores.cqr.astype(np.float64))}  # fmt: skip
    metadata = {"format": "1", "bands": "[[0.1, 0.9]]", "source": scores.source, "targets": '["OT", "HUFL"]'}
    save_file(old, str(folder / SCORES_FILE), metadata=metadata)
    loaded = Forecaster.load(folder)
    assert loaded.conformal_.residual.dtype == np.float64
    pd.testing.assert_frame_equal(loaded.predict(level=[80, 95]), quantile_model.predict(level=[80, 95]))
    metadata["format"] = "7"
    save_file(old, str(folder / SCORES_FILE), metadata=metadata)
    with pytest.raises(CheckpointError, match=r"format 7.*newer ssm-ts"):
        Forecaster.load(folder)


def test_the_calibration_pass_runs_in_batches_of_at_most_128_windows(ett, tmp_path_factory, monkeypatch):
    # on a CPU a 1000-window pass ran in 0.29 s in batches of 128 and 0.45 s in batches of 256
    from ssm_ts.tasks.forecasting import ForecastingTask

    sizes: list[int] = []
    inside: list[bool] = []
    scores, forecast = Forecaster._validation_scores, ForecastingTask.forecast

    def counted_scores(self, datamodule, *device):
        inside.append(True)
        try:
            return scores(self, datamodule, *device)
        finally:
            inside.pop()

    def counted_forecast(self, x):
        if inside:
            sizes.append(len(x))
        return forecast(self, x)

    monkeypatch.setattr(Forecaster, "_validation_scores", counted_scores)
    monkeypatch.setattr(ForecastingTask, "forecast", counted_forecast)
    model = make(tmp_path_factory, **FEW).fit(ett)
    assert sum(sizes) == model.conformal_.n_windows == 689 and max(sizes) == 128


def _band(ax, label: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x, lower, upper)`` of the band labelled ``label`` in ``ax``: its polygon's lowest and highest
    y at each x (fill_between runs along the lower edge and back along the upper one)."""
    (band,) = [c for c in ax.collections if c.get_label() == label]
    vertices = band.get_paths()[0].vertices
    xs = np.unique(vertices[:, 0])
    lower = np.array([vertices[vertices[:, 0] == x, 1].min() for x in xs])
    upper = np.array([vertices[vertices[:, 0] == x, 1].max() for x in xs])
    return xs, lower, upper


def test_plot_draws_the_conformal_band_of_each_level_as_predict_gives_it(
    quantile_model, ett, tmp_path_factory
):
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    forecast = quantile_model.predict(level=[80, 95])
    figure = quantile_model.plot(level=[80, 95])
    try:
        for ax, target in zip(figure.axes, SERIES, strict=True):
            labels = [c.get_label() for c in ax.collections]
            assert labels == ["95% conformal interval", "80% conformal interval"]  # no learned band
            for level in (80, 95):
                xs, lower, upper = _band(ax, f"{level}% conformal interval")
                np.testing.assert_allclose(xs, mdates.date2num(forecast["date"]))
                np.testing.assert_allclose(lower, forecast[f"{target}_lo-{level}"])
                np.testing.assert_allclose(upper, forecast[f"{target}_hi-{level}"])
    finally:
        plt.close(figure)
    # a forecast frame passed in (long, with levels) draws its own columns; one without them is refused
    long = ett.melt(id_vars="date", var_name="unique_id", value_name="y").rename(columns={"date": "ds"})
    model = make(tmp_path_factory, **FEW).fit(long)
    given = model.predict(long[long["ds"] < ett["date"].iloc[3600]], level=[90])
    figure = model.plot(given, series="HUFL", level=90)
    try:
        _, lower, upper = _band(figure.axes[0], "90% conformal interval")
        rows = given[given["unique_id"] == "HUFL"]
        np.testing.assert_allclose(lower, rows["y_lo-90"])
        np.testing.assert_allclose(upper, rows["y_hi-90"])
    finally:
        plt.close(figure)
    with pytest.raises(
        ConfigError, match=r"level=80 draws the columns y_lo-80/y_hi-80.*predict\(\.\.\., level=80\)"
    ):
        model.plot(given, level=80)
    with pytest.raises(ConfigError, match=r"level=.*percent"):
        model.plot(level=0.8)


def test_a_ragged_series_that_ends_in_the_training_split_gets_nan_intervals_and_one_warning(
    shared_data, tmp_path_factory, tmp_path
):
    # ETTh1 as a long table: MUFL ends at row 800, inside the training split (rows < 840 of 1,200);
    # fit accepts it (the other series have validation windows), and it has no held-out window
    ett = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:1200]
    spans = {"OT": (0, 1200), "HUFL": (100, 1150), "MUFL": (0, 800)}
    long = pd.concat(
        [
            pd.DataFrame({"unique_id": n, "ds": ett["date"].iloc[a:b], "y": ett[n].iloc[a:b]})
            for n, (a, b) in spans.items()
        ],
        ignore_index=True,
    )
    model = make(tmp_path_factory, boundaries=None, max_epochs=1).fit(long)
    assert model.conformal_.notes == {
        "MUFL": f"it ends at {ett['date'].iloc[799]}, before the validation split (from {ett['date'].iloc[840]})"
    }
    loaded = Forecaster.load(model.save(tmp_path / "model"))
    assert loaded.conformal_.notes == model.conformal_.notes
    for forecaster in (model, loaded):
        for call in (
            lambda f=forecaster: f.predict(level=80),
            lambda f=forecaster: f.backtest(long, n_windows=2, level=80),
        ):
            with pytest.warns(UserWarning, match=r"conformal intervals left NaN") as caught:
                frame = call()
            messages = [str(w.message) for w in caught if "conformal" in str(w.message)]
            assert len(messages) == 1
            assert [w.filename for w in caught if "conformal" in str(w.message)] == [
                __file__
            ]  # the user's call
            assert (
                f"'MUFL' has no held-out calibration window ({model.conformal_.notes['MUFL']})" in messages[0]
            )
            assert "at most 0" not in messages[0] and "n_windows=" not in messages[0]
            mine = frame["unique_id"] == "MUFL"
            assert (
                frame.loc[mine, ["y_lo-80", "y_hi-80"]].isna().all().all()
                and frame.loc[mine, "y"].notna().all()
            )
            others = frame.loc[~mine]
            assert others["y_lo-80"].notna().all() and (others["y_lo-80"] < others["y_hi-80"]).all()


def test_the_calibration_pass_runs_on_the_trainers_device_and_gives_the_same_scores_on_a_cpu(
    ett, tmp_path_factory, monkeypatch
):
    # a GPU fit calibrated on the CPU after moving the task there (22 s of a 50 s ETTh1 fit);
    # tests/gpu checks the pass on CUDA
    from lightning.pytorch import Trainer

    from ssm_ts.api.forecaster import validation_scores
    from ssm_ts.pipelines.forecasting import ForecastDataModule

    devices: list = []
    fit_device: list = []
    scores, test = Forecaster._validation_scores, Trainer.test

    def spied_scores(self, datamodule, device=None):
        devices.append(device)
        return scores(self, datamodule, device)

    def spied_test(trainer, *args, **kwargs):
        fit_device.append(trainer.strategy.root_device)
        return test(trainer, *args, **kwargs)

    monkeypatch.setattr(Forecaster, "_validation_scores", spied_scores)
    monkeypatch.setattr(Trainer, "test", spied_test)
    model = make(tmp_path_factory, quantiles=[0.1, 0.9], **FEW).fit(ett)
    assert devices == fit_device == [torch.device("cpu")]
    assert model.task_.device == torch.device("cpu")
    # the same scores as a pass over all windows at once, and as calibrate() on those windows
    module = ForecastDataModule.from_frame(ett, lookback=LOOKBACK, horizon=HORIZON,
                                           boundaries=[TRAIN_END, VAL_END, TEST_END])  # fmt: skip
    module.setup("fit")
    again = validation_scores(model.task_, module, device="cpu")
    np.testing.assert_array_equal(again.residual, model.conformal_.residual)
    np.testing.assert_array_equal(again.cqr, model.conformal_.cqr)
    n = VAL_END - TRAIN_END - HORIZON + 1
    by_backtest = model.calibrate(ett.iloc[:VAL_END], n_windows=n, step=1).conformal_
    np.testing.assert_allclose(by_backtest.residual, again.residual, rtol=1e-6, atol=1e-6)
