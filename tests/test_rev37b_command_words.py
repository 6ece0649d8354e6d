"""``ssm-ts forecast --config run.yaml fit``: LightningCLI runs fit with the config's ``fit:`` section,
and its parser names the command ``ssm-ts forecast fit``; ssm-ts's own error and warning lines said
``ssm-ts forecast:``, as though no command ran (the words were taken from the first argument only)."""

from __future__ import annotations

import warnings

import ssm_ts
from ssm_ts import cli
from ssm_ts.errors import DataError
from tests.cli.test_fcli_parse_errors import parse_error


def test_a_config_before_the_command_still_names_the_command(monkeypatch, capsys):
    seen = []

    def run_use(use: str, args: list[str], verbose: bool = False) -> None:
        seen.append(warnings.formatwarning("a warning", UserWarning, ssm_ts.__file__, 1))
        raise DataError("CSV file not found: missing.csv")

    monkeypatch.setattr(cli, "run_use", run_use)
    assert cli.main(["forecast", "--config", "run.yaml", "fit"]) == 1
    assert seen == ["ssm-ts forecast fit: warning: a warning\n"]
    assert capsys.readouterr().err == "ssm-ts forecast fit: error: CSV file not found: missing.csv\n"


def test_tune_after_the_uses_config_says_where_it_goes(tmp_path, capsys):
    """It said "unknown command 'tune'; choose one of fit, validate, test, predict, tune"."""
    config = tmp_path / "run.yaml"
    config.write_text("fit:\n  trainer:\n    max_epochs: 1\n")
    lines = parse_error(["forecast", "--config", str(config), "tune"], capsys)
    assert lines[0].startswith("ssm-ts forecast: error: tune comes first, its options after it: "), lines
    assert "ssm-ts forecast tune --config FILE" in lines[0] and "unknown command" not in lines[0], lines


def test_a_configs_error_names_its_command(capsys):
    """It said 'ssm-ts configs: error:', where argparse names 'ssm-ts configs show: error:' its own."""
    assert cli.main(["configs", "show", "rev37b_no_such_config"]) == 1
    assert capsys.readouterr().err.startswith("ssm-ts configs show: error: no shipped config named ")
