"""A state dict loaded into a model built with other options names the options that differ (this
model's value and the state dict's), through the core layers' load_state_dict, a task's and the
public load paths (Forecaster.load, the classifier export), instead of torch's list of size mismatches."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.core import DPLRSSM, DiagonalSSM
from ssm_ts.core.saved_options import OptionMismatchError
from ssm_ts.errors import CheckpointError
from ssm_ts.models.s4d_forecaster import S4DForecaster, S4DForecasterOptions
from ssm_ts.models.spacetime import SpaceTime, SpaceTimeOptions
from ssm_ts.tasks.classification import ClassificationTask
from ssm_ts.tasks.classification_export import load_classifier_export, save_classifier_export

LAYOUT = {"lookback": 12, "horizon": 4, "n_channels": 2, "n_outputs": 2}


def test_an_s4d_layer_names_the_state_size_it_was_saved_with():
    saved = DiagonalSSM(d_model=8, d_state=8).state_dict()
    layer = pickle.loads(pickle.dumps(DiagonalSSM(d_model=8, d_state=4)))  # the hook survives pickling
    with pytest.raises(OptionMismatchError, match=r"DiagonalSSM: .*\(d_state: this model has 4, the state dict 8\)"
                       r".*Build the DiagonalSSM with d_state=8") as caught:  # fmt: skip
        layer.load_state_dict(saved)  # was: size mismatch for A_real_raw, A_imag, B, C
    assert isinstance(caught.value, RuntimeError) and isinstance(caught.value, CheckpointError)
    DiagonalSSM(d_model=8, d_state=8).load_state_dict(saved)  # built as the message says: it loads


def test_an_s4_layer_names_the_state_size_it_was_saved_with():
    saved = DPLRSSM(d_model=4, d_state=8).state_dict()
    with pytest.raises(
        OptionMismatchError, match=r"DPLRSSM: .*\(d_state: this model has 4, the state dict 8\)"
    ):
        DPLRSSM(d_model=4, d_state=4).load_state_dict(saved)  # was: size mismatch for log_neg_real, ...
    DPLRSSM(d_model=4, d_state=8).load_state_dict(saved)


def test_forecasting_models_name_each_option_that_differs():
    saved = SpaceTime(options=SpaceTimeOptions(d_model=8, d_state=6, n_layers=1), **LAYOUT).state_dict()
    other = SpaceTime(options=SpaceTimeOptions(d_model=8, d_state=4, n_layers=2), **LAYOUT)
    with pytest.raises(OptionMismatchError, match=r"SpaceTime: .*d_state: this model has 4, the state dict 6; "
                       r"n_layers: this model has 2, the state dict 1\).*d_state=6, n_layers=1"):  # fmt: skip
        other.load_state_dict(saved)
    SpaceTime(options=SpaceTimeOptions(d_model=8, d_state=6, n_layers=1), **LAYOUT).load_state_dict(saved)
    other.load_state_dict(
        {"embedding.weight": other.embedding.weight}, strict=False
    )  # a partial load: as torch

    saved = S4DForecaster(
        options=S4DForecasterOptions(d_model=8, d_state=4, n_layers=1), **LAYOUT
    ).state_dict()
    longer = S4DForecaster(
        options=S4DForecasterOptions(d_model=8, d_state=4, n_layers=1), **{**LAYOUT, "lookback": 24}
    )
    with pytest.raises(
        OptionMismatchError, match=r"S4DForecaster: .*\(lookback: this model has 24, the state dict 12\)"
    ):
        longer.load_state_dict(saved)


def test_the_classifier_export_names_the_option_its_weights_were_saved_with(tmp_path):
    task = ClassificationTask(
        n_channels=3, classes=["a", "b"], model_options={"d_model": 8, "n_layers": 1, "d_state": 4}
    )
    save_classifier_export(tmp_path, task)
    config = json.loads((tmp_path / "config.json").read_text())
    config["task"]["model_options"]["d_state"] = 8  # settings that are not the weights'
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=r"do not fit the saved settings: SSMEncoder1d: .*\(d_state: this model "
                       r"has 8, the state dict 4\)"):  # fmt: skip
        load_classifier_export(tmp_path)


def test_forecaster_load_names_the_option_its_weights_were_saved_with(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"date": pd.date_range("2021", periods=60), "y": rng.normal(size=60).cumsum()})
    fc = Forecaster(model="spacetime", lookback=8, horizon=2, max_epochs=1, log_to_mlflow=False, seed=0,
                    out_dir=str(tmp_path / "out"), model_options={"d_model": 4, "d_state": 4, "n_layers": 1},
                    trainer_options={"limit_train_batches": 1, "limit_val_batches": 1, "enable_progress_bar": False,
                                     "enable_model_summary": False})  # fmt: skip
    fc.fit(frame).save(tmp_path / "model")
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    config["task"]["model_options"]["n_layers"] = 2
    (tmp_path / "model" / "config.json").write_text(json.dumps(config))
    with pytest.raises(
        CheckpointError, match=r"SpaceTime: .*\(n_layers: this model has 2, the state dict 1\)"
    ):
        Forecaster.load(tmp_path / "model")  # was torch's list of 13 missing keys
