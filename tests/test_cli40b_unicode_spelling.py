"""A column named with letters beyond ASCII (``温度``, ``Temp °C``, ``ü``) in a flag an error suggests was
printed as JSON escapes (``--data.target '["\\u6e29\\u5ea6", OT]'``): it read back, but no user could tell
which column it named. It is now printed as written (``--data.target "[温度, OT]"``), and the command's own
parser reads each printed flag back as the names; a character that is not printable stays escaped. A path
among the values is printed as its text."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from ssm_ts.cli.option_spelling import command_argument, command_spelling
from tests.test_cli40_text_values_round_trip import parsed

PREDICT = ["forecast", "fit", "--data.path", "x.csv"]


@pytest.mark.parametrize(
    ("names", "printed"),
    [
        (["温度", "OT"], '--data.target "[温度, OT]"'),
        (["Temp °C", "ü"], "--data.target '[\"Temp °C\", ü]'"),
        (["a\u2028b"], "--data.target '[\"a\\u2028b\"]'"),
    ],
)
def test_names_beyond_ascii_are_printed_as_written_and_read_back(names, printed, capsys):
    spelt = command_spelling(f"pass target={names!r}", "forecast")
    assert spelt == f"pass {printed}"
    assert parsed([*PREDICT, *shlex.split(printed)], capsys)["data"]["target"] == names


def test_a_path_is_printed_as_its_text():
    # was "PosixPath('runs/a b.csv')", which the option reads as that text
    assert command_argument(Path("runs/a b.csv")) == '"runs/a b.csv"'
    assert command_argument([Path("a.csv"), None]) == '"[a.csv, null]"'
