"""ForecastingTask on real data: it learns (beats last-value), reports scaled and original metrics,
carries its scaler in checkpoints, and the CLI fits, logs and predicts files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.tasks.forecasting import ForecastingTask
from ssm_ts.training import build_trainer

REPO = Path(__file__).resolve().parents[2]


def ett_module(shared_data, **overrides) -> ForecastDataModule:
    settings = dict(path=str(shared_data / "forecasting" / "ETTh1.csv"), target="OT", lookback=48, horizon=12,
                    boundaries=[2000, 2400, 2800], batch_size=64)  # fmt: skip
    settings.update(overrides)
    return ForecastDataModule(**settings)


def naive_test_mse(dm: ForecastDataModule) -> float:
    """Scaled-space MSE of repeating the last observed value over the horizon, on the test windows."""
    windows = dm.windows("test")
    scale = np.asarray(dm.scaler.scale[:1])
    errors = []
    for i in range(len(windows)):
        x, y = (t.numpy() for t in windows[i])
        errors.append((((y - x[-1:, :1]) / scale) ** 2).mean())
    return float(np.mean(errors))


def test_task_learns_on_ett_and_reports_both_units(shared_data, tmp_path):
    dm = ett_module(shared_data)
    task = ForecastingTask(model="nlinear", lookback=48, horizon=12, lr=3e-3)
    trainer = build_trainer(max_epochs=2, out_dir=tmp_path)
    trainer.fit(task, datamodule=dm)
    assert task.hparams.n_channels == 1 and task.hparams.n_outputs == 1  # read from the data
    assert torch.allclose(task.scaler_mean, torch.tensor(dm.scaler.mean, dtype=torch.float64))
    (metrics,) = trainer.test(task, datamodule=dm, verbose=False)
    scale = dm.scaler.scale[0]
    assert metrics["test_mse_orig"] == pytest.approx(metrics["test_mse"] * scale**2, rel=1e-3)
    assert metrics["test_mae_orig"] == pytest.approx(metrics["test_mae"] * scale, rel=1e-3)
    assert metrics["test_mse"] < naive_test_mse(dm)  # learning happened: beats last-value on held-out rows


def test_checkpoint_carries_scaler_and_spec_and_predict_writes_files(shared_data, tmp_path):
    dm = ett_module(shared_data, target=["OT", "HUFL"])
    task = ForecastingTask(model="nlinear", lookback=48, horizon=12, quantiles=[0.9, 0.1, 0.5])
    assert task.hparams.quantiles == [0.1, 0.5, 0.9]
    trainer = build_trainer(max_epochs=1, out_dir=tmp_path, limit_train_batches=5, limit_val_batches=2)
    trainer.fit(task, datamodule=dm)
    ckpt = next(tmp_path.rglob("last.ckpt"))
    checkpoint = torch.load(ckpt, weights_only=True)
    assert checkpoint["hyper_parameters"]["n_channels"] == 2
    assert checkpoint["state_dict"]["scaler_scale"].tolist() == pytest.approx(dm.scaler.scale)

    # A new file: the last 100 rows only. It is scaled with the stored scaler, not refitted.
    rows = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv").iloc[:100]
    rows.to_csv(tmp_path / "recent.csv", index=False)
    loaded = ForecastingTask.load_from_checkpoint(ckpt, weights_only=True)
    new_dm = ForecastDataModule(path=str(tmp_path / "recent.csv"), lookback=48, horizon=12)
    predictor = build_trainer(max_epochs=1, out_dir=tmp_path / "predict")
    predictions = predictor.predict(loaded, datamodule=new_dm, ckpt_path=str(ckpt))
    assert new_dm.spec.targets == ["OT", "HUFL"]  # read like the training data (from the checkpoint)
    paths = loaded.write_predictions(predictions, new_dm, tmp_path / "out")
    forecast = pd.read_csv(paths[0], parse_dates=["date"])
    assert [p.name for p in paths] == ["forecast.csv", "forecast.png"] and paths[1].stat().st_size > 0
    assert list(forecast.columns) == ["date", "OT", "OT_q0.1", "OT_q0.5", "OT_q0.9", "HUFL", "HUFL_q0.1",
                                      "HUFL_q0.5", "HUFL_q0.9"]  # fmt: skip
    expected = pd.date_range(
        pd.Timestamp(rows["date"].iloc[-1]) + pd.Timedelta(hours=1), periods=12, freq="h"
    )
    assert (forecast["date"] == expected).all()
    assert (forecast["OT_q0.1"] <= forecast["OT_q0.9"]).all() and (
        forecast["OT"] == forecast["OT_q0.5"]
    ).all()


def test_mismatched_lookback_is_a_config_error(shared_data, tmp_path):
    task = ForecastingTask(model="nlinear", lookback=24, horizon=12)
    trainer = build_trainer(max_epochs=1, out_dir=tmp_path)
    with pytest.raises(ConfigError, match="lookback/horizon"):
        trainer.fit(task, datamodule=ett_module(shared_data))


def test_cli_fit_logs_to_mlflow_then_predict_writes_forecast(tmp_path, monkeypatch):
    import mlflow

    from ssm_ts import cli
    from ssm_ts.datasets import write_co2_csv
    from ssm_ts.tracking.logger import default_tracking_uri

    monkeypatch.chdir(tmp_path)
    write_co2_csv(tmp_path / "co2.csv")
    config = str(REPO / "configs" / "forecast_co2_quick.yaml")
    fast = [
        "--trainer.max_epochs",
        "2",
        "--trainer.limit_train_batches",
        "4",
        "--trainer.limit_val_batches",
        "1",
    ]
    fast += ["--out", str(tmp_path / "out")]
    assert cli.main(["forecast", "fit", "--config", config, *fast]) == 0
    client = mlflow.MlflowClient(default_tracking_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-forecast").experiment_id])
    assert run.data.params["model.lookback"] == "104" and run.data.params["data.fill"] == "interpolate"
    assert len(client.get_metric_history(run.info.run_id, "val_mse")) == 2
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"config.yaml", "checkpoints", "plots"} <= artifacts
    ckpt = str(next((tmp_path / "out").rglob("last.ckpt")))
    args = ["forecast", "predict", "--config", config, "--ckpt_path", ckpt, "--out", str(tmp_path / "pred")]
    assert cli.main(args) == 0
    forecast = pd.read_csv(tmp_path / "pred" / "forecast.csv", parse_dates=["date"])
    assert len(forecast) == 26 and (forecast["date"].diff().dropna() == pd.Timedelta(days=7)).all()
    assert forecast["date"].iloc[0] == pd.Timestamp("2002-01-05")  # the week after the last row (2001-12-29)
    assert (tmp_path / "pred" / "forecast.png").is_file()


@pytest.mark.parametrize(
    ("given", "levels"),
    [([0.05, 0.95], [0.05, 0.5, 0.95]), ([0.9, 0.1, 0.5], [0.1, 0.5, 0.9]), ([0.4, 0.6], [0.4, 0.5, 0.6])],
)
def test_quantiles_always_include_the_median_the_point_forecast_reports(given, levels):
    task = ForecastingTask(model="nlinear", lookback=8, horizon=2, n_channels=1, n_outputs=1, quantiles=given)
    assert task.hparams.quantiles == levels
    assert levels[task.point] == 0.5  # point metrics and the <target> column score the median
    x = torch.randn(3, 8, 1)
    with torch.no_grad():
        prediction = task.forecast(x)
    assert prediction.shape == (3, 2, 1, len(levels))


def test_quantiles_with_loss_mae_warn_that_the_loss_is_ignored():
    with pytest.warns(UserWarning, match=r"loss='mae' is ignored.*pinball"):
        task = ForecastingTask(model="nlinear", lookback=8, horizon=2, quantiles=[0.1, 0.9], loss="mae")
    assert task.loss_fn.__class__.__name__ != "L1Loss"


def test_the_ignored_loss_warning_shows_the_users_fit_line_through_a_forecaster(ett, tmp_path):
    """A Forecaster builds its task inside fit: the warning pointed at ssm-ts's forecaster.py."""
    from ssm_ts import Forecaster

    forecaster = Forecaster(model="nlinear", lookback=24, horizon=4, quantiles=[0.1, 0.9], loss="mae",
                            max_epochs=1, log_to_mlflow=False, out_dir=str(tmp_path),
                            trainer_options={"limit_train_batches": 1, "limit_val_batches": 1})  # fmt: skip
    with pytest.warns(UserWarning, match=r"loss='mae' is ignored") as said:
        forecaster.fit(ett.iloc[:300], time_col="date", target="OT")
    assert [w.filename for w in said if "is ignored" in str(w.message)] == [__file__]
