"""``WaveformGenerator.fit`` released its folder's fit lock when training ended (the trainer's FitLock),
so the test-split scoring, export and MLflow logging after training ran unlocked and a resume into the
folder meanwhile went ahead. It now holds the lock until fit returns or raises (as ``Forecaster.fit``),
and leaves none behind."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ssm_ts import WaveformGenerator
from ssm_ts.errors import TrainingError
from ssm_ts.training import fit_lock
from ssm_ts.training.fit_lock import LOCK_NAME

RATE = 8000


@pytest.fixture(autouse=True)
def rank_0_alone(monkeypatch):
    """A process with no rank set (a plain fit, or rank 0)."""
    for name in fit_lock._RANK_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def folder(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    audio = tmp_path / "audio"
    audio.mkdir()
    for name in ("a_train.wav", "b_train.wav", "t_one.wav", "v_one.wav"):
        sf.write(audio / name, rng.uniform(-0.5, 0.5, 400), RATE)
    return audio


def _fit(folder: Path, resume: bool = False) -> WaveformGenerator:
    gen = WaveformGenerator("tiny", model_options={"d_model": 8, "n_layers": 1, "pool": [2]}, max_epochs=1,
                            log_to_mlflow=False, out_dir=str(folder.parent / "out"),
                            trainer_options={"enable_progress_bar": False})  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gen.fit(folder, sample_rate=RATE, clip_seconds=0.05, split="rule", test_pattern="^t_",
                       val_pattern="^v_", resume=resume)  # fmt: skip


def test_a_resume_while_the_fit_exports_is_refused_and_no_lock_is_left(folder, monkeypatch):
    after = WaveformGenerator._after_training
    seen: dict = {}

    def exporting(self, trainer, task, data, out_dir, best, logger):
        seen["held"] = list(Path(out_dir).rglob(LOCK_NAME))
        real = os.getpid()  # another process (this one under another pid) resumes meanwhile
        with monkeypatch.context() as other:
            other.setattr(fit_lock.os, "getpid", lambda: real + 100_000)
            with pytest.raises(TrainingError, match="a fit is already running") as refused:
                _fit(folder, resume=True)  # finds the newest fit under out_dir: the one exporting
        seen["refusal"] = str(refused.value)
        after(self, trainer, task, data, out_dir, best, logger)

    monkeypatch.setattr(WaveformGenerator, "_after_training", exporting)
    gen = _fit(folder)
    assert seen["held"], "the fit's folder was unlocked while the model was scored and exported"
    assert "fit(..., resume=True)" in seen["refusal"] and "another out_dir" in seen["refusal"]
    assert gen.task_ is not None
    assert not list(folder.parent.rglob(LOCK_NAME))
    assert not fit_lock._HELD


def test_a_fit_failing_after_training_leaves_no_lock(folder, monkeypatch):
    def fails(self, *args):
        assert list(folder.parent.rglob(LOCK_NAME)), "held while the model is exported"
        raise RuntimeError("the export failed")

    monkeypatch.setattr(WaveformGenerator, "_after_training", fails)
    with pytest.raises(RuntimeError, match="the export failed"):
        _fit(folder)
    assert not list(folder.parent.rglob(LOCK_NAME))
    assert not fit_lock._HELD
