"""Path settings as a user on a laptop writes them in a YAML config: ``~`` and ``$HOME`` (no shell expands
them there), and a data file beside a config in another folder (read from the working folder, as
LightningCLI reads a ``str`` setting: the error says so)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ssm_ts import cli
from ssm_ts.errors import ConfigError
from ssm_ts.shell_paths import expand_path

SMALL = {
    "model": {"model": "dlinear", "lookback": 24, "horizon": 6},
    "data": {"target": "OT"},
    "trainer": {"max_epochs": 1},
}


def _write_config(path: Path, **sections) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    config = {**SMALL, **sections}
    config["data"] = {**SMALL["data"], **sections.get("data", {})}
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _parsed_config(monkeypatch, args: list[str]) -> dict:
    """The settings ``ssm-ts forecast fit ARGS`` runs with, taken where its classes are made (it stops
    there: nothing is read or trained)."""
    from ssm_ts.cli.lightning_cli import SSMTSCLI

    seen = {}

    def stop(self) -> None:
        seen.update(self.config[self.subcommand].as_dict())
        raise ConfigError("stopped before the classes are made")

    monkeypatch.setattr(SSMTSCLI, "before_instantiate_classes", stop)
    assert cli.main(["forecast", "fit", *args]) == 1
    return seen


def test_home_and_variables_in_a_yaml_are_expanded(in_tmp, monkeypatch):
    """``out: ~/runs`` in a YAML made a folder named ``~`` for the checkpoints while MLflow's copy of the
    config looked in the home folder: a FileNotFoundError traceback after the first epoch;
    ``path: $HOME/data.csv`` was "CSV file not found: $HOME/data.csv"."""
    home = in_tmp / "hôme ü"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    config = _write_config(
        in_tmp / "cfgs" / "my run.yaml",
        data={"path": "$HOME/my data.csv", "static_path": "${HOME}/stores.csv"},
        out="~/runs ü",
    )
    printed = _parsed_config(monkeypatch, ["--config", str(config)])
    assert printed["out"] == str(home / "runs ü")
    assert printed["data"]["path"] == str(home / "my data.csv")
    assert printed["data"]["static_path"] == str(home / "stores.csv")
    assert not (in_tmp / "~").exists()


def test_an_unset_variable_is_named(in_tmp, capsys):
    config = _write_config(in_tmp / "run.yaml", data={"path": "$PATH36_NO_SUCH_VAR/data.csv"})
    assert cli.main(["forecast", "fit", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert (
        "data.path $PATH36_NO_SUCH_VAR/data.csv: the environment variable PATH36_NO_SUCH_VAR is not set"
        in err
    )


def test_an_existing_path_with_a_dollar_is_kept(in_tmp):
    (in_tmp / "$x.csv").write_text("t,y\n")
    assert expand_path("$x.csv", "data.path") == "$x.csv"
    with pytest.raises(ConfigError, match="variable x is not set"):
        expand_path("$x/other.csv", "data.path")


def test_a_data_file_beside_a_config_in_another_folder_is_named(in_tmp, shared_data, monkeypatch, capsys):
    """A config in ``cfgs/`` naming ``ett.csv`` beside it, run from another folder: the error was "CSV file
    not found: ett.csv" without saying that relative paths are read from the working folder."""
    folder = in_tmp / "my cfgs ü"
    _write_config(folder / "run.yaml", data={"path": "ett.csv"})
    (folder / "ett.csv").write_text((shared_data / "forecasting" / "ETTh1.csv").read_text()[:20000])
    work = in_tmp / "work"
    work.mkdir()
    relative = Path("..") / "my cfgs ü" / "run.yaml"
    monkeypatch.chdir(work)
    assert cli.main(["forecast", "fit", "--config", str(relative)]) == 1
    err = capsys.readouterr().err
    assert "data.path: ett.csv (set in" in err
    assert "work/.." not in err  # the config's and the data's paths are named without the detour
    assert "is read from the folder the command runs in" in err
    assert "pass --data.path '../my cfgs ü/ett.csv'" in err
    # the same path given from the working folder, beside the config, is read (no error before the fit)
    printed = _parsed_config(monkeypatch, ["--config", str(relative), "--data.path", "../my cfgs ü/ett.csv"])
    assert printed["data"]["path"] == "../my cfgs ü/ett.csv"
