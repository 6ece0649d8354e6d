"""A neuralforecast notebook ported to ssm-ts: a long ETTh1 panel (``unique_id, ds, y``) with each
series' own past and known-future columns and a ``static_df``, backtested as ``cross_validation``
(``step_size``) and plotted with its ``futr_df``."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError, DataError

matplotlib.use("Agg")

TRAINER = {"limit_train_batches": 2, "limit_val_batches": 2, "enable_progress_bar": False,
           "enable_model_summary": False}  # fmt: skip
H = 6
STATIC = pd.DataFrame({"unique_id": ["OT", "HUFL"], "size": [10.0, 50.0]})


@pytest.fixture(scope="module")
def panel(ett) -> pd.DataFrame:
    """``unique_id, ds, y, load, hour``: OT with MULL as its load, HUFL with LULL; ``hour`` a
    known-future column of each series (its own scale)."""
    rows = ett.iloc[:300]
    hour = pd.to_datetime(rows["date"]).dt.hour.to_numpy()
    return pd.concat(
        [pd.DataFrame({"unique_id": name, "ds": rows["date"], "y": rows[name], "load": rows[load],
                       "hour": np.sin(2 * np.pi * hour / 24) * k})
         for k, (name, load) in enumerate((("OT", "MULL"), ("HUFL", "LULL")), start=1)],
        ignore_index=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def fitted(panel, tmp_path_factory) -> Forecaster:
    torch.set_num_threads(1)
    fc = Forecaster(model="nlinear", lookback=24, horizon=H, max_epochs=1, seed=0, log_to_mlflow=False,
                    out_dir=str(tmp_path_factory.mktemp("nf33")), trainer_options=TRAINER)  # fmt: skip
    train = panel.groupby("unique_id").head(300 - H)
    return fc.fit(train, past_covariates=["load"], future_covariates=["hour"], static_df=STATIC)


def split(panel: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The history and neuralforecast's ``futr_df`` (``unique_id, ds, hour`` of the last H steps)."""
    return panel.groupby("unique_id").head(300 - H), panel.groupby("unique_id").tail(H)[
        ["unique_id", "ds", "hour"]
    ]


def test_backtest_takes_cross_validations_step_size(fitted, panel):
    """``cross_validation(n_windows=2, step_size=3)`` ported as ``backtest(..., step_size=3)`` is
    ``backtest(..., step=3)`` (it failed with Python's 'unexpected keyword argument')."""
    ported = fitted.backtest(panel, n_windows=2, step_size=3)
    pd.testing.assert_frame_equal(ported, fitted.backtest(panel, n_windows=2, step=3))
    cutoffs = sorted(pd.to_datetime(ported["cutoff"].unique()))
    assert cutoffs[1] - cutoffs[0] == pd.Timedelta(hours=3)


def test_backtest_step_and_a_different_step_size_are_refused(fitted, panel):
    with pytest.raises(ConfigError, match=r"step=2 and step_size=3.*backtest\(\.\.\., step=3\)"):
        fitted.backtest(panel, n_windows=2, step=2, step_size=3)
    assert len(fitted.backtest(panel, n_windows=2, step=3, step_size=3)) == 2 * H * 2  # the same: no error


def test_backtest_and_plot_take_neuralforecasts_df(fitted, panel):
    """``cross_validation(df=Y_df)`` ported as ``backtest(df=Y_df)``, and ``plot(df=...)``, read ``df``
    as ``data`` (Python's 'unexpected keyword argument' before); both names, other frames, refused."""
    pd.testing.assert_frame_equal(fitted.backtest(df=panel, n_windows=1), fitted.backtest(panel, n_windows=1))
    history, futr = split(panel)
    figure = fitted.plot(df=history, futr_df=futr, series="OT")
    drawn = [np.asarray(line.get_ydata(), dtype=float) for line in figure.axes[0].lines]
    expected = fitted.predict(history, futr_df=futr)
    assert any(np.allclose(y, expected.loc[expected["unique_id"] == "OT", "y"]) for y in drawn if len(y) == H)
    with pytest.raises(
        ConfigError, match=r"data=<a DataFrame> and df=<a DataFrame>.*backtest\(\.\.\., data=df\)"
    ):
        fitted.backtest(history, df=panel)


def test_plot_draws_the_forecast_of_its_futr_df(fitted, panel):
    """``plot(data=df, futr_df=futr)`` draws ``predict(df, futr_df=futr)``: a model with a known-future
    column could not be plotted from its data (plot had no futr_df, and its error's fix was
    ``predict(futr_df=futr)``)."""
    history, futr = split(panel)
    figure = fitted.plot(data=history, futr_df=futr, series="HUFL")
    expected = fitted.predict(history, futr_df=futr)
    expected = expected.loc[expected["unique_id"] == "HUFL", "y"].to_numpy()
    drawn = [np.asarray(line.get_ydata(), dtype=float) for line in figure.axes[0].lines]
    assert any(len(y) == H and np.allclose(y, expected) for y in drawn)


def test_plot_short_of_future_rows_gives_plots_futr_df(fitted, panel):
    """The fix of a plot short of known-future rows names plot's futr_df, and asks for the column
    given (hour), not the statics the model keeps (plot's own forecast asked for futr['size'])."""
    history, _ = split(panel)
    with pytest.raises(DataError, match=r"then model\.plot\(data=df, futr_df=futr\)") as error:
        fitted.plot(data=history)
    assert "futr['size']" not in str(error.value) and "futr['hour']" in str(error.value)


def test_plot_of_a_forecast_and_a_futr_df_is_refused(fitted, panel):
    history, futr = split(panel)
    forecast = fitted.predict(history, futr_df=futr)
    with pytest.raises(ConfigError, match="leave futr_df out"):
        fitted.plot(forecast, data=history, futr_df=futr)
