"""A Forecaster fit reports the validation metrics its best checkpoint's weights earned in the fit's own
validation, stored in the checkpoint, instead of validating the same weights on the same windows a
second time after training (a full pass over the validation split). The metrics are exactly those
of that second validation; a checkpoint saved after more training steps is validated again. On real
ETTh1 rows, a tiny nlinear model."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.api import forecast_fit_end
from ssm_ts.api.forecast_validation_record import VALIDATION_KEY, validated_metrics
from tests.call_counts import counted_calls

pytestmark = pytest.mark.usefixtures("single_thread")


def fit(ett, tmp_path, name: str, **changed) -> Forecaster:
    options = {"limit_train_batches": 3, "limit_val_batches": 3, "enable_progress_bar": False}
    given = dict(model="nlinear", lookback=48, horizon=12, max_epochs=2, log_to_mlflow=False, seed=3,
                 out_dir=str(tmp_path / name), trainer_options=options)  # fmt: skip
    return Forecaster(**{**given, **changed}).fit(ett, target="OT", time_col="date")


@pytest.mark.parametrize("changed", [{}, {"ema_decay": 0.9, "lr": 1e-30}], ids=["last-epoch", "ema-epoch-0"])
def test_best_weights_are_not_validated_again_and_report_the_same_metrics(
    ett, tmp_path, monkeypatch, changed
):
    calls = counted_calls(monkeypatch, forecast_fit_end, "best_weights_validation")
    recorded = fit(ett, tmp_path, "recorded", **changed)
    assert calls == []
    monkeypatch.setattr(forecast_fit_end, "validated_metrics", lambda checkpoint, fit: None)  # the old way
    validated = fit(ett, tmp_path, "validated", **changed)
    assert len(calls) == 1
    assert recorded.metrics_ == validated.metrics_ and any(k.startswith("val_") for k in recorded.metrics_)
    pd.testing.assert_frame_equal(recorded.predict(), validated.predict(), check_exact=True)


def test_a_checkpoint_saved_after_more_steps_than_its_record_is_validated_again():
    record = {"fit": "f", "epoch": 1, "global_step": 6, "metrics": {"val_loss": 0.5}}
    assert validated_metrics({"epoch": 1, "global_step": 6, VALIDATION_KEY: record}, "f") == {"val_loss": 0.5}
    assert validated_metrics({"epoch": 1, "global_step": 9, VALIDATION_KEY: record}, "f") is None
    assert validated_metrics({"epoch": 1, "global_step": 6}, "f") is None  # written by an older version
