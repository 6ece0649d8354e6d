"""``ssm-ts forecast tune`` and ``ssm-ts audio generate`` took a cut-short option as the whole one
(``--n_trial 2`` ran as ``--n_trials 2``, ``--sec 1`` as ``--seconds 1``), unlike the fit and predict
commands, which refuse it: a typo in a script then did something, with no word. They now refuse it too."""

from __future__ import annotations

import pytest

from ssm_ts.api import generate_cli, tune_cli


def test_tune_refuses_a_cut_short_option(capsys):
    parser = tune_cli.build_parser()
    assert parser.parse_args(["--n_trials", "2"]).n_trials == 2
    with pytest.raises(SystemExit):
        parser.parse_args(["--n_trial", "2"])
    assert "--n_trial" in capsys.readouterr().err


def test_generate_refuses_a_cut_short_option(capsys):
    parser = generate_cli.build_parser()
    assert parser.parse_args(["--ckpt_path", "last", "--seconds", "1"]).seconds == 1.0
    with pytest.raises(SystemExit):
        parser.parse_args(["--ckpt_path", "last", "--sec", "1"])
    assert "unrecognized arguments: --sec 1" in capsys.readouterr().err
