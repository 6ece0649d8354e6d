"""An unknown ``lr_schedule`` and a negative or NaN ``weight_decay`` are ConfigErrors naming the setting,
the value and the choices, from the classification task and from ``SSMClassifier.fit`` before any
training: the task's optimizer took anything but "none" as the cosine schedule, and torch takes a
negative weight decay without a word (as the audio task, whose check they share)."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts.api.classifier import SSMClassifier
from ssm_ts.errors import ConfigError
from ssm_ts.tasks.classification import ClassificationTask

REFUSED = [
    ({"lr_schedule": "linear"}, r"lr_schedule must be 'cosine' or 'none' \(CLI: --model.lr_schedule\), got 'linear'"),
    ({"lr_schedule": "Cosine"}, r"lr_schedule must be 'cosine' or 'none'.*got 'Cosine'"),
    ({"weight_decay": -0.1}, r"weight_decay .*must be a number >= 0.*got -0.1"),
    ({"weight_decay": float("nan")}, r"weight_decay .*must be a number >= 0.*got nan"),
]  # fmt: skip


@pytest.mark.parametrize(("settings", "message"), REFUSED, ids=["linear", "Cosine", "negative", "nan"])
def test_the_task_refuses_an_unknown_schedule_and_a_bad_weight_decay(settings, message):
    with pytest.raises(ConfigError, match=message):
        ClassificationTask(**settings)


def test_the_known_schedules_and_no_weight_decay_are_taken():
    for schedule in ("cosine", "none"):
        assert ClassificationTask(lr_schedule=schedule, weight_decay=0.0).hparams.lr_schedule == schedule


@pytest.mark.parametrize("weight_decay", [-0.1, float("nan")])
def test_the_classifier_refuses_a_bad_weight_decay_before_reading_the_data(weight_decay):
    X, y = np.zeros((4, 1, 8)), np.array(["a", "b", "a", "b"])
    X[0, 0, 0] = np.nan  # a DataError, had the data been read first
    with pytest.raises(ConfigError, match=r"weight_decay .*must be a number >= 0"):
        SSMClassifier(weight_decay=weight_decay, max_epochs=1).fit(X, y)


def test_the_forecasting_task_refuses_an_unknown_schedule_too():
    from ssm_ts.tasks.forecasting import ForecastingTask

    with pytest.raises(ConfigError, match=r"lr_schedule must be 'cosine' or 'none'.*got 'linear'"):
        ForecastingTask(lr_schedule="linear")
    assert ForecastingTask(lr_schedule="none").hparams.lr_schedule == "none"
