"""A mistyped data set name (``--data.path BasicMotion``) listed every standard data set but suggested
none; the error now asks "did you mean BasicMotions?"."""

from __future__ import annotations

import pytest

from ssm_ts import cli
from ssm_ts.datasets import resolve_data_path
from ssm_ts.errors import DataError


def test_a_mistyped_data_set_name_gets_the_close_one(in_tmp, capsys):
    args = ["classify", "fit", "--data.path", "BasicMotion", "--out", "out", "--trainer.max_epochs", "1"]
    assert cli.main(args) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "data.path BasicMotion: no such file or folder" in err, err
    assert "(did you mean BasicMotions?)" in err, err


def test_a_name_close_to_none_gets_no_suggestion(in_tmp):
    with pytest.raises(DataError) as raised:
        resolve_data_path("nothing_like_it", "classify")
    assert "did you mean" not in str(raised.value)
    with pytest.raises(DataError, match=r"did you mean espeak-digits\?"):
        resolve_data_path("espeak_digits", "audio", setting="data.root")
