"""``ssm-ts USE fit --model.lr 1e38`` names the setting once with its option (``lr (CLI: --model.lr)``,
then ``10 x lr``) and quotes the task's own default learning rate: the message said
``10 x lr (CLI: --model.lr)`` and "(default 1e-3)" for every task, although the classifier's default
is 3e-3 and audio's 4e-3. In-process, on the packaged quick configs and the shared data."""

from __future__ import annotations

import inspect

import pytest

from ssm_ts import cli
from ssm_ts.tasks.classification import ClassificationTask
from ssm_ts.tasks.forecasting import ForecastingTask
from ssm_ts.tasks.waveform import WaveformTask

USES = {
    "forecast": ("forecast_etth1", ForecastingTask, "0.001"),
    "audio": ("audio_digits_quick", WaveformTask, "0.004"),
    "classify": ("classify_basicmotions_quick", ClassificationTask, "0.003"),
}


@pytest.mark.parametrize("use", sorted(USES))
def test_the_message_names_the_option_once_and_the_tasks_own_default(use, data_home, capsys):
    config, task, default = USES[use]
    assert float(default) == inspect.signature(task).parameters["lr"].default  # the task's real default
    args = [use, "fit", "--config", config, "--out", "out", "--trainer.max_epochs", "1", "--model.lr", "1e38"]
    assert cli.main(args) == 1
    (line,) = [
        line for line in capsys.readouterr().err.splitlines() if line.startswith(f"ssm-ts {use} fit: error:")
    ]
    assert line.count("--model.lr") == 1, line
    assert "lr (CLI: --model.lr) must be a number above 0 and at most 3.4e+37" in line, line
    assert "(AdamW's first step, 10 x lr, must fit in float32), got 1e+38" in line, line
    assert line.endswith(f"usually between 1e-4 and 1e-1 (default {default})."), line
