"""A CLI fit stopped by a NaN/inf training loss names ssm-ts's own ``last.ckpt`` as the last good checkpoint,
not the folder of a user's ``--trainer.callbacks`` ModelCheckpoint, and says when it wrote none.

LightningCLI puts the command line's callbacks first: the message named the first checkpoint callback's
folder, the user's ``user_checkpoints/`` (or a ``dirpath`` of theirs), which ``--ckpt_path last`` does not
resume, and it named a folder also when the loss diverged before any checkpoint was written. On real ETTh1
rows, a tiny nlinear model whose learning rate of 1e18 overflows the loss at its second optimizer step."""

from __future__ import annotations

import pytest

from ssm_ts import cli
from tests.cli.test_cli_user_checkpoint_folders import FORECAST, MINE, NO_MLFLOW, said


@pytest.mark.parametrize(
    ("batches", "says"),
    [
        # the second step is epoch 1's first: epoch 0 was saved
        ("1", "training loss became inf at epoch 1, batch 0; stopped. The last good checkpoint is "
              "out/checkpoints/last.ckpt."),
        # the second step is in epoch 0: nothing was saved
        ("2", "training loss became inf at epoch 0, batch 1; stopped. No checkpoint was written before it."),
    ],
    ids=["after-epoch-0", "in-epoch-0"],
)  # fmt: skip
def test_a_diverged_fit_names_ssm_ts_last_checkpoint_not_a_users(data_home, capsys, batches, says):
    args = [*FORECAST, "--model.lr", "1e18", "--trainer.limit_train_batches", batches, *MINE, *NO_MLFLOW]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert said(err, says) and "user_checkpoints" not in err, err
    assert (data_home / "out" / "checkpoints" / "last.ckpt").is_file() == (batches == "1")
