"""``Forecaster.calibrate`` scores only windows the model was not trained on (split conformal needs
held-out data): windows whose forecast rows reach into the training rows are left out with a warning
naming how many and the fix, all-in-sample calibration data is refused, and new data after the
training rows calibrates as before. The model keeps its training rows' end time (saved with its
scores, so a loaded model checks too). Real data: ETTh1."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.api.conformal import scores_from_checkpoint, scores_to_checkpoint
from ssm_ts.errors import DataError

LOOKBACK, HORIZON = 48, 12
TRAIN_END, VAL_END, TEST_END = 2500, 3200, 4000
QUIET = {"enable_progress_bar": False, "enable_model_summary": False}


@pytest.fixture(scope="module")
def ett(shared_data) -> pd.DataFrame:
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"])
    return frame.iloc[:TEST_END][["date", "OT", "HUFL"]]


@pytest.fixture(scope="module")
def fitted(ett, tmp_path_factory) -> Forecaster:
    torch.set_num_threads(1)
    return Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=2, log_to_mlflow=False,
                      boundaries=[TRAIN_END, VAL_END, TEST_END], out_dir=str(tmp_path_factory.mktemp("out")),
                      trainer_options=QUIET).fit(ett)  # fmt: skip


def scored(forecaster: Forecaster) -> np.ndarray:
    """The residual scores of the windows that were scored (rows not all NaN)."""
    residual = forecaster.conformal_.residual
    return residual[~np.isnan(residual).all(axis=(1, 2))]


def test_fit_keeps_the_time_of_its_last_training_row(fitted, ett):
    assert fitted.conformal_.train_end == ett["date"].iloc[TRAIN_END - 1].isoformat()


def test_windows_forecasting_training_rows_are_left_out_with_a_warning(fitted, ett):
    # the last 1000 windows of the training + validation rows: first forecast rows 2189..3188, of
    # which 2189..2499 (311 windows) are training rows
    with pytest.warns(
        UserWarning, match=r"311 of the 1000 windows forecast rows this model was trained on"
    ) as seen:
        fitted.calibrate(ett.iloc[:VAL_END], n_windows=1000)
    message = str(seen[0].message)
    assert seen[0].filename == __file__  # the user's calibrate call
    assert ett["date"].iloc[TRAIN_END - 1].isoformat().replace("T", " ") in message
    assert "n_windows=689" in message
    assert "left out" in message
    left_out = scored(fitted)
    assert len(left_out) == 689 and "689 held-out" in fitted.conformal_.source
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the 689 held-out windows alone: no warning, the same scores
        fitted.calibrate(ett.iloc[:VAL_END], n_windows=689)
    np.testing.assert_array_equal(left_out, scored(fitted))
    assert fitted.conformal_.train_end == ett["date"].iloc[TRAIN_END - 1].isoformat()  # kept


def test_calibration_data_of_training_rows_only_is_refused_and_the_scores_kept(fitted, ett):
    fitted.calibrate(ett, n_windows=200)
    before = fitted.conformal_
    with pytest.raises(
        DataError, match=r"all 100 calibration windows forecast rows this model was trained on"
    ):
        fitted.calibrate(ett.iloc[: TRAIN_END - 100], n_windows=100)
    assert fitted.conformal_ is before


def test_new_data_after_the_training_rows_calibrates_unchanged(fitted, ett):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted.calibrate(ett, n_windows=500)  # first forecast rows 3477..3976: all after row 2499
    assert fitted.conformal_.n_windows == 500 and not np.isnan(fitted.conformal_.residual).any()
    assert "500 windows" in fitted.conformal_.source


def test_a_loaded_model_checks_too(fitted, ett, tmp_path):
    fitted.save(tmp_path / "export")
    loaded = Forecaster.load(tmp_path / "export")
    assert loaded.conformal_.train_end == fitted.conformal_.train_end
    with pytest.warns(UserWarning, match=r"311 of the 1000 windows"):
        loaded.calibrate(ett.iloc[:VAL_END], n_windows=1000)
    loaded.save(tmp_path / "again")  # recalibrated scores keep the training end too
    assert Forecaster.load(tmp_path / "again").conformal_.train_end == fitted.conformal_.train_end


def test_a_cli_checkpoint_entry_keeps_the_training_end(fitted):
    scores, targets = scores_from_checkpoint(scores_to_checkpoint(fitted.conformal_, ["OT", "HUFL"]))
    assert scores.train_end == fitted.conformal_.train_end and targets == ["OT", "HUFL"]
