"""``--ckpt_path`` given an export's ``model.safetensors`` (or its folder): the commands read a fit's
``.ckpt``, and the error said only "not a checkpoint (a safetensors file ...)". It now names the export's
folder, the fit's checkpoint to pass instead, and the Python call that loads the folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssm_ts import cli
from ssm_ts.export import PASS_A_CHECKPOINT


def an_export(folder: Path) -> Path:
    """An export folder's files (their content is never read before the error)."""
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{}")
    return folder


def error_of(args: list[str], capsys) -> str:
    assert cli.main(args) == 1
    return " ".join(capsys.readouterr().err.split())


def test_a_fit_s_export_weights_name_the_checkpoint_beside_them(tmp_path, capsys):
    run = tmp_path / "out" / "1" / "abc"
    export = an_export(run / "export")
    (run / "checkpoints").mkdir()
    (run / "checkpoints" / "best-epoch=2.ckpt").write_bytes(b"")
    err = error_of(["forecast", "predict", "--ckpt_path", str(export / "model.safetensors")], capsys)
    assert f"is the weights file of an export folder, {export} " in err, err
    assert (
        f"ssm-ts forecast predict takes a checkpoint: its fit's {run / 'checkpoints' / 'best-epoch=2.ckpt'}"
        in err
    )
    assert f"ssm_ts.Forecaster.load({str(export)!r})" in err, err


def test_a_published_export_names_best_or_last_with_its_out(tmp_path, capsys):
    out = tmp_path / "out"
    export = an_export(out / "export")
    (out / "1" / "abc" / "checkpoints").mkdir(parents=True)
    (out / "1" / "abc" / "checkpoints" / "last.ckpt").write_bytes(b"")
    err = error_of(["forecast", "fit", "--ckpt_path", str(export / "model.safetensors")], capsys)
    assert f"--ckpt_path last --out {out} " in err, err


@pytest.mark.parametrize(
    ("use", "loader"), [("audio", "ssm_ts.WaveformGenerator.load"), ("forecast", "ssm_ts.Forecaster.load")]
)
def test_a_saved_model_s_folder_alone_names_its_python_load(use, loader, tmp_path, capsys):
    export = an_export(tmp_path / "saved")
    err = error_of([use, "test", "--ckpt_path", str(export)], capsys)
    assert f"--ckpt_path {export} is an export folder " in err, err
    assert " ".join(PASS_A_CHECKPOINT.split()) in err
    assert f"{loader}({str(export)!r})" in err, err
