"""``ssm-ts forecast fit --trainer.max_steps 2``, a smoke fit that ends before its first validation, prints
one ssm-ts line saying no validation ran and that the fitted model is ``last.ckpt``'s weights (Lightning
printed its ``ModelCheckpoint(monitor='val_loss') could not find the monitored key ... HINT: Did you call
log('val_loss', value) in the LightningModule?``, which no ssm-ts user writes). ``--ckpt_path best`` after
it names why there is no best checkpoint and to pass ``last`` (it said to pass the fit's ``--out``, which
was given)."""

from __future__ import annotations

import warnings

import pandas as pd
import torch

from ssm_ts import cli
from ssm_ts.cli import short_warnings

FIT = [
    "forecast", "fit", "--data.path", "etth1.csv", "--data.target", "OT", "--data.time_col", "date",
    "--model.model", "nlinear", "--model.lookback", "48", "--model.horizon", "12", "--trainer.max_steps", "2",
    "--trainer.logger", "false", "--trainer.enable_progress_bar", "false", "--out", "out",
]  # fmt: skip


def test_a_fit_stopped_before_validation_says_so_and_best_points_to_last(
    in_tmp, shared_data, recwarn, capsys
):
    pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", nrows=400)[["date", "OT"]].to_csv(
        in_tmp / "etth1.csv", index=False
    )
    assert cli.main(FIT) == 0
    with short_warnings("forecast fit", verbose=False):  # as ssm-ts forecast fit prints them
        printed = "".join(
            warnings.formatwarning(w.message, w.category, w.filename, w.lineno) for w in recwarn
        )
    assert (
        "ssm-ts forecast fit: warning: no validation ran in this fit (it reached --trainer.max_steps 2 in epoch 1, before "
        "that epoch's validation)"
    ) in printed, printed
    assert "HINT" not in printed, printed
    (last,) = (in_tmp / "out").rglob("*.ckpt")
    assert last.name == "last.ckpt" and torch.load(last, weights_only=True)["global_step"] == 2

    capsys.readouterr()
    predict = ["forecast", "predict", "--ckpt_path", "best", "--data.path", "etth1.csv", "--out", "out"]
    assert cli.main(predict) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "ssm-ts forecast predict: error: --ckpt_path best: no best-*.ckpt under --out out, only last.ckpt: a fit writes "
        "its best checkpoint when it validates, and the fits there never validated (no validation split, such "
        "as --data.val_fraction 0; max_steps within the first epoch; --trainer.limit_val_batches 0); pass --ckpt_path "
        "last, or the checkpoint's path"
    )
    assert cli.main([*predict[:2], "--ckpt_path", "last", *predict[4:]]) == 0
