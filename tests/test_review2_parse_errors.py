"""A parse error of a class-typed option (``--trainer.callbacks``, ``--trainer.logger``) keeps the reason
jsonargparse gave for the class: the short error said only "--trainer.callbacks takes a list ([a, b]) or
Callback or null; got "NestedArg(key='patiance', val='3')"", dropping "Option 'patiance' is not
accepted" (a misspelt init argument), "Expected a <class 'int'>. Got value: x" and "Expected a dot
import path string: NoSuchCallback" (a class name that is not an import path)."""

from __future__ import annotations

import pytest

from ssm_ts import cli

FIT = ["forecast", "fit", "--model.model", "nlinear", "--data.path", "co2.csv"]
EARLY_STOPPING = "--trainer.callbacks+=lightning.pytorch.callbacks.EarlyStopping"


def parse_error(args: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*FIT, *args])
    assert exit_info.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ([EARLY_STOPPING, "--trainer.callbacks.init_args.patiance=3"], "Option 'patiance' is not accepted"),
        ([EARLY_STOPPING, "--trainer.callbacks.patience=x"], "Expected a <class 'int'>. Got value: x"),
        (["--trainer.callbacks=NoSuchCallback"], "Expected a dot import path string: NoSuchCallback"),
        (["--trainer.logger=NoSuchLogger"], "Expected a dot import path string: NoSuchLogger"),
    ],
)
def test_a_class_options_error_keeps_the_reason(args, reason, capsys):
    err = parse_error(args, capsys)
    assert reason in err
    assert "NestedArg(" not in err  # jsonargparse's internal value, no help to a user
    lines = err.strip().splitlines()
    assert len(lines) <= 20 and lines[-1] == "ssm-ts forecast fit --help lists every option"


def test_a_plain_options_error_stays_one_line(capsys):
    err = parse_error(["--trainer.max_epochs=abc"], capsys)
    assert "error: --trainer.max_epochs takes a whole number or null; got 'abc'\n\nusage:" in err
