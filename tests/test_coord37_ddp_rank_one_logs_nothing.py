"""strategy="ddp" runs the user's script once a process: after training, every process but rank 0 tried
to log the model to MLflow through a logger without a run ('NoneType' object has no attribute 'info')
and raised a TrainingError; rank 0 alone writes and logs now. Rank 1 is played here by the one process
of a fit, its trainer made not global zero once training has ended."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from ssm_ts import Forecaster, WaveformGenerator
from ssm_ts.api import forecast_fit_end


def _on_rank_one(after_training):
    """``after_training(owner, trainer, ...)`` run with ``trainer`` made not global zero."""

    def on_rank_one(owner, trainer, *args):
        rank_one = {"is_global_zero": property(lambda _: False)}
        trainer.__class__ = type("RankOneTrainer", (type(trainer),), rank_one)
        return after_training(owner, trainer, *args)

    return on_rank_one


def test_a_forecaster_on_rank_one_logs_nothing_after_training(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(forecast_fit_end, "finish_fit", _on_rank_one(forecast_fit_end.finish_fit))
    monkeypatch.setattr(forecast_fit_end, "log_fit", lambda *a: pytest.fail("rank 1 logged the fit"))
    hours = pd.date_range("2020-01-01", periods=200, freq="h")
    frame = pd.DataFrame({"time": hours, "y": np.sin(np.arange(200) / 5.0)})
    fc = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, batch_size=16,
                    out_dir=str(tmp_path / "fit"), trainer_options={"enable_progress_bar": False})  # fmt: skip
    fc.fit(frame)
    assert fc.run_id_ is None and len(fc.predict()) == 6  # fitted all the same


def test_a_waveform_generator_on_rank_one_logs_nothing_after_training(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "clips"
    folder.mkdir()
    for index in range(4):
        sf.write(folder / f"c{index}.wav", np.random.default_rng(index).uniform(-0.5, 0.5, 1600), 16000)
    monkeypatch.setattr(WaveformGenerator, "_after_training", _on_rank_one(WaveformGenerator._after_training))
    monkeypatch.setattr(WaveformGenerator, "_log_fit", lambda *a: pytest.fail("rank 1 logged the fit"))
    gen = WaveformGenerator(preset="tiny", max_epochs=1, batch_size=4, out_dir=str(tmp_path / "run"),
                            trainer_options={"enable_progress_bar": False})  # fmt: skip
    gen.fit(str(folder), clip_seconds=0.02)
    assert gen.run_id_ is None and gen.task_ is not None
