"""A YAML flow mapping without a space after the colon (``--model.model_options "{d_model:8}"``, or
``{d_model:16}`` in a config file) reads as one key ``d_model:8`` with no value: the user got "takes a
mapping", "--model takes another value" or "unknown option(s) ['d_model:16']" and nothing about why.
Each now says how to write it."""

from __future__ import annotations

import pytest

from ssm_ts import cli
from ssm_ts.cli.parse_errors import colon_space_hint
from ssm_ts.errors import ConfigError
from tests.cli.test_fcli_parse_errors import parse_error

HINT = "YAML needs a space after the colon"


@pytest.mark.parametrize(
    ("args", "written"),
    [
        (["--model.model_options", "{d_model:8}"], "write {d_model: 8}: "),
        (["--model", "{lookback:20}"], "write {lookback: 20}: "),
    ],
)
def test_a_parse_error_says_to_put_a_space_after_the_colon(args, written, capsys):
    lines = parse_error(["forecast", "fit", *args], capsys)
    (hint,) = [line for line in lines if HINT in line]
    assert hint.strip().startswith(written), lines


def test_an_error_of_a_config_file_s_mapping_says_it_too(monkeypatch, capsys):
    def unknown_option(*args, **kwargs):
        raise ConfigError(
            "unknown option(s) ['d_model:16'] for forecasting model 'spacetime'; valid options: d_model"
        )

    monkeypatch.setattr(cli, "run_use", unknown_option)
    assert cli.main(["forecast", "fit"]) == 1
    err = capsys.readouterr().err
    assert "write d_model: 16: YAML needs a space after the colon (d_model:16 is one key" in err, err


@pytest.mark.parametrize(
    "text",
    [
        "--tracking_uri takes text; got 'sqlite:///x.db'",
        "got 'C:\\data\\x.csv'",
        "--trainer.max_time takes text; got '00:12:00'",
        "Parser key \"model\": Unable to load config '{lookback: 20}'",
        "unknown class 'ssm_ts.tasks:Task'",
    ],
)
def test_no_hint_where_the_colon_is_no_mapping_s(text):
    assert colon_space_hint(text) == ""
