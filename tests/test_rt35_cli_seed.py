"""``--seed_everything`` of a seed NumPy refuses (below 0, above 2**32 - 1) is one error naming the range,
before anything is built; it was Lightning's ``ValueError: -5 is not in bounds, numpy accepts from 0 to
4294967295`` under a traceback."""

from __future__ import annotations

import pytest

from ssm_ts import cli

FIT = ["forecast", "fit", "--data.path", "ETTh1", "--data.target", "OT", "--model.model", "s4d",
       "--trainer.logger", "false", "--out", "out"]  # fmt: skip


@pytest.mark.parametrize("seed", ["-5", str(2**32)])
def test_a_seed_out_of_numpys_range_is_one_error_naming_it(seed, in_tmp, capsys):
    assert cli.main([*FIT, "--seed_everything", seed]) == 1
    err = capsys.readouterr().err
    assert (
        f"ssm-ts forecast fit: error: --seed_everything {seed}: a seed is a whole number from 0 to 4294967295"
        in err
    )
    assert "Traceback" not in err
    assert not (in_tmp / "out").exists()  # refused before the fit started
