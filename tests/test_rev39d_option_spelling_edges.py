"""The command's spelling of an error's fixes (:func:`~ssm_ts.cli.option_spelling.command_spelling`) at its
edges: every option it prints is one the command's parser takes as printed (a value beginning with "-" as
``--model.lr=-1e-05``); a Python user's sentence, a user's quoted text and a URL stay as they are; a
message of thousands of keywords is spelt in well under a second (it took seconds)."""

from __future__ import annotations

import shlex
import time
from pathlib import Path

import pytest

from ssm_ts import cli
from ssm_ts.cli.option_spelling import command_spelling
from ssm_ts.errors import ConfigError

# (a use, the Python argument a message names, the option its command takes): the parser reads each
FORECAST = [
    ("target='my col'", '--data.target "my col"'),
    ("freq='W-TUE'", "--data.freq W-TUE"),
    ("lr=-1e-05", "--model.lr=-1e-05"),
    ("weight_decay=1e-3", "--model.weight_decay 0.001"),
    ("horizon=-1", "--model.horizon -1"),
    ("read_options={'sep': ';', 'quotechar': \"'\", 'na_values': ['-999', 'n/a'], 'dayfirst': True}",
     """--data.read_options '{sep: ";", quotechar: "'\\''", na_values: ["-999", "n/a"], dayfirst: true}'"""),
    ("quantiles=[0.1, 0.9]", '--model.quantiles "[0.1, 0.9]"'),
    ("model_options={'d_model': 16, 'dropout': 0.1}", '--model.model_options "{d_model: 16, dropout: 0.1}"'),
    ("past_covariates=['a b', \"it's\"]", """--data.past_covariates '["a b", "it'\\''s"]'"""),
    ("static_path='runs/lr=0.01/st ores.csv'", '--data.static_path "runs/lr=0.01/st ores.csv"'),
    ("max_epochs=1", "--trainer.max_epochs 1"),
    ("accelerator='cpu'", "--trainer.accelerator cpu"),
]  # fmt: skip
CLASSIFY = [
    ("label_col=None", "--data.label_col null"),
    ("class_weight={'a': 1, 'b': 2.0}", '--model.class_weight "{a: 1, b: 2.0}"'),
    ("nan_policy='zero'", "--data.nan_policy zero"),
    ("val_fraction=0", "--data.val_fraction 0"),
]


def _parsed(monkeypatch, use: str, args: list[str]) -> dict:
    """The settings ``ssm-ts USE fit ARGS`` parses, taken where its classes would be made (it stops there)."""
    from ssm_ts.cli.lightning_cli import SSMTSCLI

    seen: dict = {}

    def stop(self) -> None:
        seen.update(self.config[self.subcommand].as_dict())
        raise ConfigError("stopped before the classes are made")

    monkeypatch.setattr(SSMTSCLI, "before_instantiate_classes", stop)
    assert cli.main([use, "fit", *args]) == 1
    return seen


@pytest.mark.parametrize(("use", "cases"), [("forecast", FORECAST), ("classify", CLASSIFY)])
def test_each_printed_option_is_parsed_as_the_python_value(use, cases, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("e.csv").write_text("date,OT\n2020-01-01,1\n")
    Path("runs/lr=0.01").mkdir(parents=True)
    Path("runs/lr=0.01/st ores.csv").write_text("unique_id,a\nx,1\n")
    args = ["--data.path", "e.csv"]
    for python, option in cases:
        said = command_spelling(f"pass {python} to fix it", use)
        assert said == f"pass {option} to fix it"
        args += shlex.split(option)  # as a shell splits what the user copies
    parsed = _parsed(monkeypatch, use, args)
    for python, option in cases:
        name, value = python.split("=", 1)
        section = option[2:].split(".")[0]
        got = parsed[section][name]
        assert got == eval(value), (option, got)  # noqa: S307  # the test's own literals


def test_python_users_sentences_stay_python():
    for text in [
        "resume into the same run (ssm-ts: rerun with --ckpt_path last; Python: fit(..., resume=True), same out_dir)",
        "In Python: Forecaster(horizon=4, lookback=16). On the command line, pass the options",
        "in Python, e.g. Forecaster(horizon=4); or --model.horizon 4",
        "--tracking_uri (Python: tracking_uri=) overrides it",
        'Original Traceback (most recent call last):\n  File "a.py", line 3, in fit\n    self.fit(max_epochs=3)\n'
        "ValueError: pass freq='h'",
    ]:
        assert command_spelling(text, "forecast") == text
    said = command_spelling("Python: fit(..., resume=True). Pass lookback=16", "forecast")
    assert said == "Python: fit(..., resume=True). Pass --model.lookback 16"


def test_a_user_s_quoted_text_or_url_stays_as_it_is():
    for text in [
        "column 'lr=0.01' not found; columns are ['date', 'lr=0.01', \"freq='h'\"]",
        "no MLflow server at http://host:5000/?freq=h&horizon=4",
        "target=[unbalanced",
    ]:
        assert command_spelling(text, "forecast") == text
    said = command_spelling("no column 'OT': pass id_col=<its name>.", "forecast")
    assert said == "no column 'OT': pass --data.id_col <its name>."


def test_a_message_of_thousands_of_keywords_is_spelt_at_once():
    command_spelling("pass freq='h'", "forecast")  # the options' table, built once
    texts = ["pass freq='h', " * 2000, "a=1 " * 2000, "pass freq=[ " * 2000, "fit(" * 2000 + "freq='h'"]
    started = time.perf_counter()
    for text in texts:
        command_spelling(text, "forecast")
    assert time.perf_counter() - started < 5  # 20 to 30 s before; 0.2 s now on an idle CPU
    assert command_spelling("pass freq='h', " * 2000, "forecast") == "pass --data.freq h, " * 2000
