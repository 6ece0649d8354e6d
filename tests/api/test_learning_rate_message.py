"""A Python front end given a learning rate AdamW cannot train with names its own setting (``lr``, no
command-line option) and quotes its own default: ``Forecaster`` 1e-3, ``SSMClassifier`` 3e-3,
``WaveformGenerator`` 4e-3. The classifier and the generator passed it to their task, whose message
named ``--model.lr`` and "(default 1e-3)"; the generator refused it only once ``fit`` had read the
audio. On the shared data (ETTh1, ItalyPowerDemand)."""

from __future__ import annotations

import inspect
import re

import pytest

from ssm_ts import Forecaster, SSMClassifier, WaveformGenerator
from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.sensor import read_ts


def message(default: str) -> str:
    return re.escape(
        "lr must be a number above 0 and at most 3.4e+37 (AdamW's first step, 10 x lr, must fit in float32), "
        f"got 1e+38; learning rates are usually between 1e-4 and 1e-1 (default {default})."
    )


@pytest.mark.parametrize(
    ("front_end", "default"), [(Forecaster, "0.001"), (SSMClassifier, "0.003"), (WaveformGenerator, "0.004")]
)
def test_the_quoted_default_is_the_front_ends_own(front_end, default):
    assert float(default) == inspect.signature(front_end).parameters["lr"].default


def test_forecaster(ett, tmp_path):
    with pytest.raises(ConfigError, match=message("0.001")):
        Forecaster(model="nlinear", lr=1e38, log_to_mlflow=False, out_dir=str(tmp_path)).fit(
            ett, target="OT", time_col="date"
        )


def test_classifier(shared_data, single_thread):
    train = read_ts(shared_data / "classification" / "ItalyPowerDemand" / "ItalyPowerDemand_TRAIN.ts")
    with pytest.raises(ConfigError, match=message("0.003")):
        SSMClassifier(lr=1e38, max_epochs=1).fit(train.values, train.labels)


def test_waveform_generator_refuses_it_when_built(tmp_path):
    with pytest.raises(ConfigError, match=message("0.004")):  # as Forecaster: before fit reads any audio
        WaveformGenerator(lr=1e38, max_epochs=1, log_to_mlflow=False, out_dir=str(tmp_path))
