"""``ssm_ts.tune_forecaster`` on ETTh1's OT: chosen by validation loss, never by the test split."""

from __future__ import annotations

import itertools
import math
import re

import mlflow
import pandas as pd
import pytest
from lightning.pytorch.callbacks import Callback, EarlyStopping

from ssm_ts.api.forecaster import Forecaster
from ssm_ts.api.tuning import parse_space, tune_forecaster
from ssm_ts.errors import ConfigError, DataError, TrainingError
from ssm_ts.pipelines.forecasting import ForecastDataModule

SMALL = dict(target="OT", time_col="date", model="nlinear", lookback=48, horizon=12, max_epochs=1,
             trainer_options={"limit_train_batches": 5})  # fmt: skip


@pytest.fixture(scope="module")
def search(ett, tmp_path_factory):
    """A 3-trial TPE search logged to MLflow, with the splits whose windows were read, in order."""
    import torch

    folder = tmp_path_factory.mktemp("tune")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    splits: list[str] = []
    windows = ForecastDataModule.windows

    def spy(self, split):
        splits.append(split)
        return windows(self, split)

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ForecastDataModule, "windows", spy)
        result = tune_forecaster(
            ett, {"lr": (1e-4, 1e-1), "model_options.instance_norm": ["last", "none"]}, n_trials=3,
            tracking_uri=uri, out_dir=str(folder / "out"), **SMALL,
        )  # fmt: skip
    torch.set_num_threads(threads)
    return result, splits, uri


def test_best_trial_has_the_lowest_validation_loss(search):
    result, _, _ = search
    trials = result.trials
    assert list(trials["state"]) == ["COMPLETE"] * 3
    assert len(set(trials["lr"])) == 3  # three different settings were tried
    best_row = trials.loc[trials["val_loss"].idxmin()]
    assert result.best_val_loss == pytest.approx(best_row["val_loss"])
    assert result.best.metrics_["val_loss"] == pytest.approx(best_row["val_loss"])
    assert result.best_params == {"lr": best_row["lr"], "model_options.instance_norm": best_row[
        "model_options.instance_norm"]}  # fmt: skip
    assert (trials["duration_s"] > 0).all()


def test_returned_model_has_the_best_params_and_works(search, tmp_path):
    result, _, _ = search
    best = result.best
    assert type(best) is Forecaster
    assert best.settings["lr"] == result.best_params["lr"]
    assert best.settings["model_options"] == {
        "instance_norm": result.best_params["model_options.instance_norm"]
    }
    assert best.settings["trainer_options"] == {"limit_train_batches": 5}  # no trial callback left in
    assert best.task_.hparams.lr == result.best_params["lr"]
    forecast = best.predict()
    assert len(forecast) == 12 and forecast["OT"].notna().all()
    best.save(tmp_path / "model")
    loaded = Forecaster.load(tmp_path / "model")
    assert loaded.predict()["OT"].tolist() == pytest.approx(forecast["OT"].tolist())


def test_trials_never_read_the_test_split(search):
    result, splits, _ = search
    # every trial validated (fit, best-checkpoint metrics, calibration); the test windows were read
    # once, last: the chosen model's score after the search
    assert splits.count("val") >= 3 and splits.count("test") == 1 and splits[-1] == "test"
    assert not any(c.startswith("test") for c in result.trials.columns)
    assert "test_loss" in result.best.metrics_


def test_trials_are_nested_mlflow_runs_under_the_search(search):
    result, _, uri = search
    client = mlflow.MlflowClient(uri)
    experiment = client.get_experiment_by_name("ssm-ts-forecast")
    runs = {r.info.run_id: r for r in client.search_runs([experiment.experiment_id])}
    parent = runs[result.run_id]
    children = [r for r in runs.values() if r.data.tags.get("mlflow.parentRunId") == result.run_id]
    assert len(runs) == 4 and len(children) == 3
    assert {r.info.run_id for r in children} == set(result.trials["run_id"])
    assert parent.info.status == "FINISHED"
    assert parent.data.tags["best_trial_run_id"] == result.best.run_id_
    assert parent.data.params["best.lr"] == repr(result.best_params["lr"])
    assert parent.data.metrics["best_val_loss"] == pytest.approx(result.best_val_loss)
    for child in children:
        row = result.trials.set_index("run_id").loc[child.info.run_id]
        assert float(child.data.params["forecaster.lr"]) == pytest.approx(row["lr"])
        assert child.data.metrics["best_val_loss"] == pytest.approx(row["val_loss"])
        assert child.data.tags["optuna.state"] == "COMPLETE"
    assert "test_loss" in runs[result.best.run_id_].data.metrics  # scored once, after the search


def test_grid_search_covers_every_combination(ett, single_thread, tmp_path):
    space = {"lr": [1e-3, 1e-2], "model_options.instance_norm": ["last", "none"]}
    result = tune_forecaster(ett, space, sampler="grid", log_to_mlflow=False, out_dir=str(tmp_path), **SMALL)
    tried = set(zip(result.trials["lr"], result.trials["model_options.instance_norm"], strict=True))
    assert tried == set(itertools.product(*space.values()))
    assert len(result.trials) == 4


@pytest.mark.parametrize(
    ("space", "settings", "message"),
    [
        ({"lrr": (1e-4, 1e-2)}, {}, "not a Forecaster setting; did you mean 'lr'"),
        ({"model_options.d_modle": [32, 64]}, {"model": "spacetime"}, "did you mean 'd_model'"),
        ({"model_options.d_model": [32]}, {"model": "nlinear"}, "model 'nlinear' has no option 'd_model'"),
        ({"model": ["nlinear", "spacetime"], "model_options.d_model": [32]}, {}, "'nlinear' has no option"),
        ({"trainer_options.gradient_clip": [0.5]}, {}, "did you mean 'gradient_clip_val'"),
        ({}, {}, "the search space is empty"),
        ({"lr": []}, {}, "the list of choices is empty"),
        ({"lr": (1e-2, 1e-4)}, {}, "low 0.01 must be below its high 0.0001"),
        ({"lr": (0.0, 1e-2)}, {}, "a log-scale range needs low > 0"),
        ({"lr": (1e-4, 1e-2)}, {"sampler": "grid"}, "sampler='grid' needs a list of choices"),
        ({"lr": [1e-3]}, {"n_trials": 0}, "n_trials must be a whole number >= 1"),
        ({"lr": [1e-3]}, {"lr": 1e-3}, "'lr' is both a fixed setting and searched"),
        ({"lr": [1e-3]}, {"hoirzon": 12}, "unknown setting 'hoirzon'; did you mean 'horizon'"),
        ({"out_dir": ["a", "b"]}, {}, "give it as a fixed setting"),
    ],
)
def test_bad_spaces_are_refused_before_reading_data(space, settings, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        tune_forecaster("no-such-file.csv", space, **settings)


def test_ranges_infer_integers_and_log_scale():
    lr, lookback, dropout = parse_space(
        {"lr": (1e-4, 1e-2), "lookback": (24, 96), "model_options.dropout": (0.0, 0.3)}, "spacetime"
    )
    assert lr.log and not lr.integer
    assert lookback.integer and not lookback.log
    assert not dropout.log and not dropout.integer


class _PruneAfterFirstTrial:
    """A pruner that stops every trial but the first after its first epoch."""

    def __new__(cls):
        import optuna

        class Pruner(optuna.pruners.BasePruner):
            def prune(self, study, trial) -> bool:
                return trial.number > 0

        return Pruner()


def test_pruned_trials_stop_early_and_are_never_chosen(ett, single_thread, tmp_path):
    settings = {**SMALL, "max_epochs": 3, "patience": None, "out_dir": str(tmp_path)}
    result = tune_forecaster(ett, {"lr": [1e-1, 1e-3, 3e-3]}, sampler="grid", prune=_PruneAfterFirstTrial(),
                             log_to_mlflow=False, **settings)  # fmt: skip
    trials = result.trials.set_index("trial")
    assert list(trials["state"]) == ["COMPLETE", "PRUNED", "PRUNED"]
    assert result.best_params == {"lr": trials.loc[0, "lr"]}
    assert result.study.trials[1].last_step == 0  # stopped after its first epoch of 3
    assert result.study.trials[0].last_step == 2


def test_a_data_problem_is_refused_before_the_search_starts(ett, tmp_path):
    uri, storage = f"sqlite:///{tmp_path / 'mlflow.db'}", tmp_path / "study" / "optuna.db"
    with pytest.raises(DataError, match=r"'OTT'"):
        tune_forecaster(ett, {"lr": [1e-3]}, tracking_uri=uri, storage=storage, out_dir=str(tmp_path / "out"),
                        **{**SMALL, "target": "OTT"})  # fmt: skip
    assert not storage.exists() and not (tmp_path / "out").exists()  # no study stored, no trial folder
    assert mlflow.MlflowClient(uri).get_experiment_by_name("ssm-ts-forecast") is None  # no run


def test_a_setting_problem_names_the_trial_and_fails_the_search_run(ett, tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with pytest.raises(DataError, match=r"the search stopped at trial 0 \(\{'lookback': 2000\}\): "):
        tune_forecaster(ett, {"lookback": [2000]}, tracking_uri=uri, out_dir=str(tmp_path),
                        **{k: v for k, v in SMALL.items() if k != "lookback"})  # fmt: skip
    client = mlflow.MlflowClient(uri)
    (parent,) = client.search_runs([client.get_experiment_by_name("ssm-ts-forecast").experiment_id])
    assert parent.data.tags["ssm_ts.kind"] == "tune" and parent.info.status == "FAILED"


ILI = dict(target="OT", time_col="date", model="spacetime", lookback=36, horizon=24, max_epochs=1,
           trainer_options={"limit_train_batches": 5})  # fmt: skip  # lr 1e4: NaN at its 4th batch


def test_a_diverging_trial_fails_and_the_search_goes_on(shared_data, single_thread, tmp_path, optuna_records):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = tune_forecaster(shared_data / "forecasting" / "national_illness.csv", {"lr": [1e4, 1e-3]},
                             sampler="grid", tracking_uri=uri, out_dir=str(tmp_path), **ILI)  # fmt: skip
    trials = result.trials.set_index("lr")
    assert trials.loc[1e4, "state"] == "FAIL" and "training loss became nan" in trials.loc[1e4, "error"]
    assert trials.loc[1e-3, "state"] == "COMPLETE" and pd.isna(trials.loc[1e-3, "error"])
    assert result.best_params == {"lr": 1e-3}
    client = mlflow.MlflowClient(uri)
    failed = client.get_run(trials.loc[1e4, "run_id"])
    assert failed.info.status == "FAILED" and failed.data.tags["optuna.state"] == "FAIL"
    assert failed.data.tags["mlflow.parentRunId"] == result.run_id
    assert client.get_run(result.run_id).info.status == "FINISHED"
    # Optuna's one warning line per failed trial, without a traceback through Lightning
    warned = [r for r in optuna_records if "training loss became nan" in r.getMessage()]
    assert warned and all(r.exc_info is None for r in warned)


def test_a_search_whose_every_trial_fails_says_why(shared_data, single_thread, tmp_path):
    with pytest.raises(TrainingError, match=r"every trial of the search failed.*2 of 2 failed") as caught:
        tune_forecaster(shared_data / "forecasting" / "national_illness.csv", {"lr": [1e4, 1e5]},
                        sampler="grid", log_to_mlflow=False, out_dir=str(tmp_path), **ILI)  # fmt: skip
    for lr in ("10000.0", "100000.0"):  # each trial's settings and its reason, in the grid's order
        assert re.search(rf"trial \d \{{'lr': {lr}\}}: training loss became nan", str(caught.value))
    assert "a lower lr" in str(caught.value)


class _Epochs(Callback):
    """Records, at each fit's start, the epochs this object already saw and EarlyStopping's best score."""

    def __init__(self, seen: list[dict]):
        self.seen, self.epochs = seen, []

    def __deepcopy__(self, memo: dict) -> _Epochs:  # copies report to the test's list
        copied = _Epochs(self.seen)
        copied.epochs = list(self.epochs)
        return copied

    def on_fit_start(self, trainer, pl_module) -> None:
        stoppers = [c for c in trainer.callbacks if type(c) is EarlyStopping]
        self.seen.append({"epochs": list(self.epochs), "best": [float(c.best_score) for c in stoppers]})

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self.epochs.append(trainer.current_epoch)


def test_each_trial_starts_with_fresh_user_callbacks(ett, single_thread, tmp_path):
    seen: list[dict] = []
    callbacks = [EarlyStopping("val_loss", patience=1), _Epochs(seen)]
    settings = {**SMALL, "max_epochs": 2, "patience": None,
                "trainer_options": {"limit_train_batches": 5, "callbacks": callbacks}}  # fmt: skip
    result = tune_forecaster(ett, {"lr": [1e-3, 1e-3]}, sampler="grid", prune=False, log_to_mlflow=False,
                             out_dir=str(tmp_path), **settings)  # fmt: skip
    assert len(result.trials) == 2
    # the fit after the search (the test split) uses none; both trials started fresh, as the user gave them
    assert seen == [{"epochs": [], "best": [math.inf]}] * 2
    assert callbacks[1].epochs == [] and callbacks[0].best_score == math.inf


def test_trainer_objects_given_described_serve_every_trial_and_the_test_fit(ett, single_thread, tmp_path):
    # LightningCLI's form, as a saved model records them: the trials and the chosen model's test pass build
    # them (the test pass gave Lightning the dict, after the search had trained)
    options = {
        "limit_train_batches": 5,
        "profiler": {"class_path": "lightning.pytorch.profilers.PassThroughProfiler"},
        "callbacks": [
            {"class_path": "lightning.pytorch.callbacks.EarlyStopping", "init_args": {"monitor": "val_loss"}}
        ],
    }
    settings = {**SMALL, "patience": None, "trainer_options": options}
    result = tune_forecaster(ett, {"lr": [1e-3]}, sampler="grid", log_to_mlflow=False, out_dir=str(tmp_path),
                             **settings)  # fmt: skip
    assert result.trials["state"].tolist() == ["COMPLETE"] and "test_loss" in result.best.metrics_
