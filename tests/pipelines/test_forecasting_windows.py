"""Splits (protocol presets), the train-only scaler, stride-1 windows and the data module on real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import StandardScaler

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.forecasting import (
    ForecastDataModule,
    SplitBoundaries,
    last_window,
    load_series,
    model_inputs,
    split_boundaries,
)


def test_protocol_presets_match_the_long_horizon_protocol():
    assert split_boundaries(17420, "ett_h") == SplitBoundaries(8640, 11520, 14400)
    assert split_boundaries(69680, "ett_m") == SplitBoundaries(34560, 46080, 57600)
    # other files: int(0.7 n) train, int(0.2 n) test, validation the rest
    assert split_boundaries(7588, "standard") == SplitBoundaries(5311, 7588 - 1517, 7588)
    assert split_boundaries(100, fractions=[0.6, 0.2, 0.2]) == SplitBoundaries(60, 80, 100)
    assert split_boundaries(100, boundaries=[50, 70]) == SplitBoundaries(50, 70, 100)
    with pytest.raises(DataError, match="at least 14400 rows"):
        split_boundaries(1000, "ett_h")
    with pytest.raises(ConfigError, match="fractions"):
        split_boundaries(100, fractions=[0.8, 0.3, 0.1])
    with pytest.raises(ConfigError, match="unknown split"):
        split_boundaries(100, "random")


def test_eval_windows_start_one_lookback_early_and_never_cross_boundaries():
    bounds = SplitBoundaries(8640, 11520, 14400)
    lookback, horizon = 336, 96
    test = bounds.window_starts("test", lookback, horizon)
    assert test[0] == 11520 - 336 and test[-1] + lookback + horizon == 14400
    assert len(test) == 14400 - 11520 - horizon + 1  # every test window, none dropped
    train = bounds.window_starts("train", lookback, horizon)
    assert train[0] == 0 and train[-1] + lookback + horizon == 8640


def test_ett_datamodule_scaler_is_fitted_on_train_rows_only(shared_data):
    dm = ForecastDataModule(
        path=str(shared_data / "forecasting" / "ETTh1.csv"),
        lookback=336,
        horizon=96,
        split="ett_h",
        batch_size=8,
    )
    dm.setup("fit")
    assert dm.n_channels == dm.n_outputs == 7
    train_values = dm.frame[dm.spec.input_columns].to_numpy()[:8640]
    reference = StandardScaler().fit(train_values)
    assert np.allclose(dm.scaler.mean, reference.mean_) and np.allclose(dm.scaler.scale, reference.scale_)
    assert len(dm.windows("test")) == 2785 and len(dm.windows("val")) == 2785
    x, y = next(iter(dm.val_dataloader()))
    assert x.shape == (32, 336, 7) and y.shape == (32, 96, 7)
    # the first validation window's targets start at the first validation row
    assert np.allclose(y[0, 0].numpy(), dm.frame[dm.spec.targets].iloc[8640].to_numpy(), atol=1e-5)
    assert np.allclose(x[0, -1].numpy(), dm.frame[dm.spec.targets].iloc[8639].to_numpy(), atol=1e-5)


def test_univariate_ot_and_too_short_series(shared_data):
    dm = ForecastDataModule(
        path=str(shared_data / "forecasting" / "national_illness.csv"), target="OT", lookback=36, horizon=24
    )
    dm.setup("fit")
    assert dm.n_channels == 1 and len(dm.windows("train")) == int(0.7 * 966) - 36 - 24 + 1
    short = ForecastDataModule(
        path=str(shared_data / "forecasting" / "national_illness.csv"), target="OT", lookback=700, horizon=24
    )
    with pytest.raises(
        DataError, match=r"train split has 676 rows but one window needs 724.*shorter lookback"
    ):
        short.setup("fit")


def test_future_covariates_are_shifted_into_the_lookback():
    n, horizon = 60, 5
    frame = pd.DataFrame(
        {
            "ds": pd.date_range("2020-01-01", periods=n, freq="D"),
            "y": np.arange(n, dtype=float),
            "promo": np.arange(n, dtype=float) * 10,
        }
    )
    shifted = model_inputs(frame[["y", "promo"]].to_numpy(), 1, horizon)
    assert shifted[0, 1] == 10 * horizon and np.isnan(shifted[-1, 1])
    future = pd.DataFrame(
        {
            "ds": pd.date_range("2020-03-01", periods=horizon, freq="D"),
            "y": np.nan,
            "promo": 10.0 * np.arange(n, n + horizon),
        }
    )
    values, spec = load_series(
        pd.concat([frame, future]), target="y", future_covariates=["promo"], allow_future_rows=True
    )
    x, last_time = last_window(values, spec, 8, horizon)
    assert last_time == frame["ds"].iloc[-1]
    assert x[-1, 0] == n - 1 and x[-1, 1] == 10 * (n - 1 + horizon)
    with pytest.raises(DataError, match="append 5 rows"):
        last_window(values.iloc[:n], spec, 8, horizon)


def test_future_covariates_with_horizon_beyond_lookback_are_a_config_error():
    """The shifted covariates fill the window's last ``horizon`` rows: a shorter window cannot hold them."""
    frame = pd.DataFrame(
        {"ds": pd.date_range("2020-01-01", periods=200, freq="h"), "y": np.sin(np.arange(200.0)),
         "hour": np.arange(200.0) % 24}
    )  # fmt: skip
    module = ForecastDataModule.from_frame(
        frame, target="y", future_covariates=["hour"], lookback=4, horizon=8
    )
    with pytest.raises(ConfigError, match=r"lookback 4 < horizon 8.*lookback to at least 8.*past_covariates"):
        module.setup("fit")
    ForecastDataModule.from_frame(frame, target="y", future_covariates=["hour"], lookback=8, horizon=8).setup(
        "fit"
    )
    ForecastDataModule.from_frame(frame, target="y", past_covariates=["hour"], lookback=4, horizon=8).setup(
        "fit"
    )
