"""``Forecaster.fit``'s validation loss (what early stopping and the best checkpoint read) and its
test scores are over the target values the data holds, never over values ``fill=`` invented.

Real ETTh1 rows (the first 1,200: train [0, 840), val [840, 960), test [960, 1200)) with day-long
gaps cut into the validation and test rows of two targets. The scores ``fit`` reports must equal
those computed by hand from ``backtest`` (its ``<target>_actual`` is NaN where the fill invented the
value) over the same windows, which the stride-1 evaluation batches split unevenly: a mean of
per-batch means would weigh them wrongly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from lightning.pytorch.callbacks import Callback

from ssm_ts import Forecaster
from ssm_ts.api.forecaster import calibration_windows
from ssm_ts.pipelines.forecasting import ForecastDataModule, filled_targets

LOOKBACK, HORIZON = 48, 12
TRAIN_END, VAL_END, TEST_END = 840, 960, 1200
TARGETS = ["OT", "HUFL"]
# day-long gaps (24 hourly rows) per target: one in the validation rows, two in the test rows
GAPS = {"OT": [range(870, 894), range(1000, 1024), range(1150, 1174)],
        "HUFL": [range(930, 954), range(1090, 1114)]}  # fmt: skip


def gapped(ett: pd.DataFrame) -> pd.DataFrame:
    table = ett[["date", *TARGETS]].copy()
    for column, gaps in GAPS.items():
        table.loc[[row for gap in gaps for row in gap], column] = np.nan
    return table


SEEN_VAL_LOSS: list[float] = []  # module-wide: the fit may copy its callbacks


class RecordValLoss(Callback):
    """The ``val_loss`` each validation epoch leaves in ``callback_metrics``: what ``EarlyStopping``
    and the best checkpoint read."""

    def on_validation_epoch_end(self, trainer, pl_module) -> None:
        if not trainer.sanity_checking:
            SEEN_VAL_LOSS.append(float(trainer.callback_metrics["val_loss"]))


def errors(fc: Forecaster, end: int, first: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(forecast - actual, actual is observed, forecast - filled table)``, each ``(n_windows * horizon,
    n_targets)``, of the stride-1 windows whose forecast rows lie in ``[first, end)`` (a split's windows),
    from ``backtest``; the last against the filled values too (what an unmasked score reads)."""
    n_windows = end - first - HORIZON + 1
    # the table with its gaps (the fitted history holds them filled, without the notes saying where)
    frame = fc.backtest(fc.raw_table.iloc[:end], n_windows=n_windows, step=1)
    assert len(frame) == n_windows * HORIZON
    forecast = frame[TARGETS].to_numpy(dtype="float64")
    actual = frame[[f"{t}_actual" for t in TARGETS]].to_numpy(dtype="float64")
    table = fc.history_.set_index("date").loc[frame["date"], TARGETS].to_numpy(dtype="float64")
    return forecast - actual, ~np.isnan(actual), forecast - table


@pytest.fixture(scope="module")
def fitted(ett, tmp_path_factory):
    torch.set_num_threads(1)
    SEEN_VAL_LOSS.clear()
    fc = Forecaster(
        model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=2, batch_size=16, seed=0,
        log_to_mlflow=False, out_dir=str(tmp_path_factory.mktemp("fit")),
        trainer_options={"enable_progress_bar": False, "enable_model_summary": False, "callbacks": [RecordValLoss()]},
    )  # fmt: skip
    fc.fit(gapped(ett), time_col="date", fill="ffill")
    fc.raw_table = gapped(ett)
    return fc, list(SEEN_VAL_LOSS)


def test_the_gaps_are_filled_in_the_validation_and_test_rows(fitted):
    fc, _ = fitted
    filled = filled_targets(fc.history_, fc.spec_)
    assert filled.sum() == 24 * 5
    assert filled[TRAIN_END:VAL_END].any() and filled[VAL_END:TEST_END].any() and not filled[:TRAIN_END].any()


def test_test_scores_are_over_observed_values_only(fitted):
    fc, _ = fitted
    error, observed, with_fills = errors(fc, TEST_END, VAL_END)
    assert 0.1 < 1 - observed.mean() < 0.5  # a real share of the test points was filled
    scale = fc.task_.scaler_scale[: len(TARGETS)].numpy()
    scaled = error / scale
    metrics = fc.metrics_
    # torchmetrics sums in float32
    for name, expected in {
        "test_mse_orig": np.mean(error[observed] ** 2),
        "test_mae_orig": np.mean(np.abs(error[observed])),
        "test_mse": np.mean(scaled[observed] ** 2),
        "test_mae": np.mean(np.abs(scaled[observed])),
        "test_loss": np.mean(scaled[observed] ** 2),  # loss="mse": the loss over observed values
    }.items():
        assert metrics[name] == pytest.approx(expected, rel=2e-5), name
    # the score over the filled values too (what fit used to report) is clearly another number
    assert not metrics["test_mse_orig"] == pytest.approx(np.mean(with_fills**2), rel=1e-2)


def test_early_stopping_reads_the_validation_loss_over_observed_values(fitted):
    fc, seen = fitted
    error, observed, with_fills = errors(fc, VAL_END, TRAIN_END)
    assert observed.mean() < 0.9
    scaled = error / fc.task_.scaler_scale[: len(TARGETS)].numpy()
    expected = np.mean(scaled[observed] ** 2)
    assert fc.metrics_["val_loss"] == pytest.approx(expected, rel=2e-5)
    assert fc.metrics_["val_mse_orig"] == pytest.approx(np.mean(error[observed] ** 2), rel=2e-5)
    # the best epoch's val_loss, as EarlyStopping and the checkpoint saw it, is that of the returned weights
    assert len(seen) == 2
    assert min(seen) == pytest.approx(expected, rel=2e-5)
    assert not expected == pytest.approx(
        np.mean((with_fills / fc.task_.scaler_scale[:2].numpy()) ** 2), rel=1e-2
    )


def test_conformal_scores_leave_the_filled_validation_values_out(fitted):
    fc, _ = fitted
    data = ForecastDataModule.from_checked(fc.history_, fc.spec_, lookback=LOOKBACK, horizon=HORIZON)
    data.setup("fit")
    windows, chosen, _ = calibration_windows(data, None)
    filled = filled_targets(fc.history_, fc.spec_)
    firsts = np.asarray(windows.starts)[chosen] + LOOKBACK
    expected = np.stack([filled[f : f + HORIZON] for f in firsts])  # (n_windows, horizon, n_targets)
    assert expected.any()
    np.testing.assert_array_equal(np.isnan(fc.conformal_.residual), expected)
