"""With validation every n epochs (``check_val_every_n_epoch``), ``last.ckpt`` is still written at every
epoch's end: Lightning's checkpoint points are then the validations only, so a crash between two of them
lost every epoch since the last (a NaN loss at epoch 4 of ``check_val_every_n_epoch=3`` left epoch 2's).
A resume from such an epoch's ``last.ckpt`` reaches the uninterrupted model (ETTh1's OT)."""

from __future__ import annotations

import lightning.pytorch as pl
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.errors import TrainingError
from ssm_ts.training import build_trainer
from tests.test_training_last_checkpoint import WorseEveryEpoch, data, saved


def test_a_crash_between_validations_keeps_the_epoch_before_it(tmp_path):
    with pytest.raises(TrainingError, match="loss became nan at epoch 4"):
        build_trainer(max_epochs=6, out_dir=tmp_path, check_val_every_n_epoch=3).fit(
            WorseEveryEpoch(nan_epoch=4), data(), data()
        )
    assert saved(tmp_path / "checkpoints" / "last.ckpt") == (3, 8)  # it was (2, 6), the last validation
    assert saved(tmp_path / "checkpoints" / "best-epoch=2.ckpt") == (2, 6)


class CrashAtEpoch3(pl.Callback):
    """A crash (Ctrl-C, a killed process) as epoch 3 starts: epoch 2, not validated, is the last trained."""

    def on_train_epoch_start(self, trainer, pl_module):
        if trainer.current_epoch == 3:
            raise KeyboardInterrupt


def forecaster(out_dir, callbacks=()) -> Forecaster:
    return Forecaster(model="nlinear", lookback=48, horizon=12, max_epochs=4, patience=None, batch_size=64,
                      seed=0, log_to_mlflow=False, out_dir=str(out_dir),
                      trainer_options={"enable_progress_bar": False, "check_val_every_n_epoch": 2,
                                       "callbacks": list(callbacks)})  # fmt: skip


def test_a_resume_from_an_epoch_without_validation_fits_the_uninterrupted_model(ett, single_thread, tmp_path):
    data_ = ett[["date", "OT"]]
    whole = forecaster(tmp_path / "whole").fit(data_, target="OT", time_col="date")
    with pytest.raises(KeyboardInterrupt):
        forecaster(tmp_path / "cut", [CrashAtEpoch3()]).fit(data_, target="OT", time_col="date")
    (last,) = (tmp_path / "cut").rglob("last.ckpt")
    assert torch.load(last, weights_only=True)["epoch"] == 2  # it was epoch 1's, the last validated
    resumed = forecaster(tmp_path / "cut").fit(data_, target="OT", time_col="date", resume=True)
    assert resumed.metrics_["val_loss"] == pytest.approx(whole.metrics_["val_loss"], abs=1e-7)
    expected = whole.task_.state_dict()
    for name, value in resumed.task_.state_dict().items():
        torch.testing.assert_close(value, expected[name], atol=1e-6, rtol=0, msg=name)
