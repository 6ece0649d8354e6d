"""Warnings raised while Lightning sets the data up print as ssm-ts's one line on the command line
(``ssm-ts audio fit: warning: ...``). They pointed at the caller of the data module's or task's ``setup``,
Lightning's ``trainer/call.py``, so the CLI printed them as that library's, with its file path and line
(``.../lightning/pytorch/trainer/call.py:199: crop='fixed' trains on ...``), which a user reads as a
Lightning problem. (pytest records warnings instead of printing them: each is printed here as the CLI
prints it, with :func:`ssm_ts.cli.short_warnings`.)"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import soundfile as sf

from ssm_ts import cli
from ssm_ts.cli import short_warnings
from ssm_ts.pipelines.sensor import read_series

QUIET = ["--trainer.max_epochs", "1", "--trainer.enable_progress_bar", "false"]


def printed(use: str, recorded) -> str:
    """The recorded warnings as ``ssm-ts USE COMMAND`` prints them on stderr (``use``: ``audio fit``)."""
    with short_warnings(use, verbose=False):
        return "".join(warnings.formatwarning(w.message, w.category, w.filename, w.lineno) for w in recorded)


def spoken_takes(shared_data: Path, folder: Path, word: str, names: list[str]) -> Path:
    """``folder`` with the first espeak-digits clips of ``word`` as ``names`` (a user's own takes)."""
    folder.mkdir()
    clips = sorted((shared_data / "audio" / "espeak-digits" / word).glob("*.wav"))[: len(names)]
    for name, path in zip(names, clips, strict=True):
        sf.write(folder / name, *sf.read(path))
    return folder


def test_audio_fit_warnings_are_ssm_ts_lines(in_tmp, shared_data, recwarn):
    folder = spoken_takes(shared_data, in_tmp / "takes", "one", [f"take{i}.wav" for i in range(6)])
    (folder / "broken.wav").write_text("not audio")
    fit = [
        "audio", "fit", "--data.root", str(folder), "--data.clip_seconds", "0.02", "--data.batch_size", "2",
        "--data.on_bad_file", "skip", "--model.preset", "tiny", "--trainer.limit_train_batches", "1",
        "--trainer.limit_val_batches", "1", "--trainer.limit_test_batches", "1", "--trainer.logger", "false",
        "--out", "out", *QUIET,
    ]  # fmt: skip
    assert cli.main(fit) == 0
    err = printed("audio fit", recwarn)
    assert "ssm-ts audio fit: warning: skipped 1 unreadable audio file(s) of 7: broken.wav" in err, err
    assert "ssm-ts audio fit: warning: --data.crop fixed trains on the first 0.02 s" in err, err
    assert "call.py" not in err, err


def test_classify_fit_layout_warning_is_an_ssm_ts_line(in_tmp, shared_data, recwarn):
    train = read_series(shared_data / "classification" / "BasicMotions" / "BasicMotions_TRAIN.ts")
    np.savez(in_tmp / "flipped.npz", X=np.stack(train.values).transpose(0, 2, 1), y=np.asarray(train.labels))
    fit = [
        "classify", "fit", "--data.path", "flipped.npz", "--model.model", "random_features",
        "--model.model_options", "{n_kernels: 50}", "--trainer.logger", "false", "--out", "out", *QUIET,
    ]  # fmt: skip
    assert cli.main(fit) == 0
    err = printed("classify fit", recwarn)
    assert "ssm-ts classify fit: warning: flipped.npz: every recording has more channels (100)" in err, err
    assert "call.py" not in err, err
