"""``linear_init="ridge"`` on a ragged panel (real ETTh1 / ETTm1 columns of different spans).

The ridge time map is shared by every series in channel-independent mode, so on a ragged panel it
is fitted on the valid (window, series) pairs only, each series' own windows inside its span, and
alpha is chosen on the valid validation pairs. The fitted map must equal scikit-learn's ridge on
those pairs gathered by hand from the CSV; a multivariate model stays refused with its clear error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.linear_model import Ridge

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from ssm_ts.models.linear import RIDGE_ALPHAS

LOOKBACK, HORIZON, N_ROWS = 48, 12, 1200
# the default split of 1,200 shared rows: train [0, 840), val [840, 960), test [960, 1200)
TRAIN_END, VAL_END = 840, 960
# rows [first, end) each series keeps: OT whole; the others start later and/or end earlier, MUFL
# inside the validation split (so only some of its validation windows count in the choice of alpha)
SPANS = {"OT": (0, 1200), "HUFL": (100, 1150), "LUFL": (300, 1200), "MUFL": (0, 930)}
TINY = {"d_model": 8, "d_state": 8, "n_layers": 1, "linear_init": "ridge"}


def ragged_table(ett: pd.DataFrame, spans: dict[str, tuple[int, int]] = SPANS) -> pd.DataFrame:
    """``unique_id, ds, y`` with series ``name`` holding rows ``spans[name]`` of ``ett``."""
    pieces = [
        pd.DataFrame({"unique_id": name, "ds": ett["date"].iloc[a:b], "y": ett[name].iloc[a:b]})
        for name, (a, b) in spans.items()
    ]
    return pd.concat(pieces, ignore_index=True)


def hand_ridge(ett: pd.DataFrame) -> np.ndarray:
    """The ridge map ``(lookback, horizon)`` fitted by scikit-learn on the valid training windows of
    every series (scaled by its own training rows, minus the window's last value: the model's
    ``instance_norm="last"``), alpha chosen by the MSE on the valid validation windows."""
    rows = {"train": ([], []), "val": ([], [])}
    length = LOOKBACK + HORIZON
    for name, (first, end) in SPANS.items():
        values = ett[name].to_numpy(dtype="float64")
        own_train = values[first : min(end, TRAIN_END)]
        scaled = (values - own_train.mean()) / own_train.std()  # StandardScaler: ddof 0
        # a window starting at s targets rows [s + lookback, s + length): its split is where they lie
        for split, (low, high) in {"train": (0, TRAIN_END), "val": (TRAIN_END, VAL_END)}.items():
            for s in range(max(first, low - LOOKBACK), min(end, high) - length + 1):
                window = scaled[s : s + length] - scaled[s + LOOKBACK - 1]
                rows[split][0].append(window[:LOOKBACK])
                rows[split][1].append(window[LOOKBACK:])
    X, Y = (np.stack(part) for part in rows["train"])
    Xv, Yv = (np.stack(part) for part in rows["val"])
    # hand count: train HUFL s 100..780, LUFL 300..780, MUFL and OT 0..780; val s 792..900, MUFL s <= 870
    assert (len(X), len(Xv)) == (681 + 481 + 2 * 781, 3 * 109 + 79)
    fits = {
        alpha: Ridge(alpha=alpha, fit_intercept=False, solver="cholesky").fit(X, Y) for alpha in RIDGE_ALPHAS
    }
    scores = {alpha: float(((fit.predict(Xv) - Yv) ** 2).mean()) for alpha, fit in fits.items()}
    return fits[min(scores, key=scores.get)].coef_.T


@pytest.mark.parametrize(("file", "model"), [("ETTh1.csv", "spacetime"), ("ETTm1.csv", "s4d")])
def test_ragged_ridge_map_is_sklearn_ridge_of_the_valid_windows_and_the_fit_runs_end_to_end(
    shared_data, tmp_path, file, model
):
    torch.set_num_threads(1)
    ett = pd.read_csv(shared_data / "forecasting" / file, parse_dates=["date"]).iloc[:N_ROWS]
    table = ragged_table(ett)
    forecaster = Forecaster(model=model, lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, batch_size=64,
                            model_options=TINY, log_to_mlflow=False, out_dir=str(tmp_path), patience=None,
                            trainer_options={"limit_train_batches": 4, "enable_progress_bar": False,
                                             "enable_model_summary": False})  # fmt: skip
    forecaster.fit(table)
    # the frozen linear path (one quantile slot: weight (horizon, lookback)) after training
    weight = forecaster.task_.net.linear.time.weight.detach().double().T.numpy()
    expected = hand_ridge(ett)
    np.testing.assert_allclose(weight, expected, rtol=1e-5, atol=1e-7)
    assert np.abs(expected).sum() > 1.0  # a real map, not the near-zero default initialisation
    for key in ("val_loss", "val_mse", "test_mse"):
        assert np.isfinite(forecaster.metrics_[key]), key
    forecast = forecaster.predict()
    assert sorted(forecast["unique_id"].unique()) == sorted(SPANS) and np.isfinite(forecast["y"]).all()
    assert len(forecast) == len(SPANS) * HORIZON
    backtest = forecaster.backtest(table, n_windows=2, step=HORIZON)
    assert len(backtest) == len(SPANS) * 2 * HORIZON
    assert np.isfinite(backtest[["y", "y_actual"]].to_numpy()).all()


def test_a_multivariate_model_on_a_ragged_panel_stays_refused_with_ridge(shared_data, tmp_path):
    ett = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:N_ROWS]
    forecaster = Forecaster(model="spacetime", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1,
                            channel_independent=False, model_options=TINY, log_to_mlflow=False,
                            out_dir=str(tmp_path))  # fmt: skip
    with pytest.raises(DataError, match=r"'HUFL' \(1050 rows.*channel_independent=True"):
        forecaster.fit(ragged_table(ett))
