"""ssm_ts.Forecaster end to end on the real weekly Mauna Loa CO2 series (with its 59 missing weeks)."""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd
import pytest
import torch
from lightning.pytorch.callbacks import Callback

from ssm_ts import Forecaster
from ssm_ts.datasets import write_co2_csv
from ssm_ts.errors import CheckpointError, ConfigError, DataError
from ssm_ts.pipelines.forecasting import ForecastDataModule

LOOKBACK, HORIZON = 52, 13
# a fit whose checks hold for any weights (layouts, times, columns): a few training batches
FEW_BATCHES = {"limit_train_batches": 4}


@pytest.fixture(scope="module")
def co2_csv(tmp_path_factory):
    return write_co2_csv(tmp_path_factory.mktemp("data") / "co2.csv")


@pytest.fixture(scope="module")
def fitted(co2_csv, tmp_path_factory):
    """One quantile forecaster fitted once for the module (tiny model, few epochs)."""
    folder = tmp_path_factory.mktemp("fit")
    forecaster = Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, quantiles=[0.1, 0.5, 0.9],
                            max_epochs=4, lr=3e-3, tracking_uri=f"sqlite:///{folder / 'mlflow.db'}",
                            out_dir=str(folder / "out"))  # fmt: skip
    forecaster.fit(co2_csv, fill="interpolate")
    return forecaster


def test_predict_continues_the_weekly_frequency(fitted):
    forecast = fitted.predict()
    assert list(forecast.columns) == ["date", "co2", "co2_q0.1", "co2_q0.5", "co2_q0.9"]
    assert forecast["date"].iloc[0] == pd.Timestamp("2002-01-05")  # the Saturday after 2001-12-29
    assert (forecast["date"].diff().dropna() == pd.Timedelta(weeks=1)).all() and len(forecast) == HORIZON
    assert (forecast["co2_q0.1"] <= forecast["co2"]).all() and (forecast["co2"] <= forecast["co2_q0.9"]).all()
    assert 360 < forecast["co2"].mean() < 385  # ppm around 2002
    assert list(fitted.future_times()) == list(forecast["date"])


def test_fitted_model_beats_last_value_on_held_out_weeks(fitted, co2_csv):
    assert {"val_mse", "test_mse", "test_mae_orig", "test_coverage"} <= set(fitted.metrics_)
    backtest = fitted.backtest(co2_csv, n_windows=6, step=HORIZON)
    assert len(backtest) == 6 * HORIZON and backtest["cutoff"].nunique() == 6
    model_mae = (backtest["co2"] - backtest["co2_actual"]).abs().mean()
    # last-value baseline from each window's cutoff
    history = fitted.history_.set_index("date")["co2"]
    naive = backtest["cutoff"].map(history)
    naive_mae = (naive - backtest["co2_actual"]).abs().mean()
    assert model_mae < 0.8 * naive_mae
    # actuals are the (interpolated) data
    assert np.allclose(backtest["co2_actual"].iloc[-HORIZON:], fitted.history_["co2"].iloc[-HORIZON:])


def test_save_load_round_trip_gives_identical_forecasts(fitted, tmp_path, co2_csv):
    fitted.save(tmp_path / "model")
    assert {p.name for p in (tmp_path / "model").iterdir()} == {
        "config.json",
        "model.safetensors",
        "extras.json",
        "conformal.safetensors",  # the conformal calibration scores of predict(level=...)
    }
    loaded = Forecaster.load(tmp_path / "model")
    pd.testing.assert_frame_equal(loaded.predict(), fitted.predict())
    pd.testing.assert_frame_equal(loaded.predict(co2_csv), fitted.predict(co2_csv))
    assert loaded.metrics_ == fitted.metrics_ and loaded.horizon == HORIZON
    with pytest.raises(CheckpointError, match="not a complete ssm-ts export"):
        (tmp_path / "model" / "model.safetensors").unlink()
        Forecaster.load(tmp_path / "model")


def test_plot_and_mlflow_run(fitted):
    figure = fitted.plot()
    (ax,) = figure.axes
    assert ax.get_ylabel() == "co2" and len(ax.collections) == 1  # the 0.1-0.9 interval band
    client = mlflow.MlflowClient(fitted.settings["tracking_uri"])
    run = client.get_run(fitted.run_id_)
    assert run.data.params["forecaster.lookback"] == str(LOOKBACK) and run.data.params["data.freq"] == "W-SAT"
    assert len(client.get_metric_history(run.info.run_id, "val_mse")) == 4  # per epoch
    assert "test_mse" in run.data.metrics
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"config.json", "plots", "checkpoints"} <= artifacts
    assert client.list_artifacts(run.info.run_id, "plots")[0].path == "plots/forecast.png"


def test_long_format_dataframe_and_predict_on_new_history(tmp_path, shared_data):
    wide = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT", "HUFL"]).iloc[:1500]
    long = wide.melt(id_vars="date", var_name="unique_id", value_name="y").rename(columns={"date": "ds"})
    forecaster = Forecaster(model="nlinear", lookback=48, horizon=24, max_epochs=1, log_to_mlflow=False,
                            out_dir=str(tmp_path / "out"), trainer_options=FEW_BATCHES)  # fmt: skip
    forecaster.fit(long)
    assert forecaster.spec_.targets == ["HUFL", "OT"] and forecaster.spec_.freq == "h"
    recent = long[long["ds"] < "2016-07-10"]
    wide_forecast = forecaster.predict(recent, long=False)
    assert wide_forecast["ds"].iloc[0] == pd.Timestamp("2016-07-10 00:00")
    assert list(wide_forecast.columns) == ["ds", "HUFL", "OT"]
    # fitted on a long table, it answers in one (neuralforecast's layout): a row per series and time
    forecast = forecaster.predict(recent)
    assert list(forecast.columns) == ["unique_id", "ds", "y"] and len(forecast) == 2 * 24
    for series in ("HUFL", "OT"):
        rows = forecast[forecast["unique_id"] == series]
        assert rows["ds"].tolist() == wide_forecast["ds"].tolist()
        np.testing.assert_array_equal(rows["y"].to_numpy(), wide_forecast[series].to_numpy())
    assert forecaster.plot(forecast, data=recent) is not None  # plot takes either layout
    wide_backtest = forecaster.backtest(recent, n_windows=2, long=False)
    backtest = forecaster.backtest(recent, n_windows=2)
    assert (
        list(backtest.columns) == ["cutoff", "unique_id", "ds", "y", "y_actual"] and len(backtest) == 2 * 48
    )
    ot = backtest[backtest["unique_id"] == "OT"]
    np.testing.assert_array_equal(ot["y_actual"].to_numpy(), wide_backtest["OT_actual"].to_numpy())
    assert ot["cutoff"].tolist() == wide_backtest["cutoff"].tolist()


def test_long_and_wide_quantile_forecasts_convert_both_ways():
    from ssm_ts.pipelines.forecasting import SeriesSpec, to_long_forecast, to_wide_forecast

    spec = SeriesSpec(time_col="ds", targets=["b", "a"], freq="D", long_format=True)
    times = pd.date_range("2024-01-01", periods=3, freq="D")
    wide = pd.DataFrame({"ds": times, "b": [1.0, 2, 3], "b_q0.1": [0.5, 1, 2], "b_q0.5": [1.0, 2, 3],
                         "a": [4.0, 5, 6], "a_q0.1": [3.0, 4, 5], "a_q0.5": [4.0, 5, 6]})  # fmt: skip
    long = to_long_forecast(wide, spec)
    assert list(long.columns) == ["unique_id", "ds", "y", "y_q0.1", "y_q0.5"]
    assert long["unique_id"].tolist() == ["b"] * 3 + ["a"] * 3
    pd.testing.assert_frame_equal(to_wide_forecast(long, spec), wide, check_names=False)


def test_errors_are_clear(co2_csv, tmp_path):
    with pytest.raises(ConfigError, match="not fitted"):
        Forecaster().predict()
    forecaster = Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, log_to_mlflow=False)
    with pytest.raises(DataError, match=r"59 timestamps are missing.*fill="):
        forecaster.fit(co2_csv)
    with pytest.raises(DataError, match="train split has"):
        Forecaster(model="nlinear", lookback=2000, horizon=HORIZON, log_to_mlflow=False).fit(
            co2_csv, fill="ffill"
        )
    with pytest.raises(ConfigError, match="max_epochs"):
        Forecaster(max_epochs=0)


def test_known_future_covariates_are_used_at_prediction(shared_data, tmp_path):
    data = pd.read_csv(
        shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"], parse_dates=["date"]
    )
    data = data.iloc[:1200].assign(hour=lambda f: f["date"].dt.hour.astype(float))
    forecaster = Forecaster(
        model="nlinear", lookback=48, horizon=24, max_epochs=1, out_dir=str(tmp_path / "out"),
        trainer_options=FEW_BATCHES,
    )  # fmt: skip
    forecaster.fit(data, target="OT", future_covariates=["hour"])
    assert forecaster.spec_.input_columns == ["OT", "hour"]
    with pytest.raises(DataError, match="append 24 rows"):
        forecaster.predict()
    future = pd.DataFrame({"date": pd.date_range(data["date"].iloc[-1], periods=25, freq="h")[1:]})
    future["hour"] = future["date"].dt.hour.astype(float)
    forecast = forecaster.predict(pd.concat([data, future], ignore_index=True))
    assert list(forecast["date"]) == list(future["date"]) and forecast["OT"].notna().all()
    backtest = forecaster.backtest(data, n_windows=2)
    assert len(backtest) == 48


def test_spacetime_forecaster_fits_predicts_and_round_trips(co2_csv, tmp_path):
    forecaster = Forecaster(model="spacetime", lookback=LOOKBACK, horizon=HORIZON, quantiles=[0.1, 0.5, 0.9],
                            max_epochs=1, model_options={"d_model": 8, "d_state": 8, "n_layers": 1,
                                                         "linear_init": "ridge"},
                            log_to_mlflow=False, out_dir=str(tmp_path / "out"),
                            trainer_options={"limit_train_batches": 8, "limit_val_batches": 2})  # fmt: skip
    forecaster.fit(co2_csv, fill="interpolate")
    forecast = forecaster.predict()
    assert forecast.shape == (HORIZON, 5) and np.isfinite(forecast.drop(columns="date").to_numpy()).all()
    assert 300 < forecast["co2"].mean() < 420
    forecaster.save(tmp_path / "st")
    pd.testing.assert_frame_equal(Forecaster.load(tmp_path / "st").predict(), forecast)
    # linear_init="ridge": the linear path is the ridge map of the training windows, untouched by training
    linear = forecaster.task_.net.linear.time.weight.detach().clone()
    datamodule = ForecastDataModule(path=str(co2_csv), fill="interpolate", lookback=LOOKBACK, horizon=HORIZON)
    datamodule.setup("fit")
    forecaster.task_._init_linear_path(datamodule)
    torch.testing.assert_close(forecaster.task_.net.linear.time.weight, linear)
    assert linear.abs().sum() > 0.5 and not forecaster.task_.net.linear.time.weight.requires_grad


def _add_callbacks(monkeypatch, *extra) -> None:
    """Give the next Forecaster fits' trainers the callbacks ``extra`` too."""
    import ssm_ts.training

    build = ssm_ts.training.build_trainer

    def build_with_extra(*, callbacks=(), **kwargs):
        return build(callbacks=[*callbacks, *extra], **kwargs)

    monkeypatch.setattr(ssm_ts.training, "build_trainer", build_with_extra)


def _crash_at_second_epoch(monkeypatch) -> None:
    """Make the next Forecaster fit raise at the start of its second epoch (after epoch 0's checkpoint)."""
    from lightning.pytorch.callbacks import Callback

    class CrashAtEpochOne(Callback):
        def on_train_epoch_start(self, trainer, pl_module) -> None:
            if trainer.current_epoch == 1:
                raise RuntimeError("simulated crash")

    _add_callbacks(monkeypatch, CrashAtEpochOne())


@pytest.mark.parametrize("ema_decay", [None, 0.9], ids=["raw", "ema"])
def test_fit_resume_continues_an_interrupted_fit_and_its_mlflow_run(
    co2_csv, tmp_path, monkeypatch, ema_decay
):
    """With ``ema_decay`` the averaged weights are restored from last.ckpt too (else they would differ)."""

    def forecaster(name: str, log_to_mlflow: bool = True) -> Forecaster:
        return Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=2, patience=None,
                          seed=3, tracking_uri=f"sqlite:///{tmp_path / name}.db", out_dir=str(tmp_path / name),
                          log_to_mlflow=log_to_mlflow, ema_decay=ema_decay,
                          trainer_options={"limit_train_batches": 12})  # fmt: skip

    uninterrupted = forecaster("whole", log_to_mlflow=False).fit(co2_csv, fill="interpolate")
    with monkeypatch.context() as patch:
        _crash_at_second_epoch(patch)
        with pytest.raises(RuntimeError, match="simulated crash"):
            forecaster("crashed").fit(co2_csv, fill="interpolate")
    resumed = forecaster("crashed").fit(co2_csv, fill="interpolate", resume=True)

    expected = uninterrupted.task_.state_dict()
    for key, value in resumed.task_.state_dict().items():
        torch.testing.assert_close(value, expected[key], atol=1e-6, rtol=0)
    client = mlflow.MlflowClient(resumed.settings["tracking_uri"])
    (run,) = client.search_runs([e.experiment_id for e in client.search_experiments()])
    assert run.info.run_id == resumed.run_id_
    assert len(client.get_metric_history(run.info.run_id, "val_mse")) == 2  # one per epoch, both epochs
    with pytest.raises(ConfigError, match="out_dir"):
        Forecaster(model="nlinear", log_to_mlflow=False).fit(co2_csv, fill="interpolate", resume=True)


def test_ema_decay_fits_the_hand_computed_average_of_the_optimizer_steps(co2_csv, tmp_path, monkeypatch):
    from lightning.pytorch.callbacks import Callback

    class RecordWeights(Callback):
        def __init__(self):
            self.steps: list[dict[str, torch.Tensor]] = []

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
            self.steps.append({k: p.detach().clone() for k, p in pl_module.named_parameters()})

    recorder, decay = RecordWeights(), 0.8
    _add_callbacks(monkeypatch, recorder)
    forecaster = Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, lr=3e-3,
                            ema_decay=decay, log_to_mlflow=False, out_dir=str(tmp_path / "out"),
                            trainer_options={"limit_train_batches": 8, "limit_val_batches": 2})  # fmt: skip
    forecaster.fit(co2_csv, fill="interpolate")
    assert len(recorder.steps) == 8
    average = recorder.steps[0]  # the first step copies the weights, every later one averages
    for weights in recorder.steps[1:]:
        average = {k: torch.lerp(average[k], w, 1 - decay) for k, w in weights.items()}
    fitted = dict(forecaster.task_.named_parameters())
    for name, value in average.items():
        torch.testing.assert_close(fitted[name], value, atol=1e-7, rtol=0)
        assert not torch.allclose(fitted[name], recorder.steps[-1][name], atol=1e-4, rtol=0), name
    # constant buffers (the scaler and its flag) come through the averaging unchanged
    datamodule = ForecastDataModule(path=str(co2_csv), fill="interpolate", lookback=LOOKBACK, horizon=HORIZON)
    datamodule.setup("fit")
    assert forecaster.task_.scaler_mean.tolist() == datamodule.scaler.mean and forecaster.task_.scaler_fitted
    forecaster.save(tmp_path / "export")
    loaded = Forecaster.load(tmp_path / "export")
    assert loaded.ema_decay == decay
    pd.testing.assert_frame_equal(loaded.predict(), forecaster.predict())


@pytest.mark.parametrize("decay", [0, 1, 1.5, -0.1, True, "0.99"])
def test_invalid_ema_decay_is_a_config_error(decay):
    with pytest.raises(ConfigError, match=r"ema_decay must be a number strictly between 0 and 1"):
        Forecaster(ema_decay=decay)


def test_metrics_describe_the_returned_best_checkpoint_not_the_last_epoch(co2_csv, tmp_path, monkeypatch):
    import lightning.pytorch as pl

    from ssm_ts.export import load_checkpoint

    _add_callbacks(monkeypatch, RuinEpoch(ruin=1))  # the last epoch is the worst
    forecaster = Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=2, patience=None,
                            log_to_mlflow=False, out_dir=str(tmp_path / "out"),
                            trainer_options={"limit_train_batches": 4})  # fmt: skip
    forecaster.fit(co2_csv, fill="interpolate")
    assert "epoch=0" in forecaster.best_checkpoint_  # the ruined last epoch is not returned
    checkpoint = load_checkpoint(forecaster.best_checkpoint_)
    (best_score,) = [
        v["best_model_score"] for k, v in checkpoint["callbacks"].items() if "ModelCheckpoint" in k
    ]
    assert forecaster.metrics_["val_loss"] == pytest.approx(float(best_score), rel=1e-5)
    datamodule = ForecastDataModule(path=str(co2_csv), fill="interpolate", lookback=LOOKBACK, horizon=HORIZON)
    trainer = pl.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
    (fresh,) = trainer.validate(forecaster.task_, datamodule=datamodule, verbose=False)
    for name in ("val_loss", "val_mse", "val_mae_orig"):
        assert forecaster.metrics_[name] == pytest.approx(fresh[name], rel=1e-5), name


def test_a_small_signal_on_a_large_level_survives_scaling(tmp_path):
    """1e8 + 5 sin: float32 holds 1e8 only to the nearest 8, so raw values are scaled in float64."""
    t = np.arange(800)
    data = pd.DataFrame({"ds": pd.date_range("2020-01-01", periods=800, freq="h"),
                         "y": 1e8 + 5 * np.sin(2 * np.pi * t / 24)})  # fmt: skip
    forecaster = Forecaster(model="nlinear", lookback=48, horizon=12, max_epochs=3, lr=1e-2, log_to_mlflow=False,
                            out_dir=str(tmp_path / "out"))  # fmt: skip
    forecast = forecaster.fit(data).predict()
    truth = 1e8 + 5 * np.sin(2 * np.pi * np.arange(800, 812) / 24)
    assert forecast["y"].dtype == np.float64 and forecast["y"].std() > 2  # the sine, not a flat 1e8
    assert np.abs(forecast["y"] - truth).mean() < 1.0
    backtest = forecaster.backtest(data, n_windows=2)
    assert backtest["y"].dtype == np.float64 and np.abs(backtest["y"] - backtest["y_actual"]).mean() < 1.0
    assert forecaster.metrics_["val_mae_orig"] < 1.0


def test_backtest_arguments_and_a_loaded_model_without_data_are_clear(fitted, tmp_path, co2_csv):
    for bad in ({"step": 2.5}, {"step": 0}, {"n_windows": 0}, {"n_windows": True}, {"n_windows": 2.0}):
        with pytest.raises(ConfigError, match="must be a positive whole number"):
            fitted.backtest(co2_csv, **bad)
    fitted.save(tmp_path / "model")
    loaded = Forecaster.load(tmp_path / "model")
    with pytest.raises(DataError, match=rf"keeps only the last {LOOKBACK} rows.*backtest\(data\)"):
        loaded.backtest()
    assert len(loaded.backtest(co2_csv, n_windows=2)) == 2 * HORIZON


class RuinEpoch(Callback):
    """Records the epochs run and scrambles the weights during epoch ``ruin``: its val_loss is the worst."""

    def __init__(self, ruin: int):
        self.ruin = ruin
        self.epochs: list[int] = []

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self.epochs.append(trainer.current_epoch)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.current_epoch == self.ruin:
            with torch.no_grad():
                for parameter in pl_module.parameters():
                    parameter.add_(torch.randn_like(parameter))


@pytest.mark.parametrize(("patience", "epochs"), [(0, [0, 1]), (None, [0, 1, 2])])
def test_patience_zero_stops_at_the_first_worse_epoch_and_none_never_stops(
    co2_csv, tmp_path, monkeypatch, patience, epochs
):
    recorder = RuinEpoch(ruin=1)
    _add_callbacks(monkeypatch, recorder)
    Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=3, patience=patience,
               log_to_mlflow=False, out_dir=str(tmp_path / "out"),
               trainer_options={"limit_train_batches": 4}).fit(co2_csv, fill="interpolate")  # fmt: skip
    assert recorder.epochs == epochs


@pytest.mark.parametrize("patience", [-1, 1.5, True])
def test_invalid_patience_is_a_config_error(patience):
    with pytest.raises(ConfigError, match="patience must be a whole number"):
        Forecaster(patience=patience)


def test_trainer_options_add_callbacks_and_refuse_a_logger(tmp_path):
    class CountEpochs(Callback):
        epochs = 0

        def on_train_epoch_end(self, trainer, pl_module):
            CountEpochs.epochs += 1

    hours = pd.date_range("2020-01-01", periods=300, freq="h")
    frame = pd.DataFrame({"time": hours, "y": np.sin(np.arange(300) / 5.0)})
    settings = dict(
        model="nlinear", lookback=24, horizon=6, max_epochs=2, log_to_mlflow=False, out_dir=str(tmp_path)
    )
    Forecaster(**settings, trainer_options={"callbacks": [CountEpochs()], "enable_progress_bar": False}).fit(
        frame
    )
    assert CountEpochs.epochs == 2
    with pytest.raises(ConfigError, match="'logger' is set by ssm-ts"):
        Forecaster(**settings, trainer_options={"logger": False}).fit(frame)


def test_a_series_in_a_zone_with_daylight_saving_saves_and_loads(tmp_path):
    hours = pd.date_range("2016-10-20", periods=400, freq="h", tz="Europe/Berlin")  # crosses 30 October
    frame = pd.DataFrame({"time": hours, "y": np.sin(np.arange(400) / 5.0)})
    forecaster = Forecaster(model="nlinear", lookback=240, horizon=6, max_epochs=1, log_to_mlflow=False,
                            out_dir=str(tmp_path / "out")).fit(frame)  # fmt: skip
    forecaster.save(tmp_path / "model")
    loaded = Forecaster.load(tmp_path / "model")  # its saved history crosses the switch
    expected, got = forecaster.predict(), loaded.predict()
    pd.testing.assert_frame_equal(got, expected)
    assert str(got["time"].dt.tz) == "Europe/Berlin"


def _hourly_sine(n: int, **columns) -> pd.DataFrame:
    dates = pd.date_range("2021-01-01", periods=n, freq="h")
    return pd.DataFrame({"date": dates, "y": 10 + np.sin(2 * np.pi * np.arange(n) / 24), **columns})


def test_backtest_actuals_are_nan_where_the_fill_policy_invented_them(tmp_path):
    data = _hourly_sine(400)
    forecaster = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False,
                            out_dir=str(tmp_path / "out"))  # fmt: skip
    holes = data.copy()
    holes.loc[[396, 397], "y"] = np.nan  # two missing observations inside the last window
    forecaster.fit(holes.drop(index=[390]), fill="interpolate")  # and one missing timestamp
    for backtest in (
        forecaster.backtest(holes.drop(index=[390]), n_windows=2),
        forecaster.backtest(n_windows=2),
    ):
        assert len(backtest) == 12 and backtest["y"].notna().all()  # forecasts everywhere
        missing = backtest["date"].isin(data["date"].iloc[[390, 396, 397]]).to_numpy()
        assert missing.sum() == 3 and backtest["y_actual"][missing].isna().all()
        assert np.allclose(
            backtest["y_actual"][~missing], data.set_index("date").loc[backtest["date"][~missing], "y"]
        )


def test_predict_without_data_uses_the_future_covariate_rows_left_out_of_training(tmp_path):
    data = _hourly_sine(406)
    data["hour"] = data["date"].dt.hour.astype(float)
    data.loc[400:, "y"] = np.nan  # 6 future rows: covariate known, target not
    forecaster = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False,
                            out_dir=str(tmp_path / "out"))  # fmt: skip
    with pytest.warns(UserWarning, match="left out of training"):
        forecaster.fit(data, target="y", future_covariates=["hour"])
    assert len(forecaster.history_) == 400
    forecast = forecaster.predict()
    assert list(forecast["date"]) == list(data["date"].iloc[400:]) and forecast["y"].notna().all()
    pd.testing.assert_frame_equal(forecast, forecaster.predict(data))
    assert list(forecaster.future_times()) == list(forecast["date"])
    forecaster.save(tmp_path / "model")  # the rows travel with the saved model
    pd.testing.assert_frame_equal(Forecaster.load(tmp_path / "model").predict(), forecast)


def test_an_integer_year_series_fits_predicts_backtests_plots_logs_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"year": np.arange(1900, 2020), "gdp": np.cumsum(rng.normal(size=120)) + 50})
    forecaster = Forecaster(model="nlinear", lookback=8, horizon=2, max_epochs=1, out_dir=str(tmp_path / "out"),
                            tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")  # fmt: skip
    forecaster.fit(data)
    assert forecaster.spec_.freq == 1 and forecaster.spec_.time_col == "year"
    forecast = forecaster.predict()
    assert forecast["year"].tolist() == [2020, 2021] and forecast["year"].dtype == np.int64
    assert forecaster.future_times().tolist() == [2020, 2021]
    assert forecaster.predict(data.iloc[:100])["year"].tolist() == [2000, 2001]
    backtest = forecaster.backtest(n_windows=3)
    assert backtest["year"].tolist() == [2014, 2015, 2016, 2017, 2018, 2019]
    assert backtest["cutoff"].tolist() == [2013, 2013, 2015, 2015, 2017, 2017]
    assert np.allclose(backtest["gdp_actual"], data["gdp"].iloc[-6:])
    assert forecaster.plot().axes[0].get_ylabel() == "gdp"
    forecaster.save(tmp_path / "model")
    loaded = Forecaster.load(tmp_path / "model")
    assert loaded.spec_ == forecaster.spec_ and loaded.history_["year"].dtype == np.int64
    pd.testing.assert_frame_equal(loaded.predict(), forecast)
    pd.testing.assert_frame_equal(loaded.backtest(data, n_windows=3), backtest)
    mlflow.set_tracking_uri(forecaster.settings["tracking_uri"])
    logged = mlflow.pyfunc.load_model(f"runs:/{forecaster.run_id_}/model")
    pd.testing.assert_frame_equal(logged.predict(data.iloc[:100]), forecaster.predict(data.iloc[:100]))


def test_long_layout_keeps_series_whose_names_extend_each_other_apart():
    from ssm_ts.pipelines.forecasting import SeriesSpec, to_long_forecast

    spec = SeriesSpec(time_col="ds", targets=["a", "a_q"], freq="D", long_format=True)
    wide = pd.DataFrame(
        {"ds": [1, 2], "a": [1.0, 2], "a_q0.5": [1.0, 2], "a_q": [7.0, 8], "a_q_q0.5": [7.0, 8]}
    )
    long = to_long_forecast(wide, spec)
    assert long[long["unique_id"] == "a_q"]["y_q0.5"].tolist() == [7.0, 8.0]
    assert long[long["unique_id"] == "a"]["y_q0.5"].tolist() == [1.0, 2.0]
