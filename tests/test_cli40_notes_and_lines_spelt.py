"""What ``ssm-ts`` prints besides an error's message and its warnings gives options as the command takes
them: an error's notes (PEP 678, printed under it: a fit's MLflow run and how to resume) and the lines a
resumed fit prints about the settings it accepted (``--data.target ['HUFL', 'OT']`` was Python's list,
``None`` Python's none)."""

from __future__ import annotations

import shlex

import pytest
import yaml

from ssm_ts import cli
from ssm_ts.cli.option_spelling import command_argument
from ssm_ts.cli.resume_fit import check_resolved_settings, check_resume_changes
from ssm_ts.errors import ConfigError


def test_an_error_s_notes_name_the_command_s_options(monkeypatch, capsys):
    def run_use(use, args, verbose=False):
        error = ConfigError("the times are weekly")
        error.add_note("ssm-ts: pass freq='W-TUE' and level=[80, 95], then fit(..., resume=True)")
        raise error

    monkeypatch.setattr(cli, "run_use", run_use)
    assert cli.main(["forecast", "predict"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "ssm-ts forecast predict: error: the times are weekly\n"
        'ssm-ts: pass --data.freq W-TUE and --level "[80, 95]", then --ckpt_path last\n'
    )


def test_a_resume_s_accepted_settings_are_printed_as_options(capsys):
    check_resume_changes(
        {"data.predict_path": (None, "new rows.csv"), "data.num_workers": (0, 1)},
        saved={}, checkpoint={}, config={}, use="classify", ckpt_path="last.ckpt", parser=None,
    )  # fmt: skip
    err = " ".join(capsys.readouterr().err.split())
    assert err == (
        "resuming with changed settings (the same training): --data.predict_path null -> "
        '"new rows.csv", --data.num_workers 0 -> 1'
    )


def test_a_resume_s_inferred_values_are_printed_as_options(capsys):
    pending = {"data.target": (None, ["HUFL", "OT"]), "data.time_col": (None, "date")}
    then = {"target": ["HUFL", "OT"], "targets": ["HUFL", "OT"], "time_col": "date"}
    same = check_resolved_settings(pending, then, then, "last.ckpt")
    assert same == {"data.target", "data.time_col"}
    err = " ".join(capsys.readouterr().err.split())
    assert err == (
        "resuming with the values the fit inferred, spelled out (the same training): "
        '--data.target "[HUFL, OT]", --data.time_col date'
    )


@pytest.mark.parametrize("value", [None, True, {"sep": ";"}, ["HUFL", "OT"]])
def test_the_printed_values_read_back_as_the_command_line_reads_them(value):
    (argument,) = shlex.split(command_argument(value))
    assert yaml.safe_load(argument) == value
