"""The forecasting and audio tasks score each evaluation from no counts, as the classification task does.

Lightning resets a logged metric at its epoch's end only. A ``validate`` stopped by an error (or Ctrl-C)
before its end left its counts in the task's metrics, and the next ``validate`` of the same task added
them to its own. Under ``ddp_spawn`` on CPUs the audio task's NLL means (updated in place) reached the
started processes in memory they shared with the launching process: a validate in the launching process
after a 2-process fit started from the fit's sums (val_nll_bits 8.24620 where the weights score
8.23384). Each split's metrics are now reset as its epoch starts."""

from __future__ import annotations

import pickle
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import lightning.pytorch as pl
import numpy as np
import pytest
import soundfile as sf

from ssm_ts.pipelines.audio import AudioDataModule
from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.tasks.forecasting import ForecastingTask
from ssm_ts.tasks.waveform import WaveformTask

RATE = 8000


def _trainer(tmp_path: Path, callbacks: list[pl.Callback] | None = None) -> pl.Trainer:
    return pl.Trainer(accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                      enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp_path,
                      callbacks=callbacks)  # fmt: skip


class StopAtSecondBatch(pl.Callback):
    """Stops an evaluation after its second batch, as an error in the user's code or Ctrl-C does."""

    def on_validation_batch_end(self, trainer, module, outputs, batch, batch_idx: int, *_) -> None:
        if batch_idx == 1:
            raise RuntimeError("stopped on purpose")

    on_test_batch_end = on_validation_batch_end


def _forecasting(ett, tmp_path: Path) -> tuple[ForecastingTask, ForecastDataModule]:
    """An untrained tiny S4D forecaster of ETTh1's OT (its scaler fitted) and 8 validation and test
    windows a batch, 40 of each."""
    path = tmp_path / "etth1.csv"
    ett[["date", "OT"]].iloc[:400].to_csv(path, index=False)
    pl.seed_everything(3, verbose=False)
    task = ForecastingTask(model="s4d", lookback=24, horizon=6, n_channels=1, n_outputs=1,
                           quantiles=[0.1, 0.5, 0.9], model_options={"d_model": 4, "d_state": 4, "n_layers": 1})  # fmt: skip
    data = ForecastDataModule(path=str(path), target="OT", lookback=24, horizon=6, boundaries=[300, 345],
                              batch_size=8, eval_batch_size=8)  # fmt: skip
    data.setup("fit")
    task.set_scaler(data.scaler)
    return task, data


def _waveform(tmp_path: Path) -> tuple[WaveformTask, AudioDataModule]:
    """An untrained tiny SaShiMi and two validation and two test files of noise, 5 clips of 0.05 s each."""
    folder = tmp_path / "audio"
    folder.mkdir()
    for seed, name in enumerate(("t_a.wav", "v_a.wav", "v_b.wav", "s_a.wav", "s_b.wav")):
        sf.write(folder / name, np.random.default_rng(seed).uniform(-0.5, 0.5, RATE // 4), RATE)
    pl.seed_everything(3, verbose=False)
    task = WaveformTask(preset="tiny", sample_rate=RATE)
    data = AudioDataModule(str(folder), RATE, clip_seconds=0.05, split="rule", val_pattern="^v_",
                           test_pattern="^s_", batch_size=4)  # fmt: skip
    return task, data


def _scores(task: pl.LightningModule, data: pl.LightningDataModule, tmp_path: Path) -> list[dict]:
    return [_trainer(tmp_path).validate(task, data, verbose=False)[0],
            _trainer(tmp_path).test(task, data, verbose=False)[0]]  # fmt: skip


@pytest.mark.parametrize("kind", ["forecasting", "audio"])
def test_an_evaluation_after_one_stopped_before_its_end_scores_as_a_fresh_one(
    kind, ett, tmp_path, single_thread
):
    task, data = _forecasting(ett, tmp_path) if kind == "forecasting" else _waveform(tmp_path)
    fresh = _scores(task, data, tmp_path)
    for stage in ("validate", "test"):  # each stopped with two batches scored
        with pytest.raises(RuntimeError, match="stopped on purpose"):
            getattr(_trainer(tmp_path, [StopAtSecondBatch()]), stage)(task, data, verbose=False)
    assert _scores(task, data, tmp_path) == fresh  # the forecaster's val_mse was 5.0655 for 4.9886


def test_a_spawned_process_leaves_no_audio_counts_in_the_launching_one(tmp_path, single_thread):
    """A process ``ddp_spawn`` starts receives the task by handle: its metrics' states in memory shared
    with the launching process (torch's pickler for processes), where its evaluation added its sums."""
    task, data = _waveform(tmp_path)
    started = pickle.loads(ForkingPickler.dumps(task))
    state = task.nll["val_nll"].mean_value
    assert (
        started.nll["val_nll"].mean_value.untyped_storage().data_ptr() == state.untyped_storage().data_ptr()
    )
    fresh = WaveformTask(preset="tiny", sample_rate=RATE)
    fresh.load_state_dict(task.state_dict())
    expected = _scores(fresh, data, tmp_path)
    _scores(started, data, tmp_path)  # the started process's evaluation
    assert float(state) == 0.0  # it wrote nothing into the launching process's memory (its sums)
    assert _scores(task, data, tmp_path) == expected
