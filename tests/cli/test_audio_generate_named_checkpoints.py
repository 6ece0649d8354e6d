"""``ssm-ts audio generate --ckpt_path best / last`` resolves as ``ssm-ts audio predict`` does: the newest
such checkpoint under ``--out`` (the fit's; with ``--config`` its ``out:``; else the fit's default
folder), with the same error when there is no fit there. Before, generate took only a path: "checkpoint
not found: last", so users pasted ``<out>/<experiment id>/<run id>/checkpoints/last.ckpt``."""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile as sf

from ssm_ts import cli
from ssm_ts.api.generate_cli import FIT_DEFAULT_OUT
from tests.cli_runs import run_cli_in

# a tiny SaShiMi on 8 spoken digits of FSDD (8 kHz), one epoch: about 10 s on one CPU thread
FIT = [
    "audio", "fit", "--data.root", "fsdd", "--data.sample_rate", "8000", "--data.clip_seconds", "0.125",
    "--data.max_files_per_split", "8", "--data.batch_size", "8", "--model.preset", "tiny",
    "--model.sample_every_n_epochs", "0", "--trainer.max_epochs", "1", "--seed_everything", "0",
]  # fmt: skip
GENERATE = ["audio", "generate", "--num", "2", "--seconds", "0.02", "--seed", "3"]


@pytest.fixture(scope="module")
def fitted(shared_data, tmp_path_factory) -> Path:
    """The working folder of one FSDD fit written to the fit's default --out (no --out given)."""
    folder = tmp_path_factory.mktemp("fitted")
    run_cli_in(folder, FIT, shared_data)
    assert (folder / FIT_DEFAULT_OUT).is_dir()  # the CLI's default --out is the one generate looks under
    return folder


@pytest.fixture
def in_fitted(fitted, monkeypatch) -> Path:
    monkeypatch.chdir(fitted)
    return fitted


def said(err: str, text: str) -> bool:
    """Whether stderr says ``text``, whatever the console's line wrapping (rich wraps long paths)."""
    return "".join(text.split()) in "".join(err.split())


def clips(folder: Path) -> list:
    return [sf.read(path)[0] for path in sorted(folder.glob("sample_*.wav"))]


def checkpoint(fitted: Path, name: str) -> Path:
    (path,) = (fitted / FIT_DEFAULT_OUT).rglob(name)
    return path


@pytest.mark.parametrize(("named", "file"), [("last", "last.ckpt"), ("best", "best-epoch=0.ckpt")])
def test_best_and_last_name_the_fits_checkpoint_under_out(in_fitted, named, file, tmp_path, capsys):
    out = in_fitted / FIT_DEFAULT_OUT
    assert cli.main([*GENERATE, "--ckpt_path", named, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert said(err, f"using {checkpoint(in_fitted, file)}") and said(
        err, f"wrote 2 clips of 0.02 s and spectrograms.png to {out}"
    )
    # the clips of that very file: the same as generating from its path, with the same seed
    by_path = tmp_path / "by_path"
    assert cli.main([*GENERATE, "--ckpt_path", str(checkpoint(in_fitted, file)), "--out", str(by_path)]) == 0
    assert len(clips(out)) == 2 and all(
        (a == b).all() for a, b in zip(clips(out), clips(by_path), strict=True)
    )


def test_without_out_the_fits_default_folder_is_searched_and_written(in_fitted, capsys):
    assert cli.main([*GENERATE, "--ckpt_path", "last"]) == 0
    assert said(capsys.readouterr().err, f"using {checkpoint(in_fitted, 'last.ckpt').relative_to(in_fitted)}")
    assert len(clips(in_fitted / FIT_DEFAULT_OUT)) == 2


def test_the_configs_out_holds_the_fit_and_is_the_default_out(in_fitted, tmp_path, capsys):
    config = tmp_path / "fit.yaml"
    config.write_text(f"model:\n  preset: tiny\nout: {FIT_DEFAULT_OUT}\n")
    assert cli.main([*GENERATE, "--ckpt_path", "best", "--config", str(config)]) == 0
    assert said(
        capsys.readouterr().err, f"using {checkpoint(in_fitted, 'best-epoch=0.ckpt').relative_to(in_fitted)}"
    )
    # with --config, --out names where the clips go; the checkpoint is still the config's fit's
    clips_out = tmp_path / "clips"
    assert cli.main([*GENERATE, "--ckpt_path", "best", "--config", str(config), "--out", str(clips_out)]) == 0
    assert said(
        capsys.readouterr().err, f"using {checkpoint(in_fitted, 'best-epoch=0.ckpt').relative_to(in_fitted)}"
    )
    assert len(clips(clips_out)) == 2


def test_a_path_still_writes_to_samples_by_default(in_fitted, capsys):
    assert cli.main([*GENERATE, "--ckpt_path", str(checkpoint(in_fitted, "last.ckpt"))]) == 0
    assert len(clips(in_fitted / "samples")) == 2


@pytest.mark.parametrize("named", ["best", "last"])
def test_no_fit_under_out_is_the_same_error_as_predicts(named, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    empty = tmp_path / "no_fit_yet"
    assert cli.main(["audio", "predict", "--ckpt_path", named, "--out", str(empty)]) == 1
    predicts = capsys.readouterr().err.strip().splitlines()[-1]
    assert cli.main([*GENERATE, "--ckpt_path", named, "--out", str(empty)]) == 1
    generates = capsys.readouterr().err.strip().splitlines()[-1]
    message = (
        f"error: --ckpt_path {named}: no {'best-*.ckpt' if named == 'best' else 'last.ckpt'} "
        f"under --out {empty}; pass the --out of the fit, or the checkpoint's path"
    )
    assert predicts == f"ssm-ts audio predict: {message}"
    assert generates == f"ssm-ts audio generate: {message}"  # the same error, named by its command
    assert not empty.exists()  # nothing written


def test_a_config_that_cannot_be_found_is_the_fits_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main([*GENERATE, "--ckpt_path", "last", "--config", "audio_digits_qiuck"]) == 1
    err = capsys.readouterr().err
    assert "--config audio_digits_qiuck: no such file" in err and "audio_digits_quick" in err
