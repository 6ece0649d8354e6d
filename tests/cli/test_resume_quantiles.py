"""A forecast fit with quantiles that leave out 0.5 (``[0.1, 0.9]``) resumes: the task keeps them as
``[0.1, 0.5, 0.9]`` (the median is its point forecast), and the resume compared the checkpoint's form
with the one given. The documented resume (the same command plus ``--ckpt_path last``) was refused
("--model.quantiles: [0.1, 0.5, 0.9] in the checkpoint, [0.1, 0.9] now"), and so was one without
options (the MLflow run had logged ``[0.1, 0.9]``): such a fit could not be resumed at all."""

from __future__ import annotations

import torch

from ssm_ts import cli
from tests.cli.test_resume_settings import FIRST, FORECAST, experiment_runs, resume_args

QUANTILES = ["--model.quantiles", "[0.1, 0.9]", "--trainer.limit_train_batches", "2"]


def test_a_fit_with_quantiles_without_the_median_resumes(data_home, capsys):
    assert cli.main([*FORECAST, *QUANTILES, *FIRST]) == 0
    # the same command again, as documented
    assert cli.main([*FORECAST, *QUANTILES, *resume_args("forecast")[2:]]) == 0, capsys.readouterr().err
    # the checkpoint's settings alone
    assert cli.main([*resume_args("forecast"), "--trainer.max_epochs", "3"]) == 0, capsys.readouterr().err
    checkpoint = torch.load(
        next((data_home / "out").rglob("last.ckpt")), map_location="cpu", weights_only=False
    )
    assert checkpoint["epoch"] == 2 and checkpoint["hyper_parameters"]["quantiles"] == [0.1, 0.5, 0.9]
    runs = experiment_runs("forecast")
    assert len(runs) == 1 and runs[0].data.params["model.quantiles"] == "[0.1, 0.9]"  # as logged first


def test_other_quantiles_are_still_refused_on_resume(data_home, capsys):
    assert cli.main([*FORECAST, *QUANTILES, *FIRST]) == 0
    capsys.readouterr()
    assert cli.main([*resume_args("forecast"), "--model.quantiles", "[0.2, 0.8]"]) == 1
    err = capsys.readouterr().err
    assert "--model.quantiles: [0.1, 0.5, 0.9] in the checkpoint, [0.2, 0.8] now" in err, err
