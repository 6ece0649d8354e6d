"""A column whose name YAML reads as another type (``null``, ``on``, ``1e3``) was printed in a suggested
flag the command's parser reads as that type: ``--data.label_col null`` is no column at all, and
``--data.past_covariates "[on]"`` a list of ``True`` (refused). The printed flag now reads back as the
name (``on`` as it is, ``'["on"]'`` quoted in a list), or, where no spelling of the option can give it
(jsonargparse reads ``null`` as none for an option that may be none), a placeholder and why."""

from __future__ import annotations

import re
import shlex
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml

from ssm_ts import cli
from ssm_ts.cli.option_spelling import command_spelling


def parsed(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    """The config the command's own parser makes of ``ssm-ts ARGS`` (its ``--print_config``)."""
    capsys.readouterr()
    with pytest.raises(SystemExit):
        cli.main([*args, "--print_config"])
    return yaml.safe_load(capsys.readouterr().out)


def printed_flag(err: str, said: str) -> str:
    """The argument ``err`` gives the flag that ends ``said``, as the shell hands it over (quotes off)."""
    match = re.search(re.escape(said) + r""" ('[^']*'|"[^"]*"|<[^>]*>|[^\s;,)]+)""", err)
    assert match is not None, err
    return match.group(1) if match.group(1).startswith("<") else shlex.split(match.group(1))[0]


@pytest.mark.parametrize("name", ["null", "on", "1e3"])
def test_a_stream_s_text_column_is_named_in_a_flag_that_reads_back(name, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    pd.DataFrame({"time": np.arange(40) * 0.1, "a": rng.normal(size=40), "activity": np.repeat(["w", "r"], 20),
                  name: np.repeat(["s1", "s2"], 20)}).to_csv("stream.csv", index=False)  # fmt: skip
    data = ["--data.path", "stream.csv", "--data.window", "10"]
    assert cli.main(["classify", "fit", *data, "--data.label_col", "activity", "--out", "out"]) == 1
    err = capsys.readouterr().err
    assert f"column {name!r} holds text" in err
    argument = printed_flag(err, "subject or session, --data.group_col")
    if name == "null":  # no flag names it: the placeholder, and why
        assert argument == "<another name for 'null'>"
        assert "(The command line reads null there as no value, not as the name 'null': rename it" in err
        assert (
            parsed(["classify", "fit", *data, "--data.group_col", "null"], capsys)["data"]["group_col"]
            is None
        )
    else:
        assert argument == name
        given = ["classify", "fit", *data, "--data.group_col", argument]
        assert parsed(given, capsys)["data"]["group_col"] == name


@pytest.mark.parametrize("name", ["on", "null"])
def test_a_long_table_s_unread_column_is_named_in_a_list_that_reads_back(name, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    days = pd.date_range("2020-01-01", periods=30, freq="D")
    rng = np.random.default_rng(0)
    pd.concat([pd.DataFrame({"unique_id": u, "ds": days, "y": np.arange(30.0), name: rng.normal(size=30)})
               for u in "ab"]).to_csv("long.csv", index=False)  # fmt: skip
    fit = ["forecast", "fit", "--data.path", "long.csv", "--model.model", "nlinear", "--model.lookback", "8",
           "--model.horizon", "2", "--trainer.max_epochs", "1", "--trainer.limit_train_batches", "1",
           "--trainer.limit_val_batches", "1", "--trainer.logger", "false", "--trainer.enable_progress_bar",
           "false", "--out", "out"]  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert cli.main(fit) == 0
    # the line the command prints for it (pytest records warnings where the command would print them)
    err = "".join(command_spelling(str(w.message), "forecast") for w in caught)
    assert f"The column {name!r} changes over time within a series and is not read" in err
    argument = printed_flag(err, "name it in --data.past_covariates")
    given = ["forecast", "fit", "--data.path", "long.csv", "--data.past_covariates", argument]
    assert parsed(given, capsys)["data"]["past_covariates"] == [name]
