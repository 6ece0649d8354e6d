"""``--trainer.limit_train_batches 1`` is one batch (the int 1), not 1.0 (every batch): Lightning declares
these options ``int | float``, but Python's union cache can hand the Trainer a ``float | int`` made by an
earlier import (which one depends on the import order), and the parser tries a union's members in order."""

from __future__ import annotations

import subprocess
import sys
import typing
from typing import Optional, Union

import pytest
import yaml

from ssm_ts import cli
from ssm_ts.cli.trainer_typehints import int_before_float

INT_OR_FLOAT = ("limit_train_batches", "limit_val_batches", "limit_test_batches", "limit_predict_batches")
ARGS = [
    *(arg for name in INT_OR_FLOAT for arg in (f"--trainer.{name}", "1")),
    "--trainer.overfit_batches",
    "0.25",
]

# A fresh process whose Trainer was given float-first unions before the CLI reads them: in this process,
# typing's cache keeps whichever order the earlier tests made first, so the state is set up anew there.
FLOAT_FIRST = f"""
import typing
from lightning.pytorch import Trainer
for name in {INT_OR_FLOAT!r}:
    Trainer.__init__.__annotations__[name] = typing.Union[(float, int, type(None))]
from ssm_ts import cli
cli.main(["forecast", "fit", *{ARGS!r}, "--print_config"])
"""


def check_limits(trainer: dict) -> None:
    assert [trainer[name] for name in INT_OR_FLOAT] == [1, 1, 1, 1]
    assert all(type(trainer[name]) is int for name in INT_OR_FLOAT)
    assert trainer["overfit_batches"] == 0.25


def test_integer_batch_limits_stay_integers(capsys):
    with pytest.raises(SystemExit):
        cli.main(["forecast", "fit", *ARGS, "--print_config"])
    check_limits(yaml.safe_load(capsys.readouterr().out)["trainer"])
    with pytest.raises(SystemExit):
        cli.main(["forecast", "fit", "--trainer.limit_val_batches", "0.5", "--print_config"])
    assert yaml.safe_load(capsys.readouterr().out)["trainer"]["limit_val_batches"] == 0.5


def test_integer_batch_limits_stay_integers_after_a_float_first_union(tmp_path):
    done = subprocess.run([sys.executable, "-c", FLOAT_FIRST], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    check_limits(yaml.safe_load(done.stdout)["trainer"])


def test_int_before_float_reorders_only_float_first_unions():
    float_first = typing.Union[(float, int, type(None))]  # noqa: UP007 (typing.Union, as Lightning writes it)
    assert typing.get_args(int_before_float(float_first)) == (int, float, type(None))
    kept = Optional[Union[int, float]]  # noqa: UP007, UP045
    assert int_before_float(kept) is kept
    assert int_before_float(Optional[str]) == Optional[str]  # noqa: UP045
    assert int_before_float(float) is float
