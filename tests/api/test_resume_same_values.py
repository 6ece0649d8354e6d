"""A resumed fit given the values it was started with, in another form or spelled out, continues
(the reviewer's repros, on national_illness.csv and the spoken digits):

- a list where the fit had a tuple, ``0`` where it had ``0.0``, ``1`` for ``1.0``: MLflow's check
  compared the text it logged and refused ("(0.1, 0.5, 0.9) in the run, [0.1, 0.5, 0.9] now");
- a value the fit inferred, spelled out (``time_col="date"``, every series as ``target``,
  ``freq="W-TUE"``): refused as "time_col: None in the checkpoint, 'date' now". Checkpoints keep
  what the data module's settings resolved to; a refusal about a ``None`` says what it resolved to.
"""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster, WaveformGenerator
from ssm_ts.errors import ConfigError
from ssm_ts.export import load_checkpoint
from ssm_ts.tracking.resume_settings import RESOLVED_KEY
from ssm_ts.training import find_newest_checkpoint

pytestmark = pytest.mark.usefixtures("single_thread")

FAST = {
    "limit_train_batches": 2,
    "limit_val_batches": 1,
    "limit_test_batches": 1,
    "enable_progress_bar": False,
}


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # MLflow's store and artifacts in the test's folder


@pytest.fixture
def illness(shared_data):
    return shared_data / "forecasting" / "national_illness.csv"


def _forecaster(tmp_path, log_to_mlflow: bool = True, **settings) -> Forecaster:
    base = dict(model="nlinear", lookback=24, horizon=8, max_epochs=1, out_dir=str(tmp_path / "run"),
                log_to_mlflow=log_to_mlflow, trainer_options=FAST, quantiles=(0.1, 0.5, 0.9),
                fractions=(0.7, 0.1, 0.2))  # fmt: skip
    return Forecaster(**{**base, **settings})


def _only_run(experiment: str) -> mlflow.entities.Run:
    client = mlflow.MlflowClient()
    (run,) = client.search_runs([client.get_experiment_by_name(experiment).experiment_id])
    return run


def _steps(tmp_path) -> int:
    return load_checkpoint(find_newest_checkpoint(tmp_path / "run"))["global_step"]


def test_a_forecaster_resumes_with_the_same_values_in_another_form_or_spelled_out(illness, tmp_path):
    _forecaster(tmp_path).fit(illness)  # time column, series and frequency inferred
    series = list(pd.read_csv(illness, nrows=0).columns[1:])
    steps = _steps(tmp_path)

    resumed = _forecaster(
        tmp_path, max_epochs=2, quantiles=[0.1, 0.5, 0.9], fractions=[0.7, 0.1, 0.2], weight_decay=0
    ).fit(illness, time_col="date", target=series, freq="W-TUE", resume=True)
    assert _steps(tmp_path) == 2 * steps  # it trained on
    run = _only_run("ssm-ts-forecast")
    assert resumed.run_id_ == run.info.run_id and run.info.status == "FINISHED"
    assert run.data.params["forecaster.quantiles"] == "(0.1, 0.5, 0.9)"
    assert run.data.params["forecaster.weight_decay"] == "0.0" and "weight_decay" not in run.data.params
    # only the real change is tagged, not the same values in another form
    assert {k for k in run.data.tags if k.startswith("resumed.")} == {"resumed.1.forecaster.max_epochs"}


@pytest.mark.parametrize("log_to_mlflow", [False, True], ids=["no-mlflow", "mlflow"])
def test_another_value_than_the_inferred_one_is_refused_saying_what_was_inferred(
    illness, tmp_path, log_to_mlflow
):
    _forecaster(tmp_path, log_to_mlflow).fit(illness)  # every series a target
    steps = _steps(tmp_path)
    with pytest.raises(
        ConfigError,
        match=r"target: None \(resolved to \['% WEIGHTED ILI', .*'OT'\]\) in the checkpoint, 'OT' now",
    ):
        _forecaster(tmp_path, log_to_mlflow, max_epochs=2).fit(illness, target="OT", resume=True)
    assert _steps(tmp_path) == steps  # refused before any training
    _forecaster(tmp_path, log_to_mlflow, max_epochs=2).fit(illness, time_col="date", resume=True)
    assert _steps(tmp_path) == 2 * steps

    other = dict(out_dir=str(tmp_path / "other"))
    _forecaster(tmp_path, log_to_mlflow, **other).fit(illness, target="OT")
    with pytest.raises(
        ConfigError,
        match=r"target: 'OT' in the checkpoint, None \(resolved to \['% WEIGHTED ILI', .*'OT'\]\) now",
    ):
        _forecaster(tmp_path, log_to_mlflow, max_epochs=2, **other).fit(illness, resume=True)
    _forecaster(tmp_path, log_to_mlflow, max_epochs=2, **other).fit(illness, target=["OT"], resume=True)


def test_a_checkpoint_without_resolved_values_compares_the_settings_as_given(illness, tmp_path):
    """Checkpoints written before ssm-ts kept the resolved values: a spelled-out value is refused, as before."""
    _forecaster(tmp_path, log_to_mlflow=False).fit(illness, target="OT")
    for path in (tmp_path / "run").rglob("*.ckpt"):
        checkpoint = load_checkpoint(path)
        assert checkpoint.pop(RESOLVED_KEY) == {"time_col": "date", "target": ["OT"], "past_covariates": [],
                                                "future_covariates": [], "freq": "W-TUE"}  # fmt: skip
        torch.save(checkpoint, path)
    with pytest.raises(ConfigError, match=r"time_col: None in the checkpoint, 'date' now"):
        _forecaster(tmp_path, log_to_mlflow=False, max_epochs=2).fit(
            illness, target="OT", time_col="date", resume=True
        )


AUDIO = dict(max_files_per_split=8, split="fractions")


def _generator(tmp_path, **settings) -> WaveformGenerator:
    base = dict(preset="tiny", batch_size=4, max_epochs=1, out_dir=str(tmp_path / "run"),
                trainer_options={"enable_progress_bar": False})  # fmt: skip
    return WaveformGenerator(**{**base, **settings})


def test_a_generator_resumes_with_a_list_for_a_tuple_and_1_for_1_0(shared_data, tmp_path):
    folder = str(shared_data / "audio" / "espeak-digits")
    # one-second clips (the 1 of the test) at 4 kHz, a batch of 4 files a split: 8x fewer samples
    # through the network than 16 kHz and 8 files, the same settings compared on resume
    small = {**AUDIO, "max_files_per_split": 4, "sample_rate": 4000}
    _generator(tmp_path).fit(folder, clip_seconds=1, fractions=(0.8, 0.1, 0.1), **small)
    steps = _steps(tmp_path)
    resumed = _generator(tmp_path, max_epochs=2).fit(
        folder, clip_seconds=1.0, fractions=[0.8, 0.1, 0.1], **small, resume=True
    )
    assert _steps(tmp_path) == 2 * steps
    run = _only_run("ssm-ts-audio")
    assert resumed.run_id_ == run.info.run_id and run.info.status == "FINISHED"
    assert (
        run.data.params["data.fractions"] == "(0.8, 0.1, 0.1)" and run.data.params["data.clip_seconds"] == "1"
    )
    assert {k for k in run.data.tags if k.startswith("resumed.")} == {"resumed.1.generator.max_epochs"}


def test_a_generators_mlflow_refusal_lists_its_own_free_settings(shared_data, tmp_path, monkeypatch):
    """The run's check lists the Python API's free settings, not the CLI's (data.num_workers, model.n_samples)."""
    folder = str(shared_data / "audio" / "espeak-digits")
    _generator(tmp_path).fit(folder, clip_seconds=0.02, **AUDIO)
    # a run whose parameters differ where the checkpoint's settings do not (the run is what MLflow checks)
    monkeypatch.setattr(WaveformGenerator, "_check_resume", lambda *args: None)
    with pytest.raises(ConfigError, match=r"generator.lr: 0.004 in the run, 0.001 now") as err:
        _generator(tmp_path, max_epochs=2, lr=1e-3).fit(folder, clip_seconds=0.02, **AUDIO, resume=True)
    hint = str(err.value).split("may differ: ", 1)[1]
    assert hint.startswith("max_epochs, max_time, ") and "sample_every_n_epochs" in hint
    assert "data.num_workers" not in hint and "model.n_samples" not in hint


def test_trainer_options_given_on_resume_leave_a_tag(illness, tmp_path):
    """None then, a dict now: the dict's keys were never logged, so nothing was compared or tagged."""
    _forecaster(tmp_path, trainer_options=None).fit(illness, target="OT")
    _forecaster(tmp_path, max_epochs=2).fit(illness, target="OT", resume=True)
    run = _only_run("ssm-ts-forecast")
    assert run.data.tags["resumed.1.forecaster.trainer_options"] == str(FAST)
    assert run.data.params["forecaster.trainer_options"] == "None"
    assert not any(k.startswith("forecaster.trainer_options.") for k in run.data.params)
