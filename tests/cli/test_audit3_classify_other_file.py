"""``ssm-ts classify test --data.test_path`` / ``predict --data.predict_path`` on a file of another
problem (other channels): the error names the option that gave the file. It said "(--data.path)" and
"leave out --config and --data.path to use the data the model was fitted on", which is not the file at
fault and does not test or classify the user's file."""

from __future__ import annotations

import pytest

from ssm_ts import cli


@pytest.mark.parametrize(
    ("command", "option", "problem", "channels"),
    [
        ("test", "--data.test_path", "JapaneseVowels", "12 channels"),
        ("predict", "--data.predict_path", "GunPoint", "1 channel"),
    ],
)
def test_a_file_of_another_problem_is_named_by_its_option(
    basicmotions_random_features_cli_fit, in_tmp, shared_data, capsys, command, option, problem, channels
):
    ckpt = basicmotions_random_features_cli_fit[0]
    other = shared_data / "classification" / problem / f"{problem}_TEST.ts"
    args = ["classify", command, "--ckpt_path", str(ckpt), option, str(other), "--out", "out"]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert f"{problem}_TEST.ts: {channels}, but the model was trained on 6" in err, err
    assert f"Give recordings with the training channels ({option})." in err, err
    assert "leave out --config and --data.path" not in err, err
