"""A fit that early stopping had ended trained one more epoch when resumed (Lightning checks early
stopping only after a validation); it now trains nothing and says so, unless given more patience."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from lightning.pytorch.callbacks import EarlyStopping

from ssm_ts import Forecaster
from ssm_ts.training.resume import KeepEarlyStop, keep_given_patience
from tests import test_resume_mid_epoch as tiny_fits
from tests.test_resume_mid_epoch import (  # noqa: F401 (loss_stops_after_epoch_4: a fixture)
    BATCHES,
    TINY,
    TRAINED,
    CountBatches,
    assert_same_bits,
    last_checkpoint,
    loss_stops_after_epoch_4,
)

pytestmark = pytest.mark.usefixtures("single_thread", "loss_stops_after_epoch_4")
etth1 = tiny_fits.etth1  # the fixture: ETTh1's first 600 rows


def early_stopped_fitter(etth1: pd.DataFrame, tmp_path: Path):
    """A fit whose validation loss jumps at epoch 4 (``loss_stops_after_epoch_4``): with ``patience=1`` it
    stops early after epoch 4."""

    def fit(out: str, resume: bool = False, patience: int | None = 1, callbacks=()) -> Forecaster:
        forecaster = Forecaster(model="s4d", lookback=24, horizon=8, max_epochs=6, batch_size=16, lr=0.3,
                                model_options=TINY, patience=patience, log_to_mlflow=False, out_dir=str(tmp_path / out),
                                trainer_options={"limit_train_batches": BATCHES, "limit_val_batches": 2,
                                                 "enable_progress_bar": False, "callbacks": list(callbacks)})  # fmt: skip
        return forecaster.fit(etth1, time_col="date", target="OT", resume=resume)

    return fit


def lightnings_stopper(patience: int) -> EarlyStopping:
    return EarlyStopping("val_loss", patience=patience, check_on_train_epoch_end=False)


@pytest.mark.parametrize("stopper", ["own", "lightning"])
def test_resuming_a_fit_that_stopped_early_trains_nothing_and_says_so(stopper, etth1, tmp_path):
    fit = early_stopped_fitter(etth1, tmp_path)
    given = [] if stopper == "own" else [lightnings_stopper(1)]
    whole = fit("whole", callbacks=given)
    assert last_checkpoint(tmp_path / "whole")["global_step"] == 5 * BATCHES  # stopped early after epoch 4
    TRAINED.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = fit("whole", resume=True, callbacks=[*given, CountBatches()])
    assert TRAINED == []
    assert last_checkpoint(tmp_path / "whole")["global_step"] == 5 * BATCHES
    said = [str(w.message) for w in caught if "stopped early" in str(w.message)]
    assert len(said) == 1 and "epoch 4" in said[0] and "patience" in said[0], said
    assert_same_bits(again.task_.state_dict(), whole.task_.state_dict())


@pytest.mark.parametrize(("stopper", "patience"), [("own", 3), ("own", None), ("lightning", 3)])
def test_resuming_a_fit_that_stopped_early_with_more_patience_trains_on(stopper, patience, etth1, tmp_path):
    fit = early_stopped_fitter(etth1, tmp_path)
    fit("whole", callbacks=[] if stopper == "own" else [lightnings_stopper(1)])
    TRAINED.clear()
    more = [] if stopper == "own" else [lightnings_stopper(patience)]
    fit("whole", resume=True, patience=patience, callbacks=[*more, CountBatches()])
    assert TRAINED[:BATCHES] == [(5, b) for b in range(BATCHES)]


def test_the_cli_callbacks_end_a_resume_of_a_fit_that_stopped_early():
    """The CLI's trainer (``keep_given_patience``) and :func:`~ssm_ts.training.build_trainer` (the Python
    front ends: forecast, classify, audio) hold the callback that ends such a resume."""
    from ssm_ts.training import build_trainer

    callbacks = [lightnings_stopper(2)]
    keep_given_patience(callbacks)
    assert sum(isinstance(c, KeepEarlyStop) for c in callbacks) == 1
    trainer = build_trainer(max_epochs=1, out_dir="unused", callbacks=[lightnings_stopper(2)], progress=False)
    assert sum(isinstance(c, KeepEarlyStop) for c in trainer.callbacks) == 1


def test_the_cli_resume_of_a_fit_that_stopped_early_trains_nothing(
    shared_data, tmp_path, monkeypatch, single_thread
):
    """``ssm-ts forecast fit --ckpt_path last`` with the same ``EarlyStopping`` (``min_delta`` so large that
    only the first validation improves: patience 1 stops after epoch 1), and a larger ``max_epochs``."""
    from ssm_ts import cli
    from ssm_ts.data_fetch import ENV_DATA_HOME
    from tests.cli.test_resume_early_stopping_patience import FORECAST, NEVER_IMPROVES

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ENV_DATA_HOME, str(shared_data))
    stopper = ["--trainer.callbacks+=EarlyStopping", "--trainer.callbacks.patience=1",
               *(f"--trainer.callbacks.{k}={v}" for k, v in NEVER_IMPROVES.items())]  # fmt: skip
    assert cli.main([*FORECAST, *stopper, "--trainer.max_epochs", "5"]) == 0
    stopped = last_checkpoint(tmp_path / "out")
    assert stopped["epoch"] == 1
    resume = ["forecast", "fit", "--ckpt_path", "last", "--out", "out", "--trainer.max_epochs", "8", *stopper]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert cli.main(resume) == 0
    assert last_checkpoint(tmp_path / "out")["global_step"] == stopped["global_step"]
    assert any("already stopped early at epoch 1" in str(w.message) for w in caught)
