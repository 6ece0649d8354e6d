"""``${NAME:-default}`` and its kin in path settings, as shell and docker-compose users write them in a
YAML config: the path was read as written (``${DATA_DIR:-data}/ett.csv`` was "CSV file not found")."""

from __future__ import annotations

import pytest

from ssm_ts import cli
from ssm_ts.errors import ConfigError
from ssm_ts.shell_paths import expand_path
from tests.test_path36_config_paths import _parsed_config, _write_config


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CFG37_SET", "/set")
    monkeypatch.setenv("CFG37_EMPTY", "")
    monkeypatch.delenv("CFG37_UNSET", raising=False)
    return tmp_path


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("${CFG37_UNSET:-data}/ett.csv", "data/ett.csv"),
        ("${CFG37_EMPTY:-data}/ett.csv", "data/ett.csv"),
        ("${CFG37_SET:-data}/ett.csv", "/set/ett.csv"),
        ("${CFG37_UNSET-data}/ett.csv", "data/ett.csv"),
        ("${CFG37_EMPTY-data}/ett.csv", "/ett.csv"),  # set, if empty: the shell's `-` keeps it
        ("${CFG37_UNSET:-${CFG37_SET}/runs}", "/set/runs"),  # the default's own variables
        ("${CFG37_SET:-$CFG37_UNSET}/x", "/set/x"),  # a default not used is not expanded
        ("${CFG37_SET:+/other}/x", "/other/x"),
        ("${CFG37_UNSET:+/other}x", "x"),
        ("${CFG37_SET:?set CFG37_SET}/x", "/set/x"),
        ("${CFG37_EMPTY?unused}x", "x"),
    ],
)
def test_shell_defaults(env, value, expected):
    assert expand_path(value, "data.path") == expected


def test_a_home_default(env):
    assert expand_path("${CFG37_UNSET:-~/runs}/a", "out") == str(env / "runs" / "a")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "${CFG37_UNSET:?set it to the data folder}/x.csv",
            "CFG37_UNSET is not set (the config says: set it to the data folder)",
        ),
        ("${CFG37_EMPTY:?}/x.csv", "CFG37_EMPTY is empty; set it (export CFG37_EMPTY=...)"),
        ("${CFG37_UNSET?}/x.csv", "CFG37_UNSET is not set; set it (export CFG37_UNSET=...)"),
        (
            "${CFG37_UNSET:-$CFG37_UNSET}/x.csv",
            "CFG37_UNSET is not set; set it (export CFG37_UNSET=...), give it a default",
        ),
    ],
)
def test_required_variables_are_named_with_the_setting(env, value, message):
    with pytest.raises(ConfigError) as raised:
        expand_path(value, "data.path")
    assert str(raised.value).startswith(f"data.path {value}: the environment variable ")
    assert message in str(raised.value)


def test_a_default_in_a_yaml_config(in_tmp, monkeypatch):
    monkeypatch.delenv("CFG37_UNSET", raising=False)
    monkeypatch.setenv("CFG37_RUNS", str(in_tmp / "runs"))
    config = _write_config(
        in_tmp / "run.yaml", data={"path": "${CFG37_UNSET:-data}/ett.csv"}, out="${CFG37_RUNS:-runs}/a"
    )
    printed = _parsed_config(monkeypatch, ["--config", str(config)])
    assert printed["data"]["path"] == "data/ett.csv"
    assert printed["out"] == str(in_tmp / "runs" / "a")


@pytest.mark.parametrize(
    "written", ["${CFG37_UNSET:?set CFG37_UNSET to the data folder}", "${CFG37_UNSET:-$CFG37_UNSET}"]
)
def test_the_error_of_a_yaml_variable_is_one_line_without_a_colon_hint(in_tmp, monkeypatch, capsys, written):
    """The error went on with "write {CFG37_UNSET: ?set}: YAML needs a space after the colon": the
    ``${NAME:?message}`` in the path read as a flow mapping's ``key:value``."""
    monkeypatch.delenv("CFG37_UNSET", raising=False)
    config = _write_config(in_tmp / "run.yaml", data={"path": f"{written}/ett.csv"})
    assert cli.main(["forecast", "fit", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert f"error: data.path {written}/ett.csv: the environment variable CFG37_UNSET is not set" in err
    assert "YAML needs a space" not in err and len(err.strip().splitlines()) == 1, err
