"""Each error and warning line of a command names the command that ran (``ssm-ts classify fit: error:``),
not the use alone (``ssm-ts classify: error:``), nor ``ssm-ts forecast:`` for a warning of
``ssm-ts forecast tune``: a log of several commands' output told them apart only by their order."""

from __future__ import annotations

import warnings

import pytest

import ssm_ts
from ssm_ts import cli
from ssm_ts.api import tune_cli
from ssm_ts.errors import ConfigError


def _warning_line(text: str) -> str:
    """What a warning of ssm-ts's source prints under the format the running command set."""
    return warnings.formatwarning(text, UserWarning, ssm_ts.__file__, 1)


@pytest.mark.parametrize("use, command", [("classify", "fit"), ("forecast", "predict"), ("audio", "test")])
def test_a_shared_command_names_itself(use, command, monkeypatch, capsys):
    seen = []

    def run_use(use_: str, args: list[str], verbose: bool = False) -> None:
        seen.append(_warning_line("a warning"))
        raise ConfigError("a bad setting")

    monkeypatch.setattr(cli, "run_use", run_use)
    assert cli.main([use, command, "--out", "x"]) == 1
    assert seen == [f"ssm-ts {use} {command}: warning: a warning\n"]
    assert capsys.readouterr().err == f"ssm-ts {use} {command}: error: a bad setting\n"


def test_an_interrupted_command_names_itself(monkeypatch, capsys):
    def run_use(use: str, args: list[str], verbose: bool = False) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_use", run_use)
    assert cli.main(["classify", "validate"]) == 130
    assert capsys.readouterr().err.startswith("ssm-ts classify validate: ")


def test_tune_warnings_name_tune(monkeypatch, capsys):
    seen = []

    def tune_command(argv: list[str]) -> int:
        seen.append(_warning_line("a warning"))
        raise ConfigError("a bad space")

    monkeypatch.setattr(tune_cli, "tune_command", tune_command)
    assert cli.main(["forecast", "tune", "--n_trials", "1"]) == 1
    assert seen == ["ssm-ts forecast tune: warning: a warning\n"]  # it was "ssm-ts forecast: warning:"
    assert capsys.readouterr().err == "ssm-ts forecast tune: error: a bad space\n"


def test_a_yaml_error_names_the_command(tmp_path, capsys):
    config = tmp_path / "run.yaml"
    config.write_text("model:\n  horizon:26\n  lookback: 4\n")
    with pytest.raises(SystemExit):
        cli.main(["classify", "test", "--config", str(config)])
    assert capsys.readouterr().err.startswith("ssm-ts classify test: error: ")
