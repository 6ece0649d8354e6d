"""Counts of one in the sensor readers' and the classifier's messages are singular: "has 1 channel",
"1 dimension", "1 time step" (they said "has 1 channels", "1 dimensions", "1 time steps")."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.sensor import make_series_set, read_ts
from ssm_ts.tasks.classification import ClassificationTask
from ssm_ts.wording import counted


def test_counted_is_singular_for_one_only():
    assert [counted(n, "channel") for n in (0, 1, 2)] == ["0 channels", "1 channel", "2 channels"]
    assert counted(1, "time step") == "1 time step" and counted(3, "class", "classes") == "3 classes"


def write_ts(folder, header: str, cases: str):
    path = folder / "one.ts"
    path.write_text(f"@problemName one\n{header}\n@data\n{cases}\n")
    return path


def test_a_case_of_one_dimension(tmp_path):
    path = write_ts(tmp_path, "@dimensions 2\n@classLabel true a b", "1,2,3:a")
    with pytest.raises(DataError, match=r"case 0 has 1 dimension but the header declares @dimensions 2"):
        read_ts(path)


def test_a_case_of_one_time_step(tmp_path):
    path = write_ts(tmp_path, "@seriesLength 2\n@classLabel true a b", "1,2:a\n3:b")
    with pytest.raises(DataError, match=r"\(case 1\): 1 time step but the header declares @seriesLength 2"):
        read_ts(path)


def test_a_recording_of_one_channel_among_two_channel_ones():
    with pytest.raises(DataError, match="recording 1: has 1 channel but recording 0 has 2"):
        make_series_set([np.ones((2, 5)), np.ones((1, 5))], ["a", "b"])


def test_one_channel_name_for_two_channels():
    with pytest.raises(DataError, match=r"1 channel name \['x'\] for 2 channels\."):
        make_series_set([np.ones((2, 5))], ["a"], channel_names=["x"])


def test_channel_names_for_a_one_channel_model():
    with pytest.raises(ConfigError, match=r"must name each of the model's 1 channel once"):
        ClassificationTask(
            model="random_features", model_options={"n_kernels": 20}, n_channels=1, classes=["a", "b"],
            channel_names=["x", "y"],
        )  # fmt: skip


def test_predict_of_one_channel_says_1_channel():
    from ssm_ts import SSMClassifier

    X = np.random.default_rng(0).normal(size=(6, 2, 40))
    model = SSMClassifier(max_epochs=1, d_model=4, d_state=4, n_layers=1, val_fraction=0, random_state=0)
    model.fit(X, ["a", "b"] * 3)
    with pytest.raises(DataError, match="X has 1 channel but the classifier was fitted on 2"):
        model.predict(X[:, :1])
    with pytest.raises(DataError, match="X has 1 channel but the classifier was fitted on 2"):
        model.task_.predict_proba(torch.zeros(2, 40, 1))  # the logged MLflow model's route


def test_a_series_set_of_one_recording_and_channel():
    one = make_series_set([np.ones((1, 5))], ["a"])
    assert repr(one) == "SeriesSet(1 recording of 1 channel, length 5, 1 class, source='array')"


def test_random_features_say_one_channel_in_the_singular():
    import torch

    from ssm_ts.errors import DataError
    from ssm_ts.models.random_ssm_inputs import check_padded

    with pytest.raises(DataError, match=r"has 1 channel, but the features were fitted on 2"):
        check_padded(torch.zeros(3, 1, 8), 2)
