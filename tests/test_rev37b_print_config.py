"""``--print_config`` prints the paths the command reads: jsonargparse printed while it parsed, before the
path settings were expanded, so ``$HOME/data.csv`` and ``~/runs`` were printed as given and
``${DATA_DIR:?message}`` with no error for an unset variable (the command itself refused it)."""

from __future__ import annotations

import pytest
import yaml

from ssm_ts import cli


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("REV37B_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("REV37B_UNSET", raising=False)
    return tmp_path


def _printed(args: list[str], capsys) -> dict:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    assert exit_info.value.code in (0, None)
    return yaml.safe_load(capsys.readouterr().out)


def test_the_printed_paths_are_expanded(env, capsys):
    args = ["forecast", "fit", "--data.path", "$REV37B_DATA/ett.csv", "--out", "~/runs", "--print_config"]
    printed = _printed(args, capsys)
    assert printed["data"]["path"] == str(env / "data" / "ett.csv")
    assert printed["out"] == str(env / "runs")


def test_the_uses_print_config_prints_them_under_the_command(env, capsys):
    printed = _printed(
        ["forecast", "--print_config", "fit", "--data.path", "${REV37B_UNSET:-~/ett.csv}"], capsys
    )
    assert printed["fit"]["data"]["path"] == str(env / "ett.csv")


def test_an_unset_required_variable_is_the_commands_error(env, capsys):
    args = [
        "forecast",
        "fit",
        "--data.path",
        "${REV37B_UNSET:?set it to the data folder}/x.csv",
        "--print_config",
    ]
    assert cli.main(args) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(
        "ssm-ts forecast fit: error: data.path ${REV37B_UNSET:?set it to the data folder}/x.csv: the environment "
        "variable REV37B_UNSET is not set (the config says: set it to the data folder)"
    ), captured.err
