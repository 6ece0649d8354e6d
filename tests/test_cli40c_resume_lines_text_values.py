"""The lines a resumed fit prints about the settings it accepted give a text value as the command line
reads it back: a column or file named ``null`` was printed bare (``--data.time_col null``), which the
command reads as no value. Now it is a list, a ``./`` path, or a placeholder saying to rename it, as the
suggested flags of an error spell it."""

from __future__ import annotations

import shlex

from ssm_ts.cli.option_spelling import _read_as
from ssm_ts.cli.resume_fit import check_resolved_settings, check_resume_changes


def _printed(capsys) -> str:
    return " ".join(capsys.readouterr().err.split())


def test_inferred_text_values_read_back_as_the_text(capsys):
    pending = {"data.target": (None, "null"), "data.time_col": (None, "null")}
    then = {"target": "null", "targets": ["null"], "time_col": "null"}
    assert check_resolved_settings(pending, then, then, "last.ckpt", "forecast") == set(pending)
    err = _printed(capsys)
    assert err == (
        "resuming with the values the fit inferred, spelled out (the same training): "
        """--data.target '["null"]', --data.time_col <another name for 'null'> (The command line reads null """
        "there as no value, not as the name 'null': rename it in the data to pass it.)"
    )
    (target,) = shlex.split(err.split("--data.target ")[1].split(",")[0])
    assert _read_as("forecast", "--data.target", target) == ["null"]  # what the option reads back


def test_a_changed_file_named_null_is_printed_as_its_path(capsys):
    check_resume_changes(
        {"data.predict_path": ("null", "rows.csv")},
        saved={}, checkpoint={}, config={}, use="classify", ckpt_path="last.ckpt", parser=None,
    )  # fmt: skip
    err = _printed(capsys)
    assert err == "resuming with changed settings (the same training): --data.predict_path ./null -> rows.csv"
    assert _read_as("classify", "--data.predict_path", "./null") == "./null"
