"""``backtest(refit=...)`` refuses, before any refit trains, a refit whose validation rows were all filled.

Since fits leave the targets ``fill=`` invented out of the loss and the scores, a data module whose
validation split holds only invented targets is refused. A refit's split comes from its cutoff: a
later refit hit that refusal only after the earlier ones had trained (their work lost), with a message
about split fractions that did not say which refit. Real ETTh1 rows with a week-long outage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lightning.pytorch.callbacks import Callback

from ssm_ts import Forecaster
from ssm_ts.errors import DataError

pytestmark = pytest.mark.usefixtures("single_thread")


class Fits(Callback):
    started = 0

    def on_fit_start(self, trainer, pl_module) -> None:
        Fits.started += 1


@pytest.fixture
def outage(shared_data) -> pd.DataFrame:
    table = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:1400]
    table = table[["date", "OT"]].copy()
    table.loc[1120:1291, "OT"] = np.nan  # 172 hours without a reading
    return table


def test_a_later_refit_with_filled_validation_rows_is_refused_before_any_training(outage, tmp_path):
    fc = Forecaster(
        model="nlinear", lookback=48, horizon=12, max_epochs=1, log_to_mlflow=False, out_dir=str(tmp_path),
        trainer_options={"limit_train_batches": 3, "enable_progress_bar": False, "callbacks": [Fits()]},
    )  # fmt: skip
    fc.fit(outage, time_col="date", fill="interpolate")
    Fits.started = 0
    # refits before windows 1, 4, 7, 10 (first forecast rows 1256, 1292, ...); the one before window 4
    # validates on rows 1130-1291, all in the outage
    with pytest.raises(DataError) as caught:
        fc.backtest(outage, n_windows=12, step=12, refit=3)
    said = str(caught.value)
    assert "refit before window 4" in said and "rows 1130-1291" in said and "No refit was trained" in said
    assert "2016-08-17 02:00:00 to 2016-08-23 19:00:00" in said
    assert Fits.started == 0  # was 1: the refit before window 1 trained first
    # a cutoff that keeps observed rows in every refit's validation rows works
    frame = fc.backtest(outage, n_windows=12, step=12, refit=4)
    assert len(frame) == 12 * 12 and Fits.started == 3
