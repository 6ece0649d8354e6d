"""A fit stopped in the middle of its first epoch (``max_steps``, or ``max_time`` before any epoch
finished) writes a ``last.ckpt`` there; a resume continues that epoch at its next batch, in the order
and with the dropout of an uninterrupted fit, and ends with its weights, bit for bit: through
``Forecaster.fit(..., resume=True)`` and ``ssm-ts forecast fit --ckpt_path last``.

Lightning ends a stopped epoch as if it were finished, so the checkpoint's loop state took the epoch
as done: the resume trained the next epoch, and the rest of the stopped one never (4 of its 6
batches here)."""

from __future__ import annotations

from pathlib import Path

import lightning.pytorch as pl
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster, cli

pytestmark = pytest.mark.usefixtures("single_thread")

BATCHES = 6  # training batches an epoch
TINY = {"d_model": 8, "n_layers": 1, "d_state": 8}  # dropout 0.1, drawn from the global generators


@pytest.fixture(scope="module")
def etth1(shared_data) -> pd.DataFrame:
    return pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:600]


def forecast_fit_args(etth1: pd.DataFrame, folder: Path) -> list[str]:
    """``ssm-ts forecast fit`` of a tiny S4D on ``etth1`` (written to ``folder``): 2 epochs of
    :data:`BATCHES` batches, no logger, seeded; the test adds ``--out`` and its stop."""
    csv = folder / "etth1.csv"
    etth1.to_csv(csv, index=False)
    return ["forecast", "fit", "--data.path", str(csv), "--data.target", "OT", "--data.time_col", "date",
            "--model.model", "s4d", "--model.model_options", "{d_model: 8, n_layers: 1, d_state: 8}",
            "--model.lookback", "24", "--model.horizon", "8", "--data.batch_size", "16", "--trainer.max_epochs", "2",
            "--trainer.limit_train_batches", str(BATCHES), "--trainer.limit_val_batches", "2",
            "--trainer.enable_progress_bar", "false", "--trainer.logger", "false", "--seed_everything", "0"]  # fmt: skip


TRAINED: list[tuple[int, int]] = []  # (epoch, batch) of each training batch (a fit copies its callbacks)


class CountBatches(pl.Callback):
    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        TRAINED.append((trainer.current_epoch, batch_idx))


class StopAfterBatch1(pl.Callback):
    """What Lightning's ``Timer`` does when ``max_time`` runs out after epoch 0's second batch."""

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if trainer.current_epoch == 0 and batch_idx == 1:
            trainer.should_stop = True


LOSSES_TO_EPOCH_4 = (1.0, 0.9, 0.8, 0.7, 2.0)  # then 2.0 at every later epoch
MID_EPOCH_LOSS = 0.1  # a validation at a stop mid-epoch: better than any epoch end's


@pytest.fixture
def loss_stops_after_epoch_4(monkeypatch) -> None:
    """Every validation of a forecasting fit logs a scripted ``val_loss`` by epoch: it improves to epoch
    3 and jumps at epoch 4 (``patience=1`` stops the fit after epoch 4), and a validation at a stop
    mid-epoch scores better than any epoch's end. The real losses of a jumping learning rate stopped
    such a fit at another epoch on another CPU's float rounding; these hold on any machine, for
    ssm-ts's early stopping, a user's, and the checkpoints alike. Training itself is untouched."""
    from ssm_ts.tasks.forecasting import ForecastingTask

    real_log = ForecastingTask.log

    def log(self, name, value, *args, **kwargs):
        trainer = self.trainer
        if name == "val_loss" and not trainer.sanity_checking:
            done = trainer.fit_loop.epoch_loop.batch_progress.current.processed
            epoch = min(trainer.current_epoch, len(LOSSES_TO_EPOCH_4) - 1)
            value.reset()  # the epoch's mean metric, holding this scripted loss alone
            value.update(torch.tensor(LOSSES_TO_EPOCH_4[epoch] if done >= BATCHES else MID_EPOCH_LOSS))
        return real_log(self, name, value, *args, **kwargs)

    monkeypatch.setattr(ForecastingTask, "log", log)


def last_checkpoint(out: Path) -> dict:
    (ckpt,) = out.rglob("last.ckpt")
    return torch.load(ckpt, map_location="cpu", weights_only=True)


def assert_same_bits(got: dict[str, torch.Tensor], expected: dict[str, torch.Tensor]) -> None:
    assert got.keys() == expected.keys()
    for name, value in expected.items():
        assert torch.equal(got[name], value), f"{name}: {(got[name] - value).abs().max().item():.3g} away"


def fitter(etth1: pd.DataFrame, tmp_path: Path, validation: bool):
    """``fit(out, resume=False, **trainer_options)``: a tiny S4D fit of 2 epochs into ``tmp_path / out``."""

    def fit(out: str, resume: bool = False, **options) -> Forecaster:
        forecaster = Forecaster(model="s4d", lookback=24, horizon=8, max_epochs=2, batch_size=16,
                                model_options=TINY, patience=None, log_to_mlflow=False, out_dir=str(tmp_path / out),
                                trainer_options={"limit_train_batches": BATCHES, "limit_val_batches": 2 if validation else 0,
                                                 "enable_progress_bar": False, **options})  # fmt: skip
        return forecaster.fit(etth1, time_col="date", target="OT", resume=resume)

    return fit


@pytest.mark.parametrize("stop", ["max_steps", "max_time"])
@pytest.mark.parametrize("validation", [True, False])
def test_a_fit_stopped_in_its_first_epoch_resumes_at_the_next_batch(stop, validation, etth1, tmp_path):
    fit = fitter(etth1, tmp_path, validation)
    whole = fit("whole")
    fit("stopped", **({"max_steps": 2} if stop == "max_steps" else {"callbacks": [StopAfterBatch1()]}))
    assert last_checkpoint(tmp_path / "stopped")["global_step"] == 2  # written mid-epoch: it has no other
    TRAINED.clear()
    resumed = fit("stopped", resume=True, callbacks=[CountBatches()])
    assert TRAINED == [(0, b) for b in range(2, BATCHES)] + [(1, b) for b in range(BATCHES)]
    assert_same_bits(resumed.task_.state_dict(), whole.task_.state_dict())


def test_forecast_fit_stopped_by_max_steps_resumes_with_ckpt_path_last_to_the_uninterrupted_weights(
    etth1, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    args = forecast_fit_args(etth1, tmp_path)
    assert cli.main([*args, "--out", "whole"]) == 0
    assert cli.main([*args, "--out", "cut", "--trainer.max_steps", "2"]) == 0
    # the CLI takes the stopped fit's recorded max_steps again unless given
    assert cli.main([*args, "--out", "cut", "--ckpt_path", "last", "--trainer.max_steps", "-1"]) == 0
    whole, cut = last_checkpoint(tmp_path / "whole"), last_checkpoint(tmp_path / "cut")
    assert cut["global_step"] == whole["global_step"] == 2 * BATCHES
    assert_same_bits(cut["state_dict"], whole["state_dict"])


def test_skipping_a_batch_samplers_batches_keeps_its_epoch_reachable():
    """Lightning sets the epoch of a loader's ``batch_sampler.sampler``: wrapped, that is still the index
    sampler inside (a length-bucketed batch sampler has no ``set_epoch`` of its own)."""
    from lightning.fabric.utilities.data import _set_sampler_epoch
    from torch.utils.data import BatchSampler, DataLoader

    from ssm_ts.pipelines.sampling import EpochSeededSampler, SkipResumedBatches

    order = EpochSeededSampler(12, seed=3)
    loader = DataLoader(
        range(12), batch_sampler=SkipResumedBatches(BatchSampler(order, 4, drop_last=True), 2)
    )
    _set_sampler_epoch(loader, 5)
    assert order.epoch == 5
    assert len(loader) == 3  # the whole epoch's, which Lightning counts the resumed batches against
    expected = list(BatchSampler(order, 4, drop_last=True))
    assert [b.tolist() for b in loader] == expected[2:]  # the resumed epoch: the batches after 2
    assert [b.tolist() for b in loader] == expected  # the next epochs: whole


def mid_epoch_trainer(epoch: int, trained: int):
    """A trainer restarting from a checkpoint written after ``trained`` batches of ``epoch``, as a
    data module sees it when Lightning asks it for the training loader."""
    from types import SimpleNamespace

    from lightning.pytorch.loops.progress import _BatchProgress, _Progress

    epochs, batches = _Progress(), _BatchProgress()
    for counts in (epochs.total, epochs.current):
        counts.ready = counts.started = epoch + 1
        counts.processed = counts.completed = epoch
    for counts in (batches.total, batches.current):
        counts.ready = counts.started = counts.processed = counts.completed = trained
    loop = SimpleNamespace(
        restarting=True, epoch_progress=epochs, epoch_loop=SimpleNamespace(batch_progress=batches)
    )
    return SimpleNamespace(fit_loop=loop, world_size=1, global_rank=0)


@pytest.mark.parametrize("max_batch_steps", [None, 8_000])
def test_a_classify_loader_resumed_mid_epoch_gives_the_rest_of_that_epochs_batches(max_batch_steps):
    """Sensor classification's training loader, plain and length-bucketed (a batch sampler)."""
    from tests.test_exact_resume_sensor_batches import batches, module

    uninterrupted = module(max_batch_steps).train_dataloader()
    epoch_1, epoch_2 = batches(uninterrupted, 1), batches(uninterrupted, 2)
    resumed = module(max_batch_steps)
    resumed.trainer = mid_epoch_trainer(epoch=1, trained=2)
    loader = resumed.train_dataloader()
    assert len(loader) == len(epoch_1)
    for got, expected in [(batches(loader, 1), epoch_1[2:]), (batches(loader, 2), epoch_2)]:
        assert len(got) == len(expected) and all(
            torch.equal(a, b) for a, b in zip(got, expected, strict=True)
        )
