"""A Forecaster fit whose ``trainer_options`` hold ``limit_test_batches`` scores part of the test split at
its end: it says so (a warning, and an MLflow tag on the run) instead of reporting ``test_*`` as the
split's. Without the limit nothing is said."""

from __future__ import annotations

import warnings

import mlflow
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.api.forecast_fit_end import PARTIAL_TEST_TAG

QUIET = {"enable_progress_bar": False, "enable_model_summary": False, "limit_train_batches": 2}


def fit(csv, tmp_path, **options) -> Forecaster:
    fc = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, batch_size=8, out_dir=str(tmp_path / "o"),
                    fractions=[0.5, 0.2, 0.3], trainer_options={**QUIET, **options})  # fmt: skip
    return fc.fit(csv, time_col="date", target="OT")


@pytest.fixture
def csv(shared_data, tmp_path):
    path = tmp_path / "ett.csv"
    pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"]).iloc[:400].to_csv(
        path, index=False
    )
    return path  # test split: 120 rows and the lookback before them, 4 batches of 32 windows


def test_a_limited_test_score_is_called_partial(csv, tmp_path):
    with pytest.warns(
        UserWarning, match=r"test_\* metrics are partial: 1 of 4 test batches \(limit_test_batches=1\)"
    ):
        fc = fit(csv, tmp_path, limit_test_batches=1)
    assert "test_mse" in fc.metrics_
    tags = mlflow.get_run(fc.run_id_).data.tags
    assert tags[PARTIAL_TEST_TAG] == "partial: 1 of 4 test batches (limit_test_batches=1)"


def test_a_whole_test_score_says_nothing(csv, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fc = fit(csv, tmp_path, limit_test_batches=1.0)
    assert not [w for w in caught if "limit_test_batches" in str(w.message)]
    assert PARTIAL_TEST_TAG not in mlflow.get_run(fc.run_id_).data.tags
