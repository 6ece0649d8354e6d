"""A `--config` file that is not valid YAML is one error naming the file as the user gave it, the line and
column, the line itself and the fix, for every command (PyYAML's own said `"<unicode string>", line 4`)."""

from __future__ import annotations

import pytest
import yaml

from ssm_ts.cli.config_yaml import check_config_yaml, yaml_error_text
from ssm_ts.packaged_configs import find
from tests.cli.test_fcli_parse_errors import parse_error

# (command, broken YAML, the error's first line after "--config cfgs/bad.yaml is not valid YAML: ", its fix)
COMMANDS = [
    (
        ["forecast", "tune"],
        "data:\n  path: co2.csv\nmodel:\n  horizon:26\n  lookback: 52\nspace: {lr: [0.01]}\n",
        "line 4, column 10: horizon:26 has no space after its colon",
        "  write horizon: 26: YAML needs a space after the colon (horizon:26 is text, not a key with a value)",
    ),
    (
        ["forecast", "fit"],
        "model:\n  lookback: [24, 48\ntrainer:\n  max_epochs: 1\n",
        "line 2, column 13: the list that opens here is not closed (expected ',' or ']', but got ':' at line 3)",
        "  close the list with ']' after its last item (its items are separated by ', ')",
    ),
    (
        ["classify", "validate"],
        "model:\n  d_model: 16\n  n_layers:[1, 2]\n",
        "line 3, column 11: n_layers:[1, 2] has no space after its colon",
        "  write n_layers: [1, 2]: YAML needs a space after the colon (n_layers:[1, 2] is text, not a key with a "
        "value)",
    ),
    (
        ["audio", "predict"],
        "data:\n  root: clips\n  pattern: *.wav\n",
        "line 3, column 12: expected alphabetic or numeric character, but found '.'",
        "  quote a value that starts with * (YAML reads * as the start of an alias): pattern: '*.wav'",
    ),
    (
        ["audio", "generate", "--ckpt_path", "last"],
        "out: runs\nmodel:\n\tpreset: small\n",
        "line 3, column 1: a tab, which YAML does not take there",
        "  YAML indents with spaces, not tabs: replace the tab with spaces",
    ),
]


@pytest.mark.parametrize(
    ("command", "text", "first", "fix"), COMMANDS, ids=[" ".join(c[0][:2]) for c in COMMANDS]
)
def test_each_command_names_the_file_line_column_and_fix(
    command, text, first, fix, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cfgs").mkdir()
    (tmp_path / "cfgs" / "bad.yaml").write_text(text)
    lines = parse_error([*command, "--config", "cfgs/bad.yaml"], capsys)  # exit code 2, as a wrong option's
    prog = " ".join(["ssm-ts", *command[:2]])
    assert lines[0].startswith(f"{prog}: error: --config cfgs/bad.yaml is not valid YAML: {first}"), lines
    assert fix in lines and lines[-1] == f"{prog} --help lists every option", lines
    assert not any("unicode string" in line or "Problems parsing config" in line for line in lines), lines


def error_of(text: str) -> str:
    """What :func:`yaml_error_text` says of ``text`` given as ``--config c.yaml``."""
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        return yaml_error_text("c.yaml", text, error)
    raise AssertionError(f"{text!r} is valid YAML")


def test_the_line_is_shown_with_a_mark_under_the_place():
    assert error_of("data:\n  path: 'co2.csv\nmodel: {}\n").splitlines() == [
        "--config c.yaml is not valid YAML: line 2, column 9: the quote ' that opens here is not closed",
        "     2 |   path: 'co2.csv",
        "       |         ^",
        "  end the value with ', or drop the quote",
    ]


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("data:\n  path: a: b\n", "quote a value that holds ': ': path: 'a: b'"),
        (
            "model:\n  lookback 48\n  horizon: 3\n",
            "line 2 ('lookback 48') is no name: value, so YAML reads it and line 3 as one text",
        ),
        ("model:\n  lookback: 3\n   horizon: 4\n", "line 3 is indented more than line 2 above it"),
        (
            "model:\n    lookback: 3\n  horizon: 4\n",
            "line 3's indent (2 spaces) is that of no mapping above it",
        ),
        ("model:\n  lookback: 3\n- x\n", "a list item (- ...) is where a key was expected"),
        ("model:\n  lr: {low: 1, high: 2\n", "close the mapping with '}' after its last item"),
        ("a: 1\n---\nb: 2\n", "a config is one document: remove the '---' line"),
        ("data:\n  path: @home\n", "quote a value that starts with @ (YAML reads @ as a reserved character)"),
    ],
)
def test_each_slip_gets_its_fix(text, fix):
    assert fix in error_of(text)


def test_valid_configs_and_names_pass(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.yaml").write_text(find("forecast_co2_tune").read_text())
    (tmp_path / "url.yaml").write_text("tracking_uri: sqlite:///runs.db\nout: C:\\runs\nat: 12:30\n")
    check_config_yaml(["fit", "--config", "ok.yaml", "--config=url.yaml", "--config", "forecast_co2_quick"])
