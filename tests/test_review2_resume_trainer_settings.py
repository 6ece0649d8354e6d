"""A resumed fit takes its trainer settings (epoch budget, clipping) from the fit that wrote the checkpoint,
not from whatever command wrote ``<out>/config.yaml`` last.

Without MLflow (``--trainer.logger false``) every command under one ``--out`` writes ``<out>/config.yaml``:
a ``validate`` (or ``predict``, or another fit) run between the interrupted fit and its resume replaced it,
and ``fit --ckpt_path last --out out``, the command the Ctrl-C message prints, then resumed with that
command's trainer settings: here Lightning's default of 1000 epochs instead of the fit's 3.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ssm_ts import cli

FIT = [
    "forecast", "fit", "--data.path", "ETTh1", "--data.target", "OT", "--data.boundaries", "[600, 800, 1000]",
    "--data.batch_size", "64", "--model.model", "nlinear", "--model.lookback", "48", "--model.horizon", "12",
    "--trainer.logger", "false", "--out", "out",
]  # fmt: skip
INTERRUPT = [
    "--trainer.callbacks+=tests.cli.fake_use.InterruptAtEpoch",
    "--trainer.callbacks.init_args.epoch=1",
]
LIMIT = ["--trainer.max_time", "00:00:00:30"]  # bounds the run before the fix (toward 1000 epochs)


def epochs_done(checkpoint: Path) -> int:
    return torch.load(checkpoint, map_location="cpu", weights_only=True)["epoch"] + 1


@pytest.mark.parametrize("between", ["validate", "another fit"])
def test_a_resume_keeps_its_own_fits_trainer_settings(in_tmp, between, capsys):
    assert (
        cli.main([*FIT, "--trainer.max_epochs", "3", "--trainer.gradient_clip_val", "0.5", *INTERRUPT]) == 130
    )
    (last,) = (in_tmp / "out").rglob("last.ckpt")
    assert epochs_done(last) == 1
    if between == "validate":
        validate = [
            "forecast",
            "validate",
            "--ckpt_path",
            str(last),
            "--out",
            "out",
            "--trainer.logger",
            "false",
        ]
        assert cli.main(validate) == 0
    else:  # a second fit under the same --out: its own last-v1.ckpt and its own budget
        assert cli.main([*FIT, "--trainer.max_epochs", "1"]) == 0
    capsys.readouterr()

    resume = ["forecast", "fit", "--ckpt_path", str(last), "--out", "out", "--trainer.logger", "false"]
    assert cli.main([*resume, *LIMIT]) == 0
    # the fit's own max_epochs, 3 (before: 1000 after validate, bounded here by LIMIT; the other fit's 1)
    assert max(epochs_done(p) for p in (in_tmp / "out").rglob("last*.ckpt")) == 3
