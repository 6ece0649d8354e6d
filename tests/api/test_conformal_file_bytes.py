"""``conformal.safetensors`` is byte-stable: saving the same scores (or the same fitted forecaster)
twice writes the same bytes, so model folders can be diffed and hashed (MLflow compares artifacts by
hash). safetensors writes its metadata from a Rust ``HashMap`` in an order that changes per save."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ssm_ts import Forecaster
from ssm_ts.api.conformal import SCORES_FILE, ConformalScores, load_scores, save_scores

TARGETS = ["OT", "HÜFL"]  # a non-ASCII name: the rewritten header stays UTF-8 JSON safetensors reads


def scores() -> ConformalScores:
    rng = np.random.default_rng(0)
    residual = rng.random((5, 3, 2), dtype=np.float32)
    residual[0, 0, 1] = np.nan
    cqr = rng.standard_normal((1, 5, 3, 2)).astype(np.float32)
    notes = {"HÜFL": "it ends at 2016-08-03 07:00:00, before the validation split"}
    return ConformalScores(
        residual, cqr, ((0.1, 0.9),), "the validation split (5 windows)", notes, "2016-07-01"
    )


def folder_bytes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def new_folder(path: Path) -> Path:
    path.mkdir()
    return path


def test_saving_the_same_scores_again_writes_the_same_bytes_and_they_load_back(tmp_path):
    saved = [save_scores(new_folder(tmp_path / f"copy{i}"), scores(), TARGETS) for i in range(4)]
    assert len({path.read_bytes() for path in saved}) == 1  # four saves: the old code's order varied per save
    loaded = load_scores(tmp_path / "copy0", horizon=3, targets=TARGETS)
    expected = scores()
    np.testing.assert_array_equal(loaded.residual, expected.residual)
    np.testing.assert_array_equal(loaded.cqr, expected.cqr)
    assert (loaded.bands, loaded.source, loaded.notes, loaded.train_end) == (
        expected.bands, expected.source, expected.notes, expected.train_end)  # fmt: skip
    resaved = save_scores(new_folder(tmp_path / "again"), loaded, TARGETS)  # loaded, then saved
    assert resaved.read_bytes() == saved[0].read_bytes()


def test_two_saves_of_a_fitted_forecaster_are_byte_identical_folders(shared_data, tmp_path):
    torch.set_num_threads(1)
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:1200]
    model = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, quantiles=[0.1, 0.9],
                       boundaries=[800, 1000, 1200], log_to_mlflow=False, out_dir=str(tmp_path / "out"),
                       trainer_options={"enable_progress_bar": False, "enable_model_summary": False})  # fmt: skip
    model.fit(frame[["date", "OT", "HUFL"]])
    first = folder_bytes(model.save(tmp_path / "first"))
    assert SCORES_FILE in first
    assert folder_bytes(model.save(tmp_path / "second")) == first
    assert folder_bytes(Forecaster.load(tmp_path / "first").save(tmp_path / "reloaded")) == first
