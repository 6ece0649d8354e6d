"""``ssm-ts forecast tune`` given a malformed option or space: a parse error printed jsonargparse's whole
usage (17 lines of options) above "Parser key "space": Expected a <class 'dict'>"; it now says what the
other commands say (the option, what it takes, the value given, the fix) in a few lines. A space whose
YAML reads but whose entries are wrong was already refused in one line, before any trial: kept so."""

from __future__ import annotations

import pytest

from ssm_ts import cli
from tests.cli.test_fcli_parse_errors import parse_error

TUNE = ["forecast", "tune", "--data.path", "ETTh1", "--n_trials", "1"]


def _short(lines: list[str]) -> str:
    """The lines as one text, checked to be a short error and not jsonargparse's usage."""
    text = "\n".join(lines)
    assert lines[0].startswith("ssm-ts forecast tune: error: "), text
    assert len(lines) <= 10, text
    assert "[--data.time_col TIME_COL]" not in text and "Expected a <class" not in text, text
    assert lines[-1] == "ssm-ts forecast tune --help lists every option", text
    return text


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--space", "[16, 32]"],
            ["--space takes a mapping ({key: value}); got '[16, 32]'", "e.g. --space '{lr:"],
        ),
        (["--space", "{lr: [1, 2"], ["'{lr: [1, 2' is not valid YAML: expected ',' or ']'", "e.g. --space"]),
        (["--space", "{lr:[1, 2]}"], ["write {lr: [1, 2]}: YAML needs a space after the colon"]),
        (["--space", "{lr:{low:1, high:2}}"], ["write {lr: {low: 1, high: 2}}: YAML needs a space"]),
        (["--model", "{lookback: 48"], ["--model takes a mapping", "e.g. --model '{lookback: 48"]),
        (["--n_trials", "ten"], ["--n_trials takes a whole number or null; got 'ten'"]),
        (["--sampler", "tpee"], ["--sampler takes one of tpe, random, grid; got 'tpee'"]),
        (["--data.pth", "x.csv"], ["unrecognized arguments: --data.pth", "did you mean --data.path?"]),
    ],
)
def test_a_malformed_option_is_named_in_a_few_lines(args, said, capsys):
    text = _short(parse_error([*TUNE, *args], capsys))
    for part in said:
        assert part in text


def test_a_config_file_s_misspelt_space_and_broken_yaml_are_short_too(tmp_path, capsys):
    misspelt = tmp_path / "misspelt.yaml"
    misspelt.write_text("data:\n  path: ETTh1\nspaec:\n  lr: [0.001, 0.01]\n")
    text = _short(parse_error(["forecast", "tune", "--config", str(misspelt)], capsys))
    assert "'spaec.lr' is not accepted" in text and "did you mean --space?" in text
    broken = tmp_path / "broken.yaml"
    broken.write_text("data:\n  path: ETTh1\nspace:\n  lr: [1, 2\n")
    text = _short(parse_error(["forecast", "tune", "--config", str(broken)], capsys))
    assert (
        f"--config {broken} is not valid YAML: line 4, column 7: the list that opens here is not closed"
        in text
    )


@pytest.mark.parametrize(
    ("space", "said"),
    [
        ("{lr: {dist: beta}}", "must have either 'choices' or 'low' and 'high'"),
        ("{lr: {low: 0.1, high: 0.01}}", "the range's low 0.1 must be below its high 0.01"),
        ("{lookbak: [24, 48]}", "'lookbak' is not a Forecaster setting"),
        ("{lr: []}", "the list of choices is empty"),
    ],
)
def test_a_space_with_wrong_entries_is_refused_in_one_line_before_any_trial(space, said, in_tmp, capsys):
    assert cli.main([*TUNE, "--space", space, "--out", "out"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ssm-ts forecast tune: error: search space "), err
    assert said in err[0]
    assert not (in_tmp / "out").exists()
