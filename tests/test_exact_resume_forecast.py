"""A forecasting fit with dropout interrupted (Ctrl-C) after its first epoch and resumed ends with the
weights of the uninterrupted fit, bit for bit: through ``Forecaster.fit(..., resume=True)``, ``ssm-ts
forecast fit --ckpt_path last`` (also with loader workers) and a tuning trial rerun from its ``last.ckpt``;
and so does a fit stopped mid-epoch (``max_time``), which resumes at the stopped epoch's next batch.

Forecasting draws dropout (and a loader's worker seed) from the global generators. Its checkpoints keep
their states and a resumed fit sets them again (``ResumedGlobalGenerators``); before, a resumed SpaceTime
or S4D fit ended up to 3.4e-3 away from the uninterrupted one. A fresh fit must draw exactly what it drew
before (the ETTh1 benchmark figures rest on those bits): it is compared with a fit whose checkpoints keep
no states, the code path before the change.
"""

from __future__ import annotations

from pathlib import Path

import lightning.pytorch as pl
import pandas as pd
import pytest
import torch
from lightning.pytorch.callbacks import ModelCheckpoint

from ssm_ts import Forecaster, cli
from ssm_ts.api.tuning import _TrialForecaster, tune_forecaster
from ssm_ts.pipelines.sampling import GLOBAL_STATES_KEY, GlobalGenerators
from tests.cli.fake_use import InterruptAtEpoch

pytestmark = pytest.mark.usefixtures("single_thread")

# tiny models with their default dropout (0.1), on 600 rows of ETTh1's OT
OPTIONS = {"s4d": {"d_model": 8, "n_layers": 1, "d_state": 8}, "spacetime": {"d_model": 8, "n_layers": 1}}
FAST = {"limit_train_batches": 3, "limit_val_batches": 2, "enable_progress_bar": False}
INTERRUPT = "--trainer.callbacks+=tests.cli.fake_use.InterruptAtEpoch"  # Ctrl-C as epoch 1 starts


@pytest.fixture(scope="module")
def etth1(shared_data) -> pd.DataFrame:
    return pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:600]


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # outputs in the test's folder


def last_state(out: Path, epoch: int = 2) -> dict[str, torch.Tensor]:
    (ckpt,) = out.rglob("last.ckpt")
    state = torch.load(ckpt, map_location="cpu", weights_only=True)
    assert state["epoch"] == epoch
    return state["state_dict"]


def assert_same_bits(got: dict[str, torch.Tensor], expected: dict[str, torch.Tensor]) -> None:
    assert got.keys() == expected.keys()
    for name, value in expected.items():
        assert torch.equal(got[name], value), f"{name}: {(got[name] - value).abs().max().item():.3g} away"


def without_states(monkeypatch) -> None:
    """Checkpoints keep no generator states: what fits did before they were kept."""
    monkeypatch.setattr(GlobalGenerators, "save", classmethod(lambda cls, checkpoint, *args, **kwargs: None))


@pytest.mark.parametrize("model", ["s4d", "spacetime"])
def test_a_forecaster_resumed_after_epoch_0_ends_with_the_uninterrupted_weights(model, etth1, tmp_path,
                                                                               monkeypatch):  # fmt: skip
    def fit(out: str, callbacks=(), resume: bool = False) -> None:
        forecaster = Forecaster(model=model, lookback=24, horizon=8, max_epochs=3, batch_size=16,
                                model_options=OPTIONS[model], patience=None, log_to_mlflow=False,
                                out_dir=str(tmp_path / out),
                                trainer_options={**FAST, "callbacks": list(callbacks)})  # fmt: skip
        forecaster.fit(etth1, time_col="date", target="OT", resume=resume)

    with monkeypatch.context() as before:
        without_states(before)
        fit("before")
    fit("whole")
    assert_same_bits(last_state(tmp_path / "whole"), last_state(tmp_path / "before"))  # fresh fits unchanged

    with pytest.raises(KeyboardInterrupt):
        fit("cut", [InterruptAtEpoch(1)])
    (cut,) = (tmp_path / "cut").rglob("last.ckpt")
    assert GLOBAL_STATES_KEY in torch.load(cut, weights_only=True)  # loads without unsafe classes
    fit("cut", resume=True)
    whole = last_state(tmp_path / "whole")
    assert any(v.is_floating_point() and v.abs().sum() > 0 for v in whole.values()), "nothing trained"
    assert_same_bits(last_state(tmp_path / "cut"), whole)


class StopMidEpoch1(pl.Callback):
    """What Lightning's ``Timer`` does when ``max_time`` runs out after epoch 1's second batch."""

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if trainer.current_epoch == 1 and batch_idx == 1:
            trainer.should_stop = True


@pytest.mark.parametrize("validation", [True, False])
def test_a_forecaster_stopped_mid_epoch_resumes_to_the_uninterrupted_weights(validation, etth1, tmp_path):
    """``last.ckpt`` is written as the batch after which ``max_time`` stops a fit mid-epoch ends (with the
    generators' states it left), before the validation at the stop; the resume trains epoch 1's last batch
    next."""
    options = {**FAST, **({} if validation else {"limit_val_batches": 0})}

    def fit(out: str, callbacks=(), resume: bool = False) -> None:
        forecaster = Forecaster(model="s4d", lookback=24, horizon=8, max_epochs=3, batch_size=16,
                                model_options=OPTIONS["s4d"], patience=None, log_to_mlflow=False,
                                out_dir=str(tmp_path / out),
                                trainer_options={**options, "callbacks": list(callbacks)})  # fmt: skip
        forecaster.fit(etth1, time_col="date", target="OT", resume=resume)

    fit("whole")
    fit("stopped", [StopMidEpoch1()])
    last_state(tmp_path / "stopped", epoch=1)
    fit("stopped", resume=True)
    assert_same_bits(last_state(tmp_path / "stopped"), last_state(tmp_path / "whole"))


@pytest.mark.parametrize("model, workers", [("s4d", 0), ("spacetime", 1)])
def test_forecast_fit_resumed_with_ckpt_path_last_ends_with_the_uninterrupted_weights(model, workers, etth1,
                                                                                     tmp_path):  # fmt: skip
    csv = tmp_path / "etth1.csv"
    etth1.to_csv(csv, index=False)
    options = "{" + ", ".join(f"{k}: {v}" for k, v in OPTIONS[model].items()) + "}"
    args = ["forecast", "fit", "--data.path", str(csv), "--data.target", "OT", "--data.time_col", "date",
            "--model.model", model, "--model.model_options", options, "--model.lookback", "24",
            "--model.horizon", "8", "--data.batch_size", "16", "--data.num_workers", str(workers),
            "--trainer.max_epochs", "3", "--trainer.limit_train_batches", "3", "--trainer.limit_val_batches", "2",
            "--trainer.enable_progress_bar", "false", "--trainer.logger", "false", "--seed_everything", "0"]  # fmt: skip
    assert cli.main([*args, "--out", "whole"]) == 0
    assert cli.main([*args, "--out", "cut", INTERRUPT]) == 130  # Ctrl-C
    assert cli.main([*args, "--out", "cut", "--ckpt_path", "last"]) == 0
    assert_same_bits(last_state(tmp_path / "cut"), last_state(tmp_path / "whole"))


class InterruptInEpoch1(pl.Callback):
    """Ctrl-C as epoch 1's second batch starts: a ModelCheckpoint saving every step has just written its
    ``last.ckpt`` (epoch 1, step 4), after ssm-ts's of epoch 0 (step 3)."""

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if trainer.current_epoch == 1 and batch_idx == 1:
            raise KeyboardInterrupt


def test_a_tuning_trial_rerun_from_its_checkpoint_fits_the_uninterrupted_model(etth1, tmp_path, monkeypatch):
    """The rerun resumes (and records) ssm-ts's ``last.ckpt`` of epoch 0, not the newer one of the user's
    ModelCheckpoint in ``trainer_options`` (before, it recorded the user's file)."""
    users = ModelCheckpoint(save_last=True, every_n_train_steps=1)

    def search(name: str):
        return tune_forecaster(etth1, {"lr": [1e-3]}, sampler="grid", storage=f"sqlite:///{tmp_path / name}.db",
                               out_dir=name, target="OT", time_col="date", model="spacetime", lookback=24,
                               horizon=8, max_epochs=3, batch_size=16, model_options=OPTIONS["spacetime"],
                               patience=None, log_to_mlflow=False,
                               trainer_options={**FAST, "callbacks": [users]})  # fmt: skip

    with monkeypatch.context() as patch:
        own_callbacks = _TrialForecaster._fit_callbacks
        patch.setattr(
            _TrialForecaster, "_fit_callbacks", lambda self: [*own_callbacks(self), InterruptInEpoch1()]
        )
        with pytest.raises(KeyboardInterrupt):
            search("cut")
    (user_last,) = (tmp_path / "cut" / "trial-0").rglob("user_checkpoints/last.ckpt")
    (own_last,) = (tmp_path / "cut" / "trial-0").rglob("checkpoints/last.ckpt")
    assert user_last.stat().st_mtime_ns >= own_last.stat().st_mtime_ns  # the user's is the newest last.ckpt

    rerun = search("cut").study.trials[1]  # continued: trial 1 reruns trial 0 from its last.ckpt
    assert rerun.user_attrs["resumed"] == {"trial": 0, "checkpoint": str(own_last.absolute()), "epoch": 1}
    whole = search("whole").study.trials[0]
    assert rerun.value == whole.value
    assert_same_bits(
        Forecaster.load(rerun.user_attrs["export"]).task_.state_dict(),
        Forecaster.load(whole.user_attrs["export"]).task_.state_dict(),
    )
