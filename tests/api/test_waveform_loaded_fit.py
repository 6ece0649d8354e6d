"""What ``WaveformGenerator.fit`` settles before it builds the model. A loaded generator's fit trains
the model it holds again, its audio settings included (an 8 kHz, 6-bit linear model's fit trained a
16 kHz, 8-bit mu-law one unless each setting was given again), and listening samples asked for
without MLflow, where they would go, warn that none will be made."""

from __future__ import annotations

import pytest

import ssm_ts.api.waveform as waveform_api
from ssm_ts import WaveformGenerator
from ssm_ts.tasks.waveform import WaveformTask

pytestmark = pytest.mark.usefixtures("single_thread")


class _BuiltError(Exception):
    """Raised in place of building the model: the test needs the settings fit builds it with, not a fit."""


@pytest.fixture
def built(monkeypatch) -> dict:
    settings: dict = {}

    def record(**kwargs):
        settings.update(kwargs)
        raise _BuiltError

    monkeypatch.setattr(waveform_api, "WaveformTask", record)
    return settings


@pytest.mark.parametrize(
    ("given", "expected"),
    [({}, (8000, "linear", 6)), ({"sample_rate": 16000, "bits": 4}, (16000, "linear", 4))],
)
def test_a_loaded_generators_fit_keeps_its_models_rate_and_quantisation(tmp_path, built, given, expected):
    held = WaveformGenerator("tiny")
    held.task_ = WaveformTask(preset="tiny", sample_rate=8000, quantization="linear", bits=6)
    held.save(str(tmp_path / "model"))
    with pytest.raises(_BuiltError):
        WaveformGenerator.load(str(tmp_path / "model")).fit(str(tmp_path), **given)
    assert (built["sample_rate"], built["quantization"], built["bits"]) == expected


def test_a_new_generators_fit_trains_at_16_khz_with_8_bit_mu_law(tmp_path, built):
    with pytest.raises(_BuiltError):
        WaveformGenerator("tiny").fit(str(tmp_path))
    assert (built["sample_rate"], built["quantization"], built["bits"]) == (16000, "mu-law", 8)


def test_listening_samples_without_mlflow_warn_that_none_will_be_made(tmp_path, built):
    # before: sample_every_n_epochs=1 with log_to_mlflow=False made no clips, unsaid
    with pytest.warns(UserWarning, match=r"sample_every_n_epochs=1 logs .*log_to_mlflow=False turns off"):
        with pytest.raises(_BuiltError):
            WaveformGenerator("tiny", sample_every_n_epochs=1, log_to_mlflow=False).fit(str(tmp_path))
