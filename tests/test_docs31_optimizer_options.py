"""Lightning's ``--optimizer`` and ``--lr_scheduler``, which every command's ``--help`` lists, are refused
before anything is built, naming the ssm-ts options that set the optimizer and schedule (docs/cli.md).

``ssm-ts forecast fit --optimizer Adam`` ended in a traceback ("optimizer got an empty parameter list")
and ``--lr_scheduler StepLR`` trained with the cosine schedule without a word.
"""

from __future__ import annotations

import pytest

from ssm_ts import cli


@pytest.mark.parametrize(
    ("use", "option", "named"),
    [
        ("forecast", ["--optimizer", "Adam"], "--optimizer torch.optim.Adam"),
        ("classify", ["--lr_scheduler", "StepLR", "--lr_scheduler.step_size", "1"], "--lr_scheduler "),
    ],
)
def test_lightnings_optimizer_options_are_refused_naming_ssm_ts_options(use, option, named, in_tmp, capsys):
    assert cli.main([use, "fit", "--data.path", "missing.csv", *option, "--out", "out"]) == 1
    err = capsys.readouterr().err
    assert named in err and "--model.lr, --model.weight_decay and --model.lr_schedule" in err
    assert not (in_tmp / "mlflow.db").exists()  # refused before a run started


def test_a_saved_config_with_null_optimizer_still_parses(in_tmp, capsys):
    config = in_tmp / "saved.yaml"
    config.write_text("optimizer: null\nlr_scheduler: null\nmodel:\n  lookback: 8\n")
    with pytest.raises(SystemExit) as stop:
        cli.main(["forecast", "fit", "--config", str(config), "--print_config"])
    assert stop.value.code == 0 and "lookback: 8" in capsys.readouterr().out
