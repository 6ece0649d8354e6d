"""Training settings of audio generation that torch takes without a word: a negative weight decay
(it pushes the weights away from zero) and an unknown learning-rate schedule (it trained with the
cosine one). Each is a ConfigError naming the setting, from the generator and from the task the CLI
builds, before any audio is read."""

from __future__ import annotations

import pytest

from ssm_ts import WaveformGenerator
from ssm_ts.errors import ConfigError
from ssm_ts.tasks.waveform import WaveformTask

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.mark.parametrize("weight_decay", [-0.01, float("nan"), "0.1"])
def test_a_weight_decay_below_zero_or_not_a_number_is_refused(weight_decay):
    message = r"weight_decay \(CLI: --model.weight_decay\) must be a number >= 0"
    with pytest.raises(ConfigError, match=message):
        WaveformGenerator("tiny", weight_decay=weight_decay)
    with pytest.raises(ConfigError, match=message):
        WaveformTask(preset="tiny", weight_decay=weight_decay)


@pytest.mark.parametrize("schedule", ["linear", None, "Cosine"])
def test_an_unknown_lr_schedule_is_refused(schedule):
    with pytest.raises(ConfigError, match=rf"lr_schedule must be 'cosine' or 'none' .*got {schedule!r}"):
        WaveformTask(preset="tiny", lr_schedule=schedule)


def test_the_known_schedules_and_a_weight_decay_of_zero_build():
    for schedule in ("cosine", "none"):
        assert (
            WaveformTask(preset="tiny", lr_schedule=schedule, weight_decay=0).hparams.lr_schedule == schedule
        )
