"""Studies sharing one ``out_dir`` keep their own trial models. Trial folders were named by number only,
``out_dir/trial-<n>``, whatever the study: a second study (another ``study_name``) wrote its trial 0's
model over the first's ``trial-0/export``, and the first study, continued, loaded that model as its
best (silently wrong forecasts). Each study now has its folder (``out_dir`` for the default name,
``out_dir/<study_name>/`` for another); a kept trial's export records which study and trial fitted it,
and a continued study refuses an export that is not its best trial's. On ETTh1's OT, tiny NLinear fits."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from ssm_ts.api import tune_study
from ssm_ts.api.tuning import tune_forecaster
from ssm_ts.errors import ConfigError, TrainingError

SMALL = dict(target="OT", time_col="date", model="nlinear", lookback=48, horizon=12, max_epochs=1,
             trainer_options={"limit_train_batches": 5}, log_to_mlflow=False, sampler="grid")  # fmt: skip
A, B = {"lr": [1e-3]}, {"lr": [3e-2]}  # one trial each, trained apart: different models


def forecast(result) -> list[float]:
    return result.best.predict()["OT"].tolist()


def test_two_studies_in_one_out_dir_each_continue_with_their_own_best_model(
    ett, single_thread, fits, tmp_path
):
    out = tmp_path / "out"
    kwargs = dict(storage=str(tmp_path / "optuna.db"), out_dir=str(out), **SMALL)
    a = tune_forecaster(ett, A, study_name="a", **kwargs)
    b = tune_forecaster(ett, B, study_name="b", **kwargs)
    assert forecast(b) != pytest.approx(forecast(a))  # two models

    # finished: no trial runs, each best model is loaded from its own trial's export
    again_a = tune_forecaster(ett, A, study_name="a", **kwargs)
    again_b = tune_forecaster(ett, B, study_name="b", **kwargs)
    assert again_a.earlier_trials == 1 and again_b.earlier_trials == 1 and len(fits) == 2
    assert forecast(again_a) == pytest.approx(forecast(a))
    assert forecast(again_b) == pytest.approx(forecast(b))
    assert (out / "a" / "trial-0" / "export").is_dir() and (out / "b" / "trial-0" / "export").is_dir()
    assert (out / "a" / "trials.csv").is_file() and not (out / "trial-0").exists()
    record = json.loads((out / "a" / "trial-0" / "export" / tune_study.TRIAL_FILE).read_text())
    assert record["study"] == "a" and record["trial"] == 0 and record["values"] == {"lr": 1e-3}


def test_a_folder_holding_another_stored_studys_models_is_refused_before_any_trial(
    ett, single_thread, fits, tmp_path
):
    # two storages, the same (default) study name, one out_dir: the same trial folders
    out = str(tmp_path / "out")
    tune_forecaster(ett, A, storage=str(tmp_path / "first.db"), out_dir=out, **SMALL)
    model = (tmp_path / "out" / "trial-0" / "export" / "model.safetensors").read_bytes()
    with pytest.raises(ConfigError) as caught:
        tune_forecaster(ett, B, storage=str(tmp_path / "second.db"), out_dir=out, **SMALL)
    message = str(caught.value)
    assert "holds the trial models of another stored study, 'forecast-tune' in sqlite:///" in message
    assert "first.db (trial-0)" in message and "second.db would write its trials over them" in message
    assert "its own study_name (CLI: --study_name" in message and "another out_dir" in message
    assert len(fits) == 1  # refused before any trial
    assert (tmp_path / "out" / "trial-0" / "export" / "model.safetensors").read_bytes() == model
    # an in-memory search would write over them as well
    with pytest.raises(ConfigError, match="holds the trial models of another stored study"):
        tune_forecaster(ett, B, out_dir=out, **SMALL)
    # under its own name it runs, into its own folder
    named = tune_forecaster(ett, B, storage=str(tmp_path / "second.db"), study_name="b", out_dir=out, **SMALL)
    assert named.earlier_trials == 0 and (tmp_path / "out" / "b" / "trial-0" / "export").is_dir()


def test_a_best_trials_export_holding_another_studys_model_is_refused(ett, single_thread, tmp_path):
    out = tmp_path / "out"
    kwargs = dict(storage=str(tmp_path / "optuna.db"), out_dir=str(out), **SMALL)
    a = tune_forecaster(ett, A, study_name="a", **kwargs)
    tune_forecaster(ett, B, study_name="b", **kwargs)
    export_a = Path(a.study.trials[0].user_attrs["export"])
    assert export_a == (out / "a" / "trial-0" / "export").absolute()

    # another study's trial model in its place (copied over it, as a search writing there would)
    shutil.rmtree(export_a)
    shutil.copytree(out / "b" / "trial-0" / "export", export_a)
    with pytest.raises(TrainingError) as caught:
        tune_forecaster(ett, A, study_name="a", **kwargs)
    message = str(caught.value)
    assert f"the best trial, 0 ({{'lr': 0.001}}, val_loss {a.best_val_loss:.6g})" in message
    assert f"the model at {export_a} is not its model" in message
    assert "study 'b' (in sqlite:///" in message and "trial 0 ({'lr': 0.03}) fitted it" in message
    assert "It is not loaded" in message

    # the same model without its record (as an earlier ssm-ts's search wrote it): the trial wrote one
    (export_a / tune_study.TRIAL_FILE).unlink()
    with pytest.raises(TrainingError, match=f"holds no {tune_study.TRIAL_FILE}, which the trial wrote there"):
        tune_forecaster(ett, A, study_name="a", **kwargs)

    # a record edited to name this trial: the saved settings still say whose model it is
    record = {"study": "a", "trial": 0, "values": {"lr": 1e-3}, "storage": "", "study_uid": None}
    (export_a / tune_study.TRIAL_FILE).write_text(json.dumps(record))
    with pytest.raises(TrainingError, match=r"it was saved with lr 0\.03, not 0\.001"):
        tune_forecaster(ett, A, study_name="a", **kwargs)


def old_layout(patch: pytest.MonkeyPatch) -> None:
    """Store studies as ssm-ts did before per-study folders: trials in ``out_dir/trial-<n>``, their
    exports without a record, the study without an id."""
    patch.setattr(tune_study, "study_folder", lambda out_dir, name: Path(out_dir) if out_dir else None)
    patch.setattr(tune_study, "study_uid", lambda study: None)
    patch.setattr(tune_study, "write_trial_record", lambda *args: None)


def test_a_study_from_before_per_study_folders_continues_from_its_trial_folders(
    ett, single_thread, fits, tmp_path, monkeypatch
):
    out, space = tmp_path / "out", {"lr": [1e-3, 3e-2]}
    kwargs = dict(storage=str(tmp_path / "optuna.db"), out_dir=str(out), study_name="co2", **SMALL)
    with monkeypatch.context() as patch:
        old_layout(patch)
        first = tune_forecaster(ett, space, n_trials=1, **kwargs)
    assert (out / "trial-0" / "export").is_dir() and not (out / "co2").exists()
    assert not (out / "trial-0" / "export" / tune_study.TRIAL_FILE).exists()

    again = tune_forecaster(ett, space, n_trials=1, **kwargs)  # finished: its best is loaded, from trial-0
    assert again.earlier_trials == 1 and len(fits) == 1
    assert again.best.out_dir_ == (out / "trial-0").absolute()
    assert forecast(again) == pytest.approx(forecast(first))
    more = tune_forecaster(ett, space, n_trials=2, **kwargs)  # its new trial: in the study's folder
    assert more.earlier_trials == 1 and len(fits) == 2
    assert json.loads((out / "co2" / "trial-1" / "export" / tune_study.TRIAL_FILE).read_text())["trial"] == 1
    assert (out / "trial-0" / "export").is_dir() and not (out / "trial-1").exists()
    assert pd.read_csv(out / "co2" / "trials.csv")["trial"].tolist() == [0, 1]  # the first run's: out/


def test_a_study_from_before_whose_trial_model_another_study_overwrote_is_refused(
    ett, single_thread, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    kwargs = dict(storage=str(tmp_path / "optuna.db"), out_dir=str(out), **SMALL)
    # the bug: b's trial 0 wrote over a's out/trial-0/export (its fit logged to MLflow published its model
    # there; one not logged is now saved there too, rather than taking the model it finds as its own)
    with monkeypatch.context() as patch:
        old_layout(patch)
        tune_forecaster(ett, A, study_name="a", **kwargs)
        tune_forecaster(ett, B, study_name="b", **kwargs)
    with pytest.raises(TrainingError) as caught:
        tune_forecaster(ett, A, study_name="a", **kwargs)
    message = str(caught.value)
    assert f"the model at {(out / 'trial-0' / 'export').absolute()} is not its model" in message
    assert "it was saved with lr 0.03, not 0.001" in message and "It is not loaded" in message


def test_a_model_an_earlier_search_left_in_a_trial_folder_is_replaced_by_the_trials_own(
    ett, single_thread, tmp_path
):
    # an in-memory search logged to MLflow leaves its trial 0's model in out/trial-0/export (no record:
    # it is never continued); a stored search's trial 0, not logged, took that model as its own
    out, uri = str(tmp_path / "out"), f"sqlite:///{tmp_path / 'mlflow.db'}"
    tune_forecaster(ett, B, out_dir=out, **{**SMALL, "log_to_mlflow": True, "tracking_uri": uri})
    kwargs = dict(storage=str(tmp_path / "optuna.db"), out_dir=out, **SMALL)
    first = tune_forecaster(ett, A, **kwargs)
    again = tune_forecaster(ett, A, **kwargs)  # finished: the best is loaded from trial-0/export
    assert again.earlier_trials == 1
    assert forecast(again) == pytest.approx(forecast(first))
