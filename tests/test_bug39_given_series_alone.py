"""``ssm-ts forecast predict`` of a long table holding some of the series a channel-independent model was
fitted on runs the network on those series alone, as ``Forecaster.predict`` does: it forecast stand-ins
for the absent series (copies of a given one) and dropped them, a network pass per fitted series. The
forecast written is the same."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ssm_ts.tasks import forecast_outputs
from tests.cli_runs import run_cli_in

SERIES = ["HUFL", "HULL", "OT"]


@pytest.fixture(scope="module")
def fitted(shared_data, tmp_path_factory) -> Path:
    """A folder with a one-epoch nlinear CLI fit on 300 hourly rows of three ETTh1 series as a long
    table, and ``today.csv`` (350 rows of each) and ``some.csv`` (the same without HULL)."""
    folder = tmp_path_factory.mktemp("bug39_given")
    wide = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", nrows=350)[["date", *SERIES]]
    long = wide.melt(id_vars="date", var_name="unique_id", value_name="y").rename(columns={"date": "ds"})
    long[long["ds"] < wide["date"].iloc[300]].to_csv(folder / "fit.csv", index=False)
    long.to_csv(folder / "today.csv", index=False)
    long[long["unique_id"] != "HULL"].to_csv(folder / "some.csv", index=False)
    args = ["forecast", "fit", "--model.model", "nlinear", "--model.lookback", "16", "--model.horizon", "4",
            "--data.path", "fit.csv", "--trainer.max_epochs", "1", "--trainer.limit_train_batches", "2",
            "--trainer.enable_progress_bar", "false", "--trainer.logger", "false", "--out", "out"]  # fmt: skip
    run_cli_in(folder, args, shared_data)
    return folder


@pytest.mark.parametrize("level", [[], ["--level", "80"]], ids=["point", "intervals"])
def test_the_network_runs_on_the_given_series_alone(fitted, shared_data, monkeypatch, level):
    forecast_after = forecast_outputs.ForecastOutputs.forecast_after
    forecast = [
        "forecast",
        "predict",
        "--ckpt_path",
        "best",
        "--out",
        "out",
        "--trainer.enable_progress_bar",
        "false",
    ]
    run_cli_in(fitted, [*forecast, "--data.path", "today.csv", *level], shared_data)
    full = pd.read_csv(fitted / "out" / "forecast.csv")
    run: list[list[str]] = []

    def recorded(self, frame, spec, n=None, series=None):
        run.append([spec.targets[i] for i in series] if series is not None else list(spec.targets))
        return forecast_after(self, frame, spec, n=n, series=series)

    monkeypatch.setattr(forecast_outputs.ForecastOutputs, "forecast_after", recorded)
    run_cli_in(fitted, [*forecast, "--data.path", "some.csv", *level], shared_data)
    assert run and all(names == ["HUFL", "OT"] for names in run)  # the forecast's and the plot's
    some = pd.read_csv(fitted / "out" / "forecast.csv")
    expected = full[full["unique_id"].isin(["HUFL", "OT"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(some, expected)
