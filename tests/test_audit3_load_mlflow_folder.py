"""``Forecaster.load`` of a downloaded MLflow model's folder (``MLmodel`` beside ``artifacts/export``),
the folder it was downloaded into, or a fit's ``out_dir`` (``export`` inside) loads the export inside
it, with its calibration scores; it said "config.json is missing; save the model again". Every loader
of ssm_ts.export.load_export does. An MLflow model without an export says what it is."""

from __future__ import annotations

import shutil
from pathlib import Path

import mlflow
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import CheckpointError
from ssm_ts.tasks.waveform import WaveformTask
from ssm_ts.tasks.waveform_export import load_waveform_export, save_waveform_export
from ssm_ts.tracking.logger import default_tracking_uri


def test_forecaster_loads_a_downloaded_logged_model_and_its_out_dir(co2_interpolated_fit, tmp_path):
    data = pd.read_csv(co2_interpolated_fit[1], parse_dates=["date"]).iloc[:600]
    fc = Forecaster(model="nlinear", lookback=52, horizon=13, max_epochs=1, out_dir=str(tmp_path / "out"),
                    trainer_options={"enable_progress_bar": False, "enable_model_summary": False})  # fmt: skip
    fc.fit(data, time_col="date", fill="interpolate")
    mlflow.set_tracking_uri(default_tracking_uri())
    folder = mlflow.artifacts.download_artifacts(f"runs:/{fc.run_id_}/model", dst_path=str(tmp_path / "dl"))
    assert (Path(folder) / "MLmodel").is_file() and Path(folder).parent == tmp_path / "dl"  # what a user gets
    for given in (folder, tmp_path / "dl", tmp_path / "out"):  # the model, the download, the fit's out_dir
        loaded = Forecaster.load(given)
        pd.testing.assert_frame_equal(loaded.predict(level=80), fc.predict(level=80))  # scores came too


def test_every_export_loader_reads_a_logged_model_folder(tmp_path):
    from ssm_ts.export import export_folder

    model = tmp_path / "model"
    save_waveform_export(WaveformTask(preset="tiny"), model / "artifacts" / "export")
    (model / "MLmodel").write_text("flavors: {}\n")
    assert export_folder(model) == export_folder(tmp_path) == model / "artifacts" / "export"
    assert load_waveform_export(model).hparams.preset == "tiny"  # through ssm_ts.export.load_export


def test_an_mlflow_model_without_an_export_says_so(tmp_path):
    (tmp_path / "MLmodel").write_text("flavors: {}\n")
    with pytest.raises(
        CheckpointError, match=r"is an MLflow model \(it holds MLmodel\) without an ssm-ts export"
    ):
        Forecaster.load(tmp_path)
    shutil.rmtree(tmp_path)
    tmp_path.mkdir()
    with pytest.raises(CheckpointError, match="config.json is missing"):  # a plain folder: as before
        Forecaster.load(tmp_path)
    for name in ("a", "b"):  # two models downloaded into one folder: which one is the user's to say
        save_waveform_export(WaveformTask(preset="tiny"), tmp_path / name / "artifacts" / "export")
    with pytest.raises(CheckpointError, match=r"holds no export itself but 2 inside: .*a/artifacts/export, "):
        Forecaster.load(tmp_path)
