"""The words that name the command that ran in each of its error and warning lines
(``ssm-ts classify fit: error: ...``): the use and its command, or the use alone where none is given."""

from __future__ import annotations

import pytest

from ssm_ts.cli.uses import running_command


@pytest.mark.parametrize(
    "use, argv, words",
    [
        ("classify", ["fit", "--out", "x"], "classify fit"),
        ("forecast", ["predict"], "forecast predict"),
        ("forecast", ["tune"], "forecast tune"),
        ("audio", ["generate", "--num", "2"], "audio generate"),
        ("classify", ["tune"], "classify"),  # not a command of classify: its parser names the use
        ("forecast", ["--help"], "forecast"),
        # LightningCLI runs fit with the config's fit: section; its parser's errors say 'ssm-ts forecast fit'
        ("forecast", ["--config", "x.yaml", "fit"], "forecast fit"),
        ("classify", ["-c", "x.yaml", "validate", "--out", "o"], "classify validate"),
        ("forecast", ["--config=x.yaml", "predict"], "forecast predict"),
        ("forecast", ["--config", "x.yaml", "tune"], "forecast"),  # tune runs only first, as main routes it
        ("forecast", ["--config", "fit"], "forecast"),  # fit is the config's file name here
        ("forecast", [], "forecast"),
    ],
)
def test_running_command(use, argv, words):
    assert running_command(use, argv) == words
