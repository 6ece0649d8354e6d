"""ssm-ts's warnings from its Lightning callbacks point at the user's line (the ``Forecaster.fit`` or
``trainer.fit`` call), as its data warnings do (:func:`ssm_ts.user_stack_level.user_stack_level`): they
pointed at the callback's own line inside ssm-ts (``ssm_ts/training/checkpoints.py:174: no validation
ran ...``), which tells a user nothing about which of their calls it is about. On the command line they
stay ssm-ts's one line (``ssm-ts forecast: warning: ...``; tests/cli/test_audit3_warning_sources.py)."""

from __future__ import annotations

import uuid
import warnings
from types import SimpleNamespace

import pandas as pd
import torch
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

from ssm_ts import Forecaster
from ssm_ts.checkpoint_times import SAVED_AT_KEY
from ssm_ts.training.checkpoint_io import remove_abandoned_writes
from ssm_ts.training.resume import KeepEarlyStop
from ssm_ts.training.stop_validation_files import warn_of_user_files_saved_at_stop

TINY = {"d_model": 4, "d_state": 4, "n_layers": 1}


def test_a_fits_callback_warnings_point_at_the_users_fit_call(shared_data, tmp_path):
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"]).iloc[:160]
    no_validation = {"limit_val_batches": 0, "enable_progress_bar": False}
    forecaster = Forecaster(model="s4d", lookback=16, horizon=4, max_epochs=1, model_options=TINY, log_to_mlflow=False,
                            out_dir=str(tmp_path), trainer_options=no_validation)  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        forecaster.fit(frame, time_col="date", target="OT")
    said = {w.filename: str(w.message) for w in caught if "no validation ran" in str(w.message)}
    assert list(said) == [__file__], said  # was ssm_ts/training/checkpoints.py


def test_the_removal_of_a_killed_writes_file_is_said_at_the_callers_line(tmp_path):
    (tmp_path / f".checkpoint.{uuid.uuid4().hex}.partial").write_bytes(bytes(2**20))  # a killed write's
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        remove_abandoned_writes(tmp_path)  # as a fit's setup does, before Lightning's
    assert [(w.filename, "(1.0 MB)" in str(w.message)) for w in caught] == [
        (__file__, True)
    ]  # was checkpoint_io.py


def test_the_resume_of_an_early_stopped_fit_warns_at_the_users_call():
    stopper = EarlyStopping("val_loss", patience=1)
    stopper.wait_count = 1
    trainer = SimpleNamespace(ckpt_path="last.ckpt", fit_loop=SimpleNamespace(), early_stopping_callbacks=[stopper],
                              should_stop=False, is_global_zero=True, current_epoch=5)  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        KeepEarlyStop().on_train_start(trainer, None)  # as Lightning calls it in the user's trainer.fit
    assert trainer.should_stop
    assert [(w.filename, "stopped early at epoch 4" in str(w.message)) for w in caught] == [(__file__, True)]


def test_a_users_checkpoint_saved_at_a_stop_is_named_at_the_users_call(tmp_path):
    folder = tmp_path / "user_checkpoints"
    folder.mkdir()
    torch.save({SAVED_AT_KEY: 20, "global_step": 7, "epoch": 1}, folder / "epoch=1.ckpt")
    own, users = ModelCheckpoint(dirpath=tmp_path / "checkpoints"), ModelCheckpoint(dirpath=folder)
    trainer = SimpleNamespace(is_global_zero=True, checkpoint_callbacks=[own, users])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_of_user_files_saved_at_stop(trainer, own, resumed_at=10, step=7)
    assert [(w.filename, "epoch=1.ckpt was saved" in str(w.message)) for w in caught] == [(__file__, True)]
