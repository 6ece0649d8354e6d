"""``ssm-ts audio fit`` says how many files each split got. ``--data.test_pattern 'c0*.wav'``, a glob
meant to make c00.wav ... c09.wav the test files, is a regular expression that matches c00.wav alone,
and the fit said nothing of it: the summary line named the files' rates and channels only."""

from __future__ import annotations

from ssm_ts import cli
from tests.cli.test_audit3_warning_sources import spoken_takes


def test_the_fit_summary_counts_each_split(in_tmp, shared_data, capsys):
    folder = spoken_takes(shared_data, in_tmp / "takes", "two", [f"c{i:02d}.wav" for i in range(12)])
    fit = [
        "audio", "fit", "--data.root", str(folder), "--data.split", "rule", "--data.test_pattern", "c0*.wav",
        "--data.clip_seconds", "0.02", "--data.batch_size", "2", "--model.preset", "tiny",
        "--trainer.max_epochs", "1", "--trainer.limit_train_batches", "1", "--trainer.limit_val_batches", "1",
        "--trainer.limit_test_batches", "1", "--trainer.logger", "false", "--trainer.enable_progress_bar", "false",
        "--out", "out",
    ]  # fmt: skip
    assert cli.main(fit) == 0
    err = " ".join(capsys.readouterr().err.split())  # rich wraps the line
    assert "12 audio files under" in err, err
    assert "split 10 train, 1 validation, 1 test" in err, err
