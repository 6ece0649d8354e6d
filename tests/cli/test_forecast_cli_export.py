"""What ``ssm-ts forecast fit`` leaves behind loads as a Forecaster with the settings it was fitted
with, and an integer-step series takes its step from ``--data.freq``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ssm_ts import Forecaster, cli
from ssm_ts.cli.lightning_cli import SSMTSCLI
from tests.cli.test_classify_cli import load_logged_model


def ett_fit_args(shared_data: Path, tmp_path: Path, rows: int) -> tuple[str, list[str]]:
    """Write ETTh1's first ``rows`` rows (date, HUFL, OT) to ``tmp_path/ett.csv``; return an sqlite
    tracking URI in ``tmp_path`` and the ``ssm-ts forecast fit`` arguments of a one-epoch NLinear
    (lookback 48, horizon 12) on that file, logging there. Run from ``tmp_path``."""
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "HUFL", "OT"]).iloc[:rows]
    frame.to_csv(tmp_path / "ett.csv", index=False)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    args = ["forecast", "fit", "--data.path", "ett.csv", "--model.model", "nlinear", "--model.lookback", "48",
            "--model.horizon", "12", "--trainer.max_epochs", "1", "--out", str(tmp_path / "out"),
            "--tracking_uri", uri]  # fmt: skip
    return uri, args


def only_run_id(uri: str) -> str:
    """The id of the one run the store at ``uri`` holds."""
    import mlflow

    client = mlflow.MlflowClient(uri)
    (run,) = client.search_runs([e.experiment_id for e in client.search_experiments()])
    return run.info.run_id


def test_cli_export_reloads_with_its_settings_and_integer_steps(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    years = np.arange(1800, 2100, 2)  # a step of 2
    pd.DataFrame({"year": years, "y": np.sin(years / 7.0)}).to_csv(tmp_path / "years.csv", index=False)
    out = tmp_path / "out"
    args = ["forecast", "fit", "--data.path", "years.csv", "--data.freq", "2", "--model.model", "nlinear",
            "--model.lookback", "24", "--model.horizon", "5", "--model.model_options", "{instance_norm: mean_std}",
            "--data.fractions", "[0.6, 0.2, 0.2]", "--data.batch_size", "16",
            "--trainer.max_epochs", "1", "--out", str(out)]  # fmt: skip
    assert cli.main(args) == 0
    loaded = Forecaster.load(out / "export")
    assert loaded.settings["model"] == "nlinear" and loaded.settings["lookback"] == 24
    assert loaded.settings["model_options"] == {"instance_norm": "mean_std"}
    # the data split, batch size and epoch budget come back too, so a refit repeats this fit
    assert loaded.settings["fractions"] == [0.6, 0.2, 0.2] and loaded.settings["batch_size"] == 16
    assert loaded.settings["max_epochs"] == 1
    assert loaded.spec_.freq == 2
    assert loaded.predict()["year"].tolist() == [2100, 2102, 2104, 2106, 2108]


def test_forecast_predict_takes_n_steps_as_the_api_does(tmp_path, monkeypatch, capsys):
    # the CLI forecast the horizon only; --n gives a slice below it and a rollout beyond it
    monkeypatch.chdir(tmp_path)
    years = np.arange(1800, 2100, 2)
    pd.DataFrame({"year": years, "y": np.sin(years / 7.0)}).to_csv(tmp_path / "years.csv", index=False)
    out = tmp_path / "out"
    fit = ["forecast", "fit", "--data.path", "years.csv", "--data.freq", "2", "--model.model", "nlinear",
           "--model.lookback", "24", "--model.horizon", "5", "--data.batch_size", "16",
           "--trainer.max_epochs", "1", "--out", str(out)]  # fmt: skip
    assert cli.main(fit) == 0
    loaded = Forecaster.load(out / "export")
    for n in (3, 12):
        assert cli.main(["forecast", "predict", "--ckpt_path", "best", "--out", str(out), "--n", str(n)]) == 0
        written = pd.read_csv(out / "forecast.csv")
        pd.testing.assert_frame_equal(written, loaded.predict(n=n), check_dtype=False, atol=1e-6)
    assert written["year"].tolist() == list(range(2100, 2124, 2))
    # a bad --n is refused before the prediction runs (it ran whole first), in the CLI's spelling
    predicted = []
    monkeypatch.setattr(SSMTSCLI, "_evaluate", lambda *args, **kwargs: predicted.append(1))
    capsys.readouterr()
    assert cli.main(["forecast", "predict", "--ckpt_path", "best", "--out", str(out), "--n", "0"]) == 1
    assert not predicted and "--n must be a positive whole number" in capsys.readouterr().err


def test_the_model_a_cli_fit_logs_takes_params_n(shared_data, tmp_path, monkeypatch):
    """``ssm-ts forecast fit`` logs its pyfunc with a signature that declares ``n`` and ``level`` (MLflow
    drops params a signature does not declare, so ``params={"n": 2}`` forecast the whole horizon), and
    with the conformal scores of its validation windows, so ``level`` gives intervals."""
    monkeypatch.chdir(tmp_path)
    uri, args = ett_fit_args(shared_data, tmp_path, rows=1200)
    assert cli.main(args) == 0
    loaded = load_logged_model(uri, only_run_id(uri))
    params = {p.name: p.default for p in loaded.metadata.get_params_schema().params}
    assert params == {"n": 12, "level": [], "interval_method": ""}
    two = loaded.predict(pd.DataFrame(), params={"n": 2})
    assert len(two) == 2 and two[["HUFL", "OT"]].notna().all().all()
    assert len(loaded.predict(pd.DataFrame())) == 12
    # the fit calibrated on its validation split and stored the scores with the model, as Forecaster.fit does
    intervals = loaded.predict(pd.DataFrame(), params={"level": [80, 95]})
    api = Forecaster.load(tmp_path / "out" / "export")
    pd.testing.assert_frame_equal(intervals, api.predict(level=[80, 95]))
    for target in ("HUFL", "OT"):
        assert (intervals[f"{target}_lo-95"] <= intervals[f"{target}_lo-80"]).all()
        assert (intervals[f"{target}_lo-80"] < intervals[target]).all()
        assert (intervals[target] < intervals[f"{target}_hi-80"]).all()
