"""Two ``cli.main`` calls in one process (a notebook, the test suite): what the first recorded about its
files (the file it was given, the file its checkpoint's fit read) judged the second's errors, e.g. the
"the fit read fit.csv" fix of a too-short file. Each call now starts from empty records."""

from __future__ import annotations

import pytest

from ssm_ts import cli
from ssm_ts.cli import restored_data
from ssm_ts.cli.short_file import short_file_hint
from ssm_ts.errors import DataError
from tests.test_fcli38_new_rows_alone import fit  # noqa: F401 (nlinear fitted on 300 ETTh1 rows, a fixture)


def test_a_second_command_is_not_judged_by_the_first_s_files(fit, ett, capsys):  # noqa: F811
    ett.iloc[300:310].to_csv("today.csv", index=False)
    args = ["forecast", "predict", "--ckpt_path", fit.best_checkpoint_, "--data.path", "today.csv"]
    assert cli.main([*args, "--out", "pred", "--trainer.logger", "false"]) == 1
    assert "(the fit read " in capsys.readouterr().err  # the first command's own hint
    short = DataError(
        "today.csv: forecasting needs the last 24 observed rows (the lookback); the data has 10."
    )
    assert short_file_hint(short)  # recorded for the first command

    # a second command that restores nothing from a checkpoint: no fit read a file for it
    with pytest.raises(SystemExit, match="0"):
        cli.main(["forecast", "fit", "--data.path", "today.csv", "--print_config"])
    assert short_file_hint(short) == ""
    assert restored_data.GIVEN_FILE_SETTINGS == {}
    assert restored_data.FIT_FILE_PATHS == {}
