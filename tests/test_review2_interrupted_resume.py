"""Ctrl-C during the first epoch of a fit that resumed from a checkpoint in another folder (``fit
--ckpt_path other/last.ckpt --out new``): the message said there was "nothing to resume" and to "rerun the
fit without --ckpt_path", which starts over and drops the checkpoint's training. The checkpoint it
resumed from is still there: the message names the command that resumes from it again."""

from __future__ import annotations

from ssm_ts import cli

FIT = [
    "forecast", "fit", "--data.path", "ETTh1", "--data.target", "OT", "--data.boundaries", "[600, 800, 1000]",
    "--data.batch_size", "64", "--model.model", "nlinear", "--model.lookback", "48", "--model.horizon", "12",
    "--trainer.logger", "false",
]  # fmt: skip
INTERRUPT = [
    "--trainer.callbacks+=tests.cli.fake_use.InterruptAtEpoch",
    "--trainer.callbacks.init_args.epoch=1",
]


def test_ctrl_c_before_a_resumed_fits_first_checkpoint_names_the_checkpoint_it_resumed(in_tmp, capsys):
    assert cli.main([*FIT, "--trainer.max_epochs", "1", "--out", "first"]) == 0
    (start,) = (in_tmp / "first").rglob("last.ckpt")
    capsys.readouterr()
    resumed = ["--ckpt_path", str(start), "--trainer.max_epochs", "3", "--out", "second"]
    assert cli.main([*FIT, *resumed, *INTERRUPT]) == 130  # Ctrl-C as its first epoch (epoch 1) starts
    err = " ".join(capsys.readouterr().err.split())
    assert "without --ckpt_path" not in err and "nothing to resume" not in err
    assert f"ssm-ts forecast fit --ckpt_path {start} --out second" in err


def test_the_resume_command_of_a_fit_without_mlflow_keeps_it_off(in_tmp, capsys):
    """The printed command lacked ``--trainer.logger false``: run as printed, the resumed fit logged to a new
    MLflow run (creating a store the user had turned off) and wrote its checkpoints into a run folder."""
    assert cli.main([*FIT, "--trainer.max_epochs", "3", "--out", "out", *INTERRUPT]) == 130
    err = " ".join(capsys.readouterr().err.split())
    resume = "ssm-ts forecast fit --ckpt_path last --out out --trainer.logger false"
    assert f"Resume it with: {resume}" in err
    assert cli.main(resume.split()[1:]) == 0
    assert sorted(p.relative_to(in_tmp).as_posix() for p in in_tmp.rglob("last*.ckpt")) == [
        "out/checkpoints/last.ckpt"
    ]
