"""``ssm-ts classify test --ckpt_path ... --data.path my.ts``: one file as data.path is training data,
so there was no test split, and the error said "set data.test_path, or data.path to a UCR/UEA folder"
without saying that the file given was the reason. It now names the file and the option to pass it as."""

from __future__ import annotations

import shutil

from ssm_ts import cli
from tests.cli_runs import classify_test_args


def test_a_single_file_as_data_path_is_told_to_be_the_test_path(
    basicmotions_random_features_cli_fit, in_tmp, shared_data, capsys
):
    ckpt = basicmotions_random_features_cli_fit[0]
    shutil.copy(shared_data / "classification" / "BasicMotions" / "BasicMotions_TEST.ts", in_tmp / "mine.ts")
    test = classify_test_args(ckpt)
    assert cli.main([*test, "--data.path", "mine.ts"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "data.path mine.ts is one file, the training data" in err, err
    assert "pass it as --data.test_path mine.ts" in err, err
    assert cli.main([*test, "--data.test_path", "mine.ts"]) == 0  # the fix it names
