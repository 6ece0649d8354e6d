"""``tune_forecaster(storage=..., study_name=...)`` on ETTh1's OT: a stored search survives Ctrl-C and a
killed process, and running it again continues it (finished trials kept and counted toward n_trials)."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import optuna
import pandas as pd
import pytest

from ssm_ts.api.tuning import _ReportValidationLoss, tune_forecaster
from ssm_ts.errors import ConfigError

SMALL = dict(target="OT", time_col="date", model="nlinear", lookback=48, horizon=12, max_epochs=1,
             trainer_options={"limit_train_batches": 5})  # fmt: skip
SPACE = {"lr": [1e-3, 3e-3, 1e-2]}  # a grid of 3: trial 1 interrupted, then one not yet tried


def runs_by_id(uri: str) -> dict[str, mlflow.entities.Run]:
    client = mlflow.MlflowClient(uri)
    experiment = client.get_experiment_by_name("ssm-ts-forecast")
    return {r.info.run_id: r for r in client.search_runs([experiment.experiment_id])}


def test_a_stored_study_continues_and_its_trials_count_toward_n_trials(ett, single_thread, fits, tmp_path):
    uri, storage = f"sqlite:///{tmp_path / 'mlflow.db'}", f"sqlite:///{tmp_path / 'optuna.db'}"
    kwargs = dict(storage=storage, tracking_uri=uri, out_dir=str(tmp_path / "out"), **SMALL)
    first = tune_forecaster(ett, {"lr": (1e-4, 1e-1)}, n_trials=1, **kwargs)
    assert first.earlier_trials == 0 and len(fits) == 1

    second = tune_forecaster(ett, {"lr": (1e-4, 1e-1)}, n_trials=2, **kwargs)  # 2 in total: one more
    assert len(fits) == 2 and second.earlier_trials == 1
    assert list(second.trials["trial"]) == [0, 1] and set(second.trials["state"]) == {"COMPLETE"}
    assert second.trials.loc[0, "lr"] == first.trials.loc[0, "lr"]
    assert second.trials.loc[1, "lr"] != first.trials.loc[0, "lr"]  # the sampler, seeded anew, drew another
    assert second.best_val_loss == pytest.approx(second.trials["val_loss"].min())
    assert second.run_id == first.run_id  # the search's MLflow run continues
    runs = runs_by_id(uri)
    parent = runs[second.run_id]
    assert parent.info.status == "FINISHED" and parent.data.tags["tune.resumes"] == "1"
    assert parent.data.tags["resumed.1.tune.n_trials"] == "2" and parent.data.params["tune.n_trials"] == "1"
    children = [r for r in runs.values() if r.data.tags.get("mlflow.parentRunId") == second.run_id]
    assert len(children) == 2

    # finished: no trial runs; the best, fitted by an earlier run, is loaded from its trial's export
    third = tune_forecaster(ett, {"lr": (1e-4, 1e-1)}, n_trials=2, **kwargs)
    assert len(fits) == 2 and third.earlier_trials == 2
    assert third.best_params == second.best_params and third.best.run_id_ == second.best.run_id_
    assert third.best.predict()["OT"].tolist() == pytest.approx(second.best.predict()["OT"].tolist())
    assert third.best.metrics_["test_loss"] == pytest.approx(second.best.metrics_["test_loss"])
    assert pd.read_csv(tmp_path / "out" / "trials.csv")["trial"].tolist() == [0, 1]


@pytest.mark.parametrize(
    ("space", "settings", "message"),
    [
        (
            {"lr": [1e-3, 1e-2]},
            {},
            "searched another space: lr: choices [0.001, 0.003] then, choices [0.001, 0.01] now",
        ),
        (
            {"lr": [1e-3, 3e-3], "model_options.instance_norm": ["last", "none"]},
            {},
            'model_options.instance_norm: not searched then, choices ["last", "none"] now',
        ),
        ({"lr": [1e-3, 3e-3]}, {"max_epochs": 2}, "other fixed settings (max_epochs: 1 then, 2 now)"),
    ],
)
def test_a_changed_search_is_refused_naming_the_difference(ett, single_thread, fits, tmp_path, space, settings,
                                                           message):  # fmt: skip
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    kwargs = dict(storage=storage, log_to_mlflow=False, **SMALL)
    tune_forecaster(ett, {"lr": [1e-3, 3e-3]}, n_trials=1, **kwargs)
    with pytest.raises(ConfigError) as caught:
        tune_forecaster(ett, space, n_trials=2, **{**kwargs, **settings})
    assert message in str(caught.value)
    assert f"study 'forecast-tune' in {storage}" in str(caught.value)
    assert "give a new study_name" in str(caught.value)
    assert len(fits) == 1  # refused before any trial
    # under a new name, the changed search starts on its own
    result = tune_forecaster(ett, space, n_trials=1, study_name="other", **{**kwargs, **settings})
    assert result.earlier_trials == 0


def test_ctrl_c_keeps_the_finished_trials_and_the_same_call_finishes_the_search(ett, single_thread, tmp_path,
                                                                               monkeypatch):  # fmt: skip
    uri, storage, out = (
        f"sqlite:///{tmp_path / 'mlflow.db'}",
        f"sqlite:///{tmp_path / 'optuna.db'}",
        tmp_path / "out",
    )
    kwargs = dict(sampler="grid", storage=storage, tracking_uri=uri, out_dir=str(out), **SMALL)
    report = _ReportValidationLoss.on_validation_end

    def ctrl_c_in_trial_1(self, trainer, pl_module):  # Ctrl-C while trial 1 trains (after its 1st epoch)
        if self.trial.number == 1 and not trainer.sanity_checking:
            raise KeyboardInterrupt
        return report(self, trainer, pl_module)

    monkeypatch.setattr(_ReportValidationLoss, "on_validation_end", ctrl_c_in_trial_1)
    with pytest.raises(KeyboardInterrupt):
        tune_forecaster(ett, SPACE, **kwargs)
    monkeypatch.undo()

    trials = pd.read_csv(out / "trials.csv")
    assert trials["state"].tolist() == ["COMPLETE", "FAIL"]
    assert trials.loc[1, "error"] == "interrupted (Ctrl-C)"
    runs = runs_by_id(uri)
    (parent,) = [r for r in runs.values() if r.data.tags.get("ssm_ts.kind") == "tune"]
    assert parent.info.status == "KILLED"
    assert runs[trials.loc[0, "run_id"]].info.status == "FINISHED"
    interrupted = runs[trials.loc[1, "run_id"]]
    assert interrupted.info.status == "KILLED" and interrupted.data.tags["optuna.state"] == "FAIL"
    assert mlflow.MlflowClient(uri).list_artifacts(parent.info.run_id)[0].path == "trials.csv"

    result = tune_forecaster(ett, SPACE, **kwargs)  # the same call again: the grid's 3 points, in all
    assert result.earlier_trials == 2 and result.run_id == parent.info.run_id
    states = result.trials.set_index("trial")["state"]
    assert states.tolist() == ["COMPLETE", "FAIL", "COMPLETE", "COMPLETE"]
    retried = result.study.trials[2]
    assert retried.user_attrs["retry_of"] == 1 and retried.params == result.study.trials[1].params
    done = result.trials[result.trials["state"] == "COMPLETE"]
    assert sorted(done["lr"]) == SPACE["lr"]  # every grid point, the interrupted one too
    assert runs_by_id(uri)[result.run_id].info.status == "FINISHED"
    assert len(pd.read_csv(out / "trials.csv")) == 4


def test_a_trial_left_running_by_a_killed_process_fails_and_runs_again(ett, single_thread, tmp_path):
    uri, storage = f"sqlite:///{tmp_path / 'mlflow.db'}", f"sqlite:///{tmp_path / 'optuna.db'}"
    kwargs = dict(storage=storage, tracking_uri=uri, **SMALL)
    first = tune_forecaster(ett, SPACE, sampler="grid", n_trials=1, **kwargs)
    # a process killed during trial 1: the trial and its MLflow run stay RUNNING
    study = optuna.load_study(study_name="forecast-tune", storage=storage)
    killed = study.ask()
    killed.suggest_categorical("lr", SPACE["lr"])
    client = mlflow.MlflowClient(uri)
    run = client.create_run(client.get_experiment_by_name("ssm-ts-forecast").experiment_id)
    killed.set_user_attr("run_id", run.info.run_id)

    result = tune_forecaster(ett, SPACE, sampler="grid", n_trials=2, **kwargs)
    trials = result.trials.set_index("trial")
    assert trials["state"].tolist() == ["COMPLETE", "FAIL", "COMPLETE"]
    assert trials.loc[1, "error"] == "interrupted (its process ended while it ran: killed, crashed)"
    assert trials.loc[2, "lr"] == trials.loc[1, "lr"]  # run again first, with its settings
    assert client.get_run(run.info.run_id).info.status == "KILLED"
    assert result.run_id == first.run_id


def test_a_stored_search_with_callback_objects_keeps_and_reloads_its_trials_models(
    ett, single_thread, tmp_path
):
    # callback objects in trainer_options made each trial's save refuse the settings (not JSON): with
    # MLflow the search stopped after trial 0 trained; without, no model was kept for a continued search
    from lightning.pytorch.callbacks import EarlyStopping, Timer

    uri, storage = f"sqlite:///{tmp_path / 'mlflow.db'}", f"sqlite:///{tmp_path / 'optuna.db'}"
    callbacks = [EarlyStopping("val_loss", patience=2), Timer(duration="00:01:00:00")]
    settings = {
        **SMALL,
        "patience": None,
        "trainer_options": {"limit_train_batches": 5, "callbacks": callbacks},
    }
    kwargs = dict(storage=storage, tracking_uri=uri, out_dir=str(tmp_path / "out"), **settings)
    first = tune_forecaster(ett, {"lr": [1e-3, 3e-3]}, sampler="grid", **kwargs)
    assert first.trials["state"].tolist() == ["COMPLETE", "COMPLETE"]
    assert all(runs_by_id(uri)[t.user_attrs["run_id"]].info.status == "FINISHED" for t in first.study.trials)
    exports = [t.user_attrs["export"] for t in first.study.trials]
    saved = json.loads((Path(exports[0]) / "config.json").read_text())["forecaster"]["trainer_options"]
    assert saved["callbacks"] == [
        {
            "class_path": "lightning.pytorch.callbacks.EarlyStopping",
            "init_args": {"monitor": "val_loss", "patience": 2},
        },
        {"class_path": "lightning.pytorch.callbacks.Timer", "init_args": {"duration": {"seconds": 3600}}},
    ]

    # finished: the best trial's model is loaded from its export, as it was fitted
    again = tune_forecaster(ett, {"lr": [1e-3, 3e-3]}, sampler="grid", **kwargs)
    assert again.earlier_trials == 2 and again.best_params == first.best_params
    assert again.best.predict()["OT"].tolist() == pytest.approx(first.best.predict()["OT"].tolist())
