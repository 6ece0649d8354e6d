"""A smoke fit that ends before any validation (``max_steps`` within the first epoch, validation off) ends
cleanly with the weights it has and one note saying so. With the default ``patience`` it raised Lightning's
"Early stopping conditioned on metric `val_loss` which is not available" after training: ssm-ts's
``EarlyStopping`` checked at the training epoch's end, which such a fit reaches without a validation."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster, WaveformGenerator

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture(scope="module")
def csv(shared_data, tmp_path_factory) -> Path:
    """The first 400 hours of ETTh1's OT as a CSV file: 8 training batches of 32 windows an epoch."""
    path = tmp_path_factory.mktemp("data") / "etth1.csv"
    pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", nrows=400)[["date", "OT"]].to_csv(
        path, index=False
    )
    return path


def fit(csv: Path, out_dir: Path, max_epochs: int = 2, **trainer_options) -> tuple[Forecaster, list[str]]:
    """A default-patience nlinear fit of ``csv``, and the messages of the warnings it gave."""
    fc = Forecaster(model="nlinear", lookback=48, horizon=12, batch_size=32, max_epochs=max_epochs, log_to_mlflow=False,
                    out_dir=str(out_dir), trainer_options={"enable_progress_bar": False, **trainer_options})  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fc.fit(str(csv), target="OT", time_col="date")
    return fc, [str(w.message) for w in caught]


def notes(messages: list[str]) -> list[str]:
    return [m for m in messages if "no validation ran" in m]


def test_max_steps_within_the_first_epoch_ends_with_the_weights_it_has(csv, tmp_path):
    fc, messages = fit(csv, tmp_path / "out", max_steps=2)
    assert notes(messages) == [
        "no validation ran in this fit (it reached max_steps=2 in epoch 1, before that epoch's validation), so "
        "val_loss was never measured: no best-*.ckpt was written, and the fitted model is the last step's "
        "weights (last.ckpt)."
    ]
    assert not [m for m in messages if "HINT" in m]  # Lightning's hint to log('val_loss') in the module
    last = torch.load(fc.best_checkpoint_, map_location="cpu", weights_only=True)
    assert Path(fc.best_checkpoint_).name == "last.ckpt" and last["global_step"] == 2
    for name, value in fc.task_.state_dict().items():
        torch.testing.assert_close(value, last["state_dict"][name], msg=name)
    assert {"val_loss", "test_loss"} <= set(fc.metrics_)  # the returned weights, validated after the fit


def test_validation_off_ends_with_the_last_weights_and_the_note(csv, tmp_path):
    fc, messages = fit(csv, tmp_path / "out", limit_val_batches=0, max_epochs=1)
    assert notes(messages) == [
        "no validation ran in this fit (limit_val_batches=0), so val_loss was never measured: no best-*.ckpt "
        "was written, and the fitted model is the last step's weights (last.ckpt)."
    ]
    assert Path(fc.best_checkpoint_).name == "last.ckpt"
    assert not [k for k in fc.metrics_ if k.startswith("val_")] and "test_loss" in fc.metrics_


def test_early_stopping_still_stops_a_fit_that_validates(csv, tmp_path, monkeypatch):
    """The stopper checks after each validation now: once an epoch, as before."""
    from ssm_ts.api.resumable import ResumableEarlyStopping

    monkeypatch.setattr(
        ResumableEarlyStopping, "_evaluate_stopping_criteria", lambda self, current: (True, "x")
    )
    fc, messages = fit(csv, tmp_path / "out", max_epochs=3)
    assert not notes(messages)
    assert Path(fc.best_checkpoint_).name == "best-epoch=0.ckpt"
    (last,) = Path(fc.best_checkpoint_).parent.glob("last.ckpt")
    assert torch.load(last, map_location="cpu", weights_only=True)["epoch"] == 0  # stopped after epoch 1


def test_a_waveform_smoke_fit_says_so_too(shared_data, tmp_path):
    gen = WaveformGenerator(preset="tiny", max_epochs=1, batch_size=8, log_to_mlflow=False,
                            out_dir=str(tmp_path / "run"),
                            trainer_options={"max_steps": 1, "enable_progress_bar": False})  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gen.fit(str(shared_data / "audio" / "espeak-digits"), clip_seconds=0.05, max_files_per_split=16)
    assert len(notes([str(w.message) for w in caught])) == 1
    assert not list((tmp_path / "run").rglob("best-*.ckpt")) and "val_loss" in gen.metrics_
