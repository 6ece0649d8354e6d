"""``ssm-ts USE fit --model.lr 1e38`` (an AdamW first step, 10 x lr, beyond float32) or a learning rate
not above 0 is one error line naming ``--model.lr``, exit code 1, before any training and with no MLflow
run left RUNNING, in every use. It was torch's ``RuntimeError: value cannot be converted to type float
without overflow`` after a 40-line traceback from the first optimizer step (a negative rate: torch's
``ValueError: Invalid learning rate`` as the fit started). The tasks now check it when built, as
``Forecaster(lr=1e38)`` already did."""

from __future__ import annotations

import pytest

from ssm_ts import cli
from ssm_ts.errors import ConfigError
from ssm_ts.tasks.classification import ClassificationTask
from ssm_ts.tasks.forecasting import ForecastingTask
from ssm_ts.tasks.waveform import WaveformTask
from tests.cli_runs import QUICK_CONFIGS, run_statuses


@pytest.mark.parametrize("lr", ["1e38", "-0.001"])
@pytest.mark.parametrize("use", sorted(QUICK_CONFIGS))
def test_a_learning_rate_torch_cannot_train_with_is_one_error_line(use, lr, data_home, capsys):
    args = [use, "fit", "--config", QUICK_CONFIGS[use], "--out", "out", "--trainer.max_epochs", "1"]
    assert cli.main([*args, "--model.lr", lr]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    (line,) = [line for line in err.splitlines() if line.startswith(f"ssm-ts {use} fit: error:")]
    assert "--model.lr" in line and f"got {float(lr)!r}" in line, line
    assert "must be a number above 0 and at most 3.4e+37" in line, line
    assert "RUNNING" not in run_statuses()
    assert not list((data_home / "out").rglob("*.ckpt"))  # refused before any training


@pytest.mark.parametrize("task", [ForecastingTask, WaveformTask, ClassificationTask])
def test_each_task_refuses_such_a_learning_rate_when_built(task):
    with pytest.raises(ConfigError, match=r"lr \(CLI: --model.lr\) must be a number above 0"):
        task(lr=1e38)
    with pytest.raises(ConfigError, match=r"got nan"):
        task(lr=float("nan"))
