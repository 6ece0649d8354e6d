"""``ssm-ts classify predict`` and a closed-form (``random_features``) fit on several processes are refused
by the command before the trainer starts them: the task's ``setup`` refusal came from each started
process, a traceback of each under ``ddp_spawn``. No process is started (the launcher's
``torch.multiprocessing.start_processes`` is counted) and the one error line names the fix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch.multiprocessing

from ssm_ts import cli

QUIET = ["--trainer.max_epochs", "1", "--trainer.enable_progress_bar", "false", "--trainer.logger", "false"]
TWO_PROCESSES = ["--trainer.accelerator", "cpu", "--trainer.devices", "2", "--trainer.strategy", "ddp_spawn"]
RANDOM_FEATURES = ["--model.model", "random_features", "--model.model_options", "{n_kernels: 4}"]


@pytest.fixture
def stream_csv(tmp_path, monkeypatch, single_thread) -> list[str]:
    """The data options of a stream of 200 rows (time, two channels, an activity) in stream.csv."""
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    pd.DataFrame({"time": np.arange(200) * 0.1, "a": rng.normal(size=200), "b": rng.normal(size=200),
                  "activity": np.repeat(["walk", "run", "sit", "walk"], 50)}).to_csv("stream.csv", index=False)  # fmt: skip
    return ["--data.path", "stream.csv", "--data.window", "10", "--data.label_col", "activity",
            "--data.batch_size", "4", "--data.val_fraction", "0"]  # fmt: skip


@pytest.fixture
def spawns(monkeypatch) -> list[int]:
    """The number of processes each launch asked for; a launch fails the command at once."""
    asked: list[int] = []

    def start_processes(*args, nprocs: int = 1, **kwargs):
        asked.append(nprocs)
        raise RuntimeError("processes started")

    monkeypatch.setattr(torch.multiprocessing, "start_processes", start_processes)
    return asked


def test_a_closed_form_fit_on_two_processes_is_refused_before_they_start(stream_csv, spawns, capsys):
    fit = ["classify", "fit", *stream_csv, *RANDOM_FEATURES, *QUIET, *TWO_PROCESSES, "--out", "out"]
    assert cli.main(fit) == 1
    assert spawns == []
    err = capsys.readouterr().err
    assert (
        "ssm-ts classify fit: error: model 'random_features' is fitted in closed form in one process" in err
    )
    assert "Fit it on one device: ssm-ts classify fit --trainer.devices 1" in err


def test_predict_on_two_processes_is_refused_before_they_start(stream_csv, spawns, capsys):
    fit = ["classify", "fit", *stream_csv, *RANDOM_FEATURES, *QUIET, "--out", "out"]
    assert cli.main(fit) == 0  # one process: a closed-form fit, at once
    (ckpt,) = [str(path) for path in Path("out").rglob("last.ckpt")]
    predict = ["classify", "predict", "--ckpt_path", ckpt, "--data.path", "stream.csv", *TWO_PROCESSES,
               "--trainer.enable_progress_bar", "false", "--out", "out"]  # fmt: skip
    capsys.readouterr()
    assert cli.main(predict) == 1
    assert spawns == []
    err = capsys.readouterr().err
    assert "ssm-ts classify predict: error: a classifier predicts in one process; this trainer runs 2" in err
    assert "Predict on one device: ssm-ts classify predict --trainer.devices 1" in err
