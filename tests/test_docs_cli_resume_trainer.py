"""``ssm-ts USE fit --ckpt_path last --out DIR`` alone, as the docs give it, resumes with the fit's own
trainer settings (its epoch budget, gradient clipping) from the config.yaml the fit saved.

A user who resumed an interrupted ``audio fit --config audio_digits_quick`` that way got Lightning's
default of 1000 epochs and no gradient clipping: the checkpoint restored the model and data settings
only. Trainer settings given again on the command line still win.
"""

from __future__ import annotations

from pathlib import Path

import torch
import yaml

from ssm_ts import cli

FIT = [
    "forecast", "fit", "--data.path", "ETTh1", "--data.target", "OT", "--data.boundaries", "[600, 800, 1000]",
    "--data.batch_size", "64", "--model.model", "nlinear", "--model.lookback", "48", "--model.horizon", "12",
    "--trainer.max_epochs", "1", "--trainer.gradient_clip_val", "0.5", "--seed_everything", "0", "--out", "out",
]  # fmt: skip
# a bound for the run before the fix, which trained toward 1000 epochs
LIMIT = ["--trainer.max_time", "00:00:00:20"]


def saved_trainer(out: Path) -> dict:
    """The trainer section of the config.yaml the (last) fit saved in its run folder."""
    (config,) = [p for p in out.rglob("config.yaml") if p.parent != out]
    return yaml.safe_load(config.read_text())["trainer"]


def last_step(out: Path) -> int:
    return torch.load(next(out.rglob("last.ckpt")), map_location="cpu", weights_only=False)["global_step"]


def test_a_bare_resume_keeps_the_fits_epochs_and_clipping(in_tmp):
    out = in_tmp / "out"
    assert cli.main(FIT) == 0
    steps = last_step(out)

    assert cli.main(["forecast", "fit", "--ckpt_path", "last", "--out", "out", *LIMIT]) == 0
    trainer = saved_trainer(out)
    assert trainer["max_epochs"] == 1 and trainer["gradient_clip_val"] == 0.5
    assert last_step(out) == steps  # the finished 1-epoch fit trained no further


def test_trainer_settings_given_again_win(in_tmp):
    out = in_tmp / "out"
    assert cli.main(FIT) == 0
    steps = last_step(out)

    assert (
        cli.main(["forecast", "fit", "--ckpt_path", "last", "--out", "out", "--trainer.max_epochs", "2"]) == 0
    )
    trainer = saved_trainer(out)
    assert trainer["max_epochs"] == 2 and trainer["gradient_clip_val"] == 0.5
    assert last_step(out) == 2 * steps
