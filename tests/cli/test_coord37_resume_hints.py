"""A fit stopped while it trains names the call that continues it: Python's Ctrl-C said "resume to
continue" and an error's note said "fit(..., resume=True), same out_dir" without the class or the folder;
``ssm-ts ... fit`` printed an ssm-ts error raised mid-fit without its note (the FAILED run, the kept
last.ckpt, how to resume)."""

from __future__ import annotations

import lightning.pytorch as pl
import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster, cli
from ssm_ts.errors import DataError
from tests.cli.test_fit_write_failures import FIT


class DataErrorAtEpoch(pl.Callback):
    """Raise an ssm-ts error when epoch ``epoch`` starts (bad data found half-way)."""

    def __init__(self, epoch: int = 1):
        self.epoch = epoch

    def on_train_epoch_start(self, trainer, pl_module):
        if trainer.current_epoch == self.epoch:
            raise DataError("row 7 of the batch is not a number")


class CtrlCAtEpoch(DataErrorAtEpoch):
    def on_train_epoch_start(self, trainer, pl_module):
        if trainer.current_epoch == self.epoch:
            raise KeyboardInterrupt


def _forecaster(tmp_path, callback: pl.Callback) -> Forecaster:
    return Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=2, batch_size=16, out_dir=str(tmp_path / "fit"),
                      trainer_options={"enable_progress_bar": False, "callbacks": [callback]})  # fmt: skip


@pytest.fixture()
def frame() -> pd.DataFrame:
    hours = pd.date_range("2020-01-01", periods=200, freq="h")
    return pd.DataFrame({"time": hours, "y": np.sin(np.arange(200) / 5.0)})


def test_python_ctrl_c_names_the_call_that_continues_the_fit(frame, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(KeyboardInterrupt) as raised:
        _forecaster(tmp_path, CtrlCAtEpoch()).fit(frame)
    call = f"call fit(..., resume=True) on a Forecaster with out_dir={str(tmp_path / 'fit')!r}"
    assert f"to continue: {call}" in str(raised.value)


def test_python_error_note_names_the_class_and_folder(frame, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError) as raised:
        _forecaster(tmp_path, DataErrorAtEpoch()).fit(frame)
    (note,) = raised.value.__notes__
    assert f"(call fit(..., resume=True) on a Forecaster with out_dir={str(tmp_path / 'fit')!r})" in note


def test_cli_error_mid_fit_prints_its_note(line_use, capsys):
    callback = [f"--trainer.callbacks+={__name__}.DataErrorAtEpoch", "--trainer.callbacks.init_args.epoch=1"]
    assert cli.main([*FIT, "--trainer.max_epochs", "2", *callback]) == 1
    err = capsys.readouterr().err
    assert "error: row 7 of the batch is not a number" in err
    assert "is marked FAILED" in err and "last.ckpt" in err
    assert "(rerun the same command with --ckpt_path last)" in err
