"""A ragged panel whose series each carry their own known-future column (neuralforecast's futr
exogenous) fits, forecasts and backtests: the column of a series that ends early keeps that series'
span, as its target and past columns do. It was refused as NaN in the internal series
``exog_futr[HULL]``, with a fill that would invent values where the series does not exist."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ssm_ts import Forecaster

TRAINER = {"limit_train_batches": 2, "limit_val_batches": 2, "enable_progress_bar": False,
           "enable_model_summary": False}  # fmt: skip


def test_a_series_ending_early_keeps_its_known_future_column_span(ett, tmp_path):
    rows = ett.iloc[:400]
    parts = [
        pd.DataFrame(
            {"unique_id": name, "ds": rows["date"], "y": rows[name], "promo": np.sin(np.arange(400) / 24 + k)}
        )
        for k, name in enumerate(["HUFL", "HULL", "OT"])
    ]
    panel = pd.concat(parts, ignore_index=True)
    step = panel.groupby("unique_id").cumcount()
    ragged = panel[~((panel["unique_id"] == "HULL") & (step >= 397))]  # HULL ends 3 hours early
    static = pd.DataFrame({"unique_id": ["HUFL", "HULL", "OT"], "size": [1.0, 2.0, 3.0]})
    fc = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False,
                    out_dir=str(tmp_path), trainer_options=TRAINER)  # fmt: skip
    fc.fit(ragged, future_covariates=["promo"], static_df=static)
    backtest = fc.backtest(ragged, n_windows=2)
    assert backtest.groupby("unique_id").size().to_dict() == {"HUFL": 12, "HULL": 12, "OT": 12}
    hull = backtest[backtest["unique_id"] == "HULL"]
    assert hull["ds"].max() == rows["date"].iloc[396]  # HULL's windows end at its own last time
    assert np.isfinite(backtest["y"]).all()
