"""A path setting in a shell form it does not read (``${A:=b}``, ``${#A}``, ``${A/x/y}``, ``${A%x}``) is
an error naming the setting, the form and the forms read: the value was kept as written, and the user got
"CSV file not found: ${A:=b}/x.csv" later. A path that exists as written is still kept."""

from __future__ import annotations

import pytest

from ssm_ts import cli
from ssm_ts.errors import ConfigError
from ssm_ts.shell_paths import expand_path
from tests.test_path36_config_paths import _write_config

FORMS = "$NAME, ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:+x}, ${NAME:?message}, $$ (a $)"


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("CLI37C_SET", "/set")
    monkeypatch.delenv("CLI37C_UNSET", raising=False)


@pytest.mark.parametrize(
    ("value", "form", "instead"),
    [
        ("${CLI37C_UNSET:=data}/x.csv", "${CLI37C_UNSET:=data}", " (for a default: ${CLI37C_UNSET:-data})"),
        ("${CLI37C_SET=data}/x.csv", "${CLI37C_SET=data}", " (for a default: ${CLI37C_SET:-data})"),
        ("${#CLI37C_SET}/x.csv", "${#CLI37C_SET}", ""),
        ("${CLI37C_SET/s/t}/x.csv", "${CLI37C_SET/s/t}", ""),
        ("${CLI37C_SET%t}/x.csv", "${CLI37C_SET%t}", ""),
        ("${CLI37C_UNSET:-${CLI37C_SET#/}}/x.csv", "${CLI37C_SET#/}", ""),  # in a default's word
    ],
)
def test_an_unread_form_is_an_error_naming_it_and_the_forms_read(value, form, instead):
    with pytest.raises(ConfigError) as raised:
        expand_path(value, "data.path")
    assert str(raised.value) == (
        f"data.path {value}: {form} is not a form read in a path{instead}; the forms read are {FORMS}. "
        "Write it in one of them, or the path out"
    )


@pytest.mark.parametrize("value", ["a$", "${", "$ü/x", "$${CLI37C_SET:=x}", "${CLI37C_SET:-x"])
def test_a_dollar_that_starts_no_form_is_still_kept(value):
    assert expand_path(value, "data.path") == value.replace("$$", "$")


def test_an_existing_path_as_written_is_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "${CLI37C_SET:=x}.csv").write_text("t,y\n")
    assert expand_path("${CLI37C_SET:=x}.csv", "data.path") == "${CLI37C_SET:=x}.csv"


def test_the_cli_names_the_form_in_a_yaml_config(in_tmp, capsys):
    config = _write_config(in_tmp / "run.yaml", data={"path": "${CLI37C_UNSET:=data}/ett.csv"})
    assert cli.main(["forecast", "fit", "--config", str(config)]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert (
        "data.path ${CLI37C_UNSET:=data}/ett.csv: ${CLI37C_UNSET:=data} is not a form read in a path" in err
    )
    assert "(for a default: ${CLI37C_UNSET:-data})" in err
    assert "not found" not in err and "Traceback" not in err
