"""``--trainer.callbacks+=EarlyStopping --trainer.callbacks.monitor val_los`` (a metric no one logs):
Lightning stopped the fit at its first validation with a Python traceback. The command says it in one
line: the callback, the metric, the closest logged one and the option to set."""

from __future__ import annotations

import pytest

from ssm_ts import cli


@pytest.mark.parametrize("callback", ["EarlyStopping", "ModelCheckpoint"])
def test_a_misspelt_monitor_is_one_error_naming_the_closest_metric(callback, line_use, capsys):
    args = ["line", "fit", "--trainer.max_epochs", "1", "--out", "out", "--trainer.logger", "false"]
    args += [f"--trainer.callbacks+={callback}", "--trainer.callbacks.monitor", "val_los"]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert (
        f"ssm-ts line fit: error: trainer.callbacks: {callback} monitors 'val_los', a metric this task does not "
        "log (did you mean val_loss?); set --trainer.callbacks.monitor (or monitor: in the config) to one it "
        "logs: val_loss\n"
    ) in err
