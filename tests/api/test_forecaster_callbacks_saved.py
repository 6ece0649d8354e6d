"""A Forecaster whose ``trainer_options`` hold callback objects saves and logs its model: the callbacks
are recorded as LightningCLI's ``class_path``/``init_args`` (they used to make the export refuse the
settings, "the model config must hold only JSON values", after training, with MLflow on by default),
a loaded model predicts the same and refits with the same callbacks, and a resume with the same
callbacks changes no setting. On real ETTh1 rows, a tiny nlinear model."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from lightning.pytorch.callbacks import Callback, EarlyStopping, LearningRateMonitor

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError

pytestmark = pytest.mark.usefixtures("single_thread")

DESCRIBED = [
    {"class_path": "lightning.pytorch.callbacks.LearningRateMonitor", "init_args": {}},
    {
        "class_path": "lightning.pytorch.callbacks.EarlyStopping",
        "init_args": {"monitor": "val_loss", "patience": 2},
    },
]


def settings(tmp_path, callbacks: list, **changed) -> dict:
    options = {"limit_train_batches": 5, "enable_progress_bar": False, "callbacks": callbacks}
    base = dict(model="nlinear", lookback=48, horizon=12, max_epochs=1, patience=None, out_dir=str(tmp_path / "fit"),
                tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}", trainer_options=options)  # fmt: skip
    return {**base, **changed}


@pytest.fixture(scope="module")
def fitted(ett, tmp_path_factory) -> tuple[Forecaster, dict]:
    """One fit with callback objects and MLflow on (an sqlite store), and its settings."""
    folder = tmp_path_factory.mktemp("fit")
    given = settings(folder, [LearningRateMonitor(), EarlyStopping("val_loss", patience=2)])
    return Forecaster(**given).fit(ett, target="OT", time_col="date"), given


def test_a_fit_with_callback_objects_logs_its_model(fitted):
    fc, given = fitted
    client = mlflow.MlflowClient(given["tracking_uri"])
    run = client.get_run(fc.run_id_)
    assert run.info.status == "FINISHED"
    assert "lr-AdamW/pg1" in run.data.metrics  # LearningRateMonitor took part in the fit
    assert "MLmodel" in {a.path.split("/")[-1] for a in client.list_artifacts(fc.run_id_, "model")}
    # the same values in every process (it held "[<...LearningRateMonitor object at 0x7f...>, ...]")
    params = {
        k: v for k, v in run.data.params.items() if k.startswith("forecaster.trainer_options.callbacks")
    }
    assert params == {
        "forecaster.trainer_options.callbacks.0.class_path": "lightning.pytorch.callbacks.LearningRateMonitor",
        "forecaster.trainer_options.callbacks.1.class_path": "lightning.pytorch.callbacks.EarlyStopping",
        "forecaster.trainer_options.callbacks.1.init_args.monitor": "val_loss",
        "forecaster.trainer_options.callbacks.1.init_args.patience": "2",
    }
    export = json.loads((fc.out_dir_ / "export" / "config.json").read_text())
    assert export["forecaster"]["trainer_options"]["callbacks"] == DESCRIBED


def test_save_load_predict_gives_the_same_forecast(fitted, tmp_path):
    fc, _ = fitted
    loaded = Forecaster.load(fc.save(tmp_path / "model"))
    pd.testing.assert_frame_equal(loaded.predict(), fc.predict())
    assert loaded.settings["trainer_options"]["callbacks"] == DESCRIBED


def test_a_loaded_model_refits_with_the_same_callbacks(fitted, ett, tmp_path, fits):
    fc, _ = fitted
    loaded = Forecaster.load(fc.save(tmp_path / "model"))
    loaded.backtest(ett, n_windows=1, refit=True)
    refit, _ = fits[-1]
    # built from the saved descriptions, fresh for the refit; the LearningRateMonitor, which only logs,
    # left out of the refit (refits are never logged: Lightning refused it at the refit's start)
    (stopper,) = refit.callbacks_
    assert type(stopper) is EarlyStopping and (stopper.monitor, stopper.patience) == ("val_loss", 2)
    assert refit.settings["trainer_options"]["callbacks"] == DESCRIBED


def test_a_callback_that_only_logs_is_refused_without_mlflow_before_training(ett, tmp_path):
    fc = Forecaster(**settings(tmp_path, [LearningRateMonitor()], log_to_mlflow=False))
    with pytest.raises(
        ConfigError, match=r"callbacks LearningRateMonitor log to the fit's MLflow run.*log_to_mlflow"
    ):
        fc.fit(ett, target="OT", time_col="date")
    assert not list((tmp_path / "fit").rglob("*.ckpt"))


def test_a_resume_with_the_same_callbacks_changes_no_setting(ett, tmp_path):
    callbacks = [LearningRateMonitor(), EarlyStopping("val_loss", patience=2)]
    first = Forecaster(**settings(tmp_path, callbacks)).fit(ett, target="OT", time_col="date")
    again = [LearningRateMonitor(), EarlyStopping("val_loss", patience=2)]  # new objects, the same callbacks
    resumed = Forecaster(**settings(tmp_path, again, max_epochs=2)).fit(ett, target="OT", time_col="date",
                                                                        resume=True)  # fmt: skip
    assert resumed.run_id_ == first.run_id_
    run = mlflow.MlflowClient(settings(tmp_path, [])["tracking_uri"]).get_run(first.run_id_)
    resumed_tags = {k for k in run.data.tags if k.startswith("resumed.")}
    assert resumed_tags == {"resumed.1.forecaster.max_epochs"}  # the callbacks are no change
    assert run.info.status == "FINISHED" and len(resumed.predict()) == 12


class Collector(Callback):
    """A callback writing to the caller's list: its settings cannot be read back."""

    def __init__(self, log: list):
        self.entries = log


def test_a_callback_whose_settings_cannot_be_read_back_is_saved_by_class_and_left_out_of_refits(
    ett, tmp_path, fits
):
    given = settings(tmp_path, [Collector([]), EarlyStopping("val_loss", patience=2, min_delta=0.01)],
                     log_to_mlflow=False)  # fmt: skip
    fc = Forecaster(**given).fit(ett, target="OT", time_col="date")
    loaded = Forecaster.load(fc.save(tmp_path / "model"))
    collector, stopper = loaded.settings["trainer_options"]["callbacks"]
    assert collector["class_path"] == f"{__name__}.Collector" and "argument 'log'" in collector["not_saved"]
    assert stopper["init_args"] == {"monitor": "val_loss", "min_delta": 0.01, "patience": 2}
    pd.testing.assert_frame_equal(loaded.predict(), fc.predict())
    with pytest.warns(
        UserWarning, match=r"Collector was not saved with this Forecaster .* runs without it"
    ) as said:
        loaded.backtest(ett, n_windows=1, refit=True)
    # the user's line, outside ssm-ts: the test's backtest call, seen through the `fits` spy of conftest.py
    assert [Path(w.filename).parent for w in said if "Collector" in str(w.message)] == [Path(__file__).parent]
    refit, _ = fits[-1]
    (rebuilt,) = refit.callbacks_
    # min_delta as the object given keeps it (negative in mode "min")
    assert type(rebuilt) is EarlyStopping and rebuilt.min_delta == -0.01


@pytest.mark.parametrize(
    ("callback", "message"),
    [
        ({"class_path": "EarlyStopping", "init_args": {}}, r"class_path must be a dotted import path"),
        ({"class_path": "a.B", "init_args": [2]}, r"init_args must be a dict"),
        ({"class_path": "a.B", "init": {}}, r"unknown keys \['init'\]"),
    ],
)
def test_a_malformed_callback_description_is_refused_at_construction(tmp_path, callback, message):
    with pytest.raises(ConfigError, match=message):
        Forecaster(**settings(tmp_path, [callback]))


def test_a_described_callback_that_cannot_be_built_is_refused_before_training(ett, tmp_path):
    described = {"class_path": "lightning.pytorch.callbacks.EarlyStopping", "init_args": {"patiense": 2}}
    fc = Forecaster(**settings(tmp_path, [described]))
    with pytest.raises(ConfigError, match=r"cannot be built: .*'patiense' is not accepted"):
        fc.fit(ett, target="OT", time_col="date")
    assert not list((tmp_path / "fit").rglob("*.ckpt"))  # nothing trained
    client = mlflow.MlflowClient(fc.settings["tracking_uri"])
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-forecast").experiment_id])
    assert run.info.status == "FAILED"


def test_callbacks_given_described_train_and_are_saved_as_given(ett, tmp_path):
    fc = Forecaster(**settings(tmp_path, DESCRIBED)).fit(ett, target="OT", time_col="date")
    assert [type(c) for c in fc.callbacks_] == [LearningRateMonitor, EarlyStopping]
    assert "lr-AdamW/pg1" in mlflow.MlflowClient(fc.settings["tracking_uri"]).get_run(fc.run_id_).data.metrics
    assert Forecaster.load(fc.save(tmp_path / "model")).settings["trainer_options"]["callbacks"] == DESCRIBED
