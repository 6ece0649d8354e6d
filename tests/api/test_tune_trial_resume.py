"""A continued search reruns an interrupted trial from its ``last.ckpt`` (ETTh1's OT): the epochs it
trained are not trained again, its MLflow run continues, and its model is the one an uninterrupted
trial fits; a checkpoint it cannot resume is named in a warning and the trial is fitted from scratch."""

from __future__ import annotations

import os
import re
import signal
import sys
import traceback
from pathlib import Path

import mlflow
import pytest
import torch
from lightning.pytorch.callbacks import Callback

from ssm_ts import Forecaster
from ssm_ts.api.tuning import _TrialForecaster, tune_forecaster
from tests.cli.fake_use import InterruptAtEpoch

SETTINGS = dict(target="OT", time_col="date", model="nlinear", lookback=48, horizon=12, max_epochs=2,
                patience=None, trainer_options={"limit_train_batches": 5})  # fmt: skip
SPACE = {"lr": [1e-3, 3e-3]}
INTERRUPTED_AT = 1  # Ctrl-C as trial 1's second (last) epoch starts: epoch 0 is in its last.ckpt


def _search(ett, tmp_path: Path, name: str):
    folder = tmp_path / name
    kwargs = dict(sampler="grid", storage=f"sqlite:///{folder / 'optuna.db'}", out_dir=str(folder / "out"),
                  tracking_uri=f"sqlite:///{folder / 'mlflow.db'}", **SETTINGS)  # fmt: skip
    return lambda: tune_forecaster(ett, SPACE, **kwargs)


def _ctrl_c_in_trial_1(monkeypatch) -> None:
    own = _TrialForecaster._fit_callbacks

    def with_ctrl_c(self):
        extra = [InterruptAtEpoch(INTERRUPTED_AT)] if self._reporter.trial.number == 1 else []
        return [*own(self), *extra]

    monkeypatch.setattr(_TrialForecaster, "_fit_callbacks", with_ctrl_c)


def _epochs_trained(monkeypatch) -> list[int]:
    """The epochs every trial's fit trains, in order (a spy on the trials' validation reports)."""
    from ssm_ts.api.tuning import _ReportValidationLoss

    seen: list[int] = []
    report = _ReportValidationLoss.on_validation_end

    def spy(self, trainer, pl_module):
        if not trainer.sanity_checking:
            seen.append(trainer.current_epoch)
        return report(self, trainer, pl_module)

    monkeypatch.setattr(_ReportValidationLoss, "on_validation_end", spy)
    return seen


def test_a_trial_interrupted_mid_fit_resumes_its_checkpoint_and_fits_the_uninterrupted_model(
    ett, single_thread, tmp_path, monkeypatch
):
    search = _search(ett, tmp_path, "interrupted")
    with monkeypatch.context() as patch:
        _ctrl_c_in_trial_1(patch)
        with pytest.raises(KeyboardInterrupt):
            search()
    out = tmp_path / "interrupted" / "out"
    (checkpoint,) = (out / "trial-1").rglob("last.ckpt")
    assert torch.load(checkpoint, weights_only=True)["epoch"] == INTERRUPTED_AT - 1

    epochs = _epochs_trained(monkeypatch)
    result = search()  # continued: trial 2 reruns trial 1
    assert epochs == [INTERRUPTED_AT]  # only the epoch the interrupted trial had not trained
    rerun = result.study.trials[2]
    assert rerun.user_attrs["retry_of"] == 1 and rerun.params == result.study.trials[1].params
    assert rerun.user_attrs["resumed"] == {"trial": 1, "checkpoint": str(checkpoint), "epoch": INTERRUPTED_AT}
    # the pruner sees the whole curve: the interrupted trial's epochs, then the resumed one's
    assert sorted(rerun.intermediate_values) == [0, 1]
    assert rerun.intermediate_values[0] == result.study.trials[1].intermediate_values[0]
    trials = result.trials.set_index("trial")
    assert trials["state"].tolist() == ["COMPLETE", "FAIL", "COMPLETE"]
    assert trials.loc[2, "resumed_from_trial"] == 1 and trials.loc[2, "resumed_at_epoch"] == INTERRUPTED_AT
    lines = (out / "trials.csv").read_text().splitlines()  # whole numbers, blank for the other trials
    assert lines[0].endswith(",resumed_from_trial,resumed_at_epoch")
    assert lines[1].endswith(",,") and lines[3].endswith(f",1,{INTERRUPTED_AT}")

    # one MLflow run for the trial, continued: KILLED, then FINISHED with both epochs
    client = mlflow.MlflowClient(f"sqlite:///{tmp_path / 'interrupted' / 'mlflow.db'}")
    assert rerun.user_attrs["run_id"] == result.study.trials[1].user_attrs["run_id"]
    run = client.get_run(rerun.user_attrs["run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.tags["optuna.trial"] == "2" and run.data.tags["optuna.state"] == "COMPLETE"
    assert run.data.tags["tune.resumed_from_trial"] == "1" and run.data.tags["tune.resumed_at_epoch"] == "1"
    assert run.data.tags["mlflow.parentRunId"] == result.run_id
    assert len(client.get_metric_history(run.info.run_id, "val_loss")) == 2  # one per epoch

    # the same search, never interrupted: its trial 1 fits the same model with the same val_loss
    epochs.clear()
    whole = _search(ett, tmp_path, "whole")()
    assert epochs == [0, 1, 0, 1]
    assert rerun.value == pytest.approx(whole.study.trials[1].value, abs=1e-7)
    resumed = Forecaster.load(rerun.user_attrs["export"]).task_.state_dict()
    expected = Forecaster.load(whole.study.trials[1].user_attrs["export"]).task_.state_dict()
    assert resumed.keys() == expected.keys()
    for key, value in resumed.items():
        torch.testing.assert_close(value, expected[key], atol=1e-6, rtol=0)


class _KillAtEpoch(Callback):
    """The machine goes down as an epoch starts: SIGKILL, no cleanup."""

    def __init__(self, epoch: int):
        self.epoch = epoch

    def on_train_epoch_start(self, trainer, pl_module):
        if trainer.current_epoch == self.epoch:
            os.kill(os.getpid(), signal.SIGKILL)


def _search_killed_in_trial_1(csv: Path, kwargs: dict) -> int:
    """The wait status of a process that runs the search and is SIGKILLed as trial 1's second epoch
    starts. A fork of this one, with its imports (a fresh interpreter spent most of the test's time
    importing torch and Lightning); the search's stores are opened in the child only."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            torch.set_num_threads(1)
            own = _TrialForecaster._fit_callbacks
            _TrialForecaster._fit_callbacks = lambda self: [
                *own(self),
                *([_KillAtEpoch(INTERRUPTED_AT)] if self._reporter.trial.number == 1 else []),
            ]
            tune_forecaster(str(csv), SPACE, **kwargs)
        except BaseException:
            traceback.print_exc()  # into the test's captured output
        finally:
            os._exit(1)  # the search ended (or failed) without the kill
    return os.waitpid(pid, 0)[1]


def test_a_trial_of_a_killed_process_resumes_its_checkpoint(ett, single_thread, tmp_path, monkeypatch):
    csv = tmp_path / "etth1.csv"
    ett.to_csv(csv, index=False)
    kwargs = dict(sampler="grid", storage=f"sqlite:///{tmp_path / 'optuna.db'}", out_dir=str(tmp_path / "out"),
                  tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}", **SETTINGS)  # fmt: skip
    status = _search_killed_in_trial_1(csv, kwargs)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status

    epochs = _epochs_trained(monkeypatch)
    result = tune_forecaster(str(csv), SPACE, **kwargs)
    assert epochs == [INTERRUPTED_AT]
    trials = result.trials.set_index("trial")
    assert trials["state"].tolist() == ["COMPLETE", "FAIL", "COMPLETE"]
    assert trials.loc[1, "error"].startswith("interrupted (its process ended while it ran")
    assert trials.loc[2, "resumed_from_trial"] == 1 and trials.loc[2, "resumed_at_epoch"] == INTERRUPTED_AT
    run = mlflow.MlflowClient(kwargs["tracking_uri"]).get_run(trials.loc[2, "run_id"])
    assert trials.loc[2, "run_id"] == trials.loc[1, "run_id"] and run.info.status == "FINISHED"


def _cut_short(checkpoint: Path) -> None:
    checkpoint.write_bytes(checkpoint.read_bytes()[:100])  # a disk that filled up while it was written


def _rename_weights(checkpoint: Path) -> None:
    # weights that no longer fit the model (an upgrade renamed a parameter): it loads, its settings
    # match, and Lightning's restore fails; each continued search stopped on it again
    saved = torch.load(checkpoint, weights_only=True)
    saved["state_dict"] = {f"old_{key}": value for key, value in saved["state_dict"].items()}
    torch.save(saved, checkpoint)


def _other_lr(checkpoint: Path) -> None:
    from ssm_ts.tracking.resume_settings import SETTINGS_KEY

    saved = torch.load(checkpoint, weights_only=True)
    saved[SETTINGS_KEY]["lr"] = 0.5  # trained with another lr than the trial's (its folder reused by hand)
    torch.save(saved, checkpoint)


@pytest.mark.parametrize(
    "damage, reason",
    [
        (_cut_short, r"cannot be resumed .*from scratch"),
        (_rename_weights, r"cannot be resumed \(RuntimeError: .*state_dict"),
        (_other_lr, r"cannot be resumed \(.*lr: 0\.5 in the checkpoint"),
    ],
    ids=["cut-short", "renamed-weights", "other-lr"],
)
def test_a_checkpoint_that_cannot_be_resumed_is_named_and_the_trial_fits_from_scratch(
    damage, reason, ett, single_thread, tmp_path, monkeypatch
):
    search = _search(ett, tmp_path, "damaged")
    with monkeypatch.context() as patch:
        _ctrl_c_in_trial_1(patch)
        with pytest.raises(KeyboardInterrupt):
            search()
    (checkpoint,) = (tmp_path / "damaged" / "out" / "trial-1").rglob("last.ckpt")
    damage(checkpoint)

    epochs = _epochs_trained(monkeypatch)
    with pytest.warns(UserWarning, match=rf"checkpoint {re.escape(str(checkpoint))} {reason}"):
        result = search()
    assert epochs == [0, 1]
    assert result.trials["state"].tolist() == ["COMPLETE", "FAIL", "COMPLETE"]
    rerun = result.study.trials[2]
    assert "resumed" not in rerun.user_attrs and rerun.state.name == "COMPLETE"
    assert Path(rerun.user_attrs["out_dir"]) == (tmp_path / "damaged" / "out" / "trial-2").absolute()
    assert rerun.user_attrs["run_id"] != result.study.trials[1].user_attrs["run_id"]
