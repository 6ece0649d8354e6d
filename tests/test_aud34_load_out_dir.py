"""``WaveformGenerator.load`` takes the folder a fit wrote (``out_dir``, the CLI's ``--out``) as
``Forecaster.load`` does: the model its ``export/`` holds (the fit that finished last). It refused it,
naming ``WaveformGenerator.load('<out>/export')``. A downloaded MLflow model loads the same way."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from ssm_ts import WaveformGenerator
from ssm_ts.errors import CheckpointError
from ssm_ts.tasks.waveform import WaveformTask
from ssm_ts.tasks.waveform_export import save_waveform_export

pytestmark = pytest.mark.usefixtures("single_thread")


def test_a_fits_out_dir_loads_the_model_its_export_holds(tmp_path):
    out = tmp_path / "runs" / "digits"
    # a run's own export (an older fit at 16 kHz) and the shared export/ of the fit that finished last
    save_waveform_export(WaveformTask(preset="tiny", sample_rate=16000), out / "1" / "run0" / "export")
    save_waveform_export(
        WaveformTask(preset="tiny", sample_rate=8000), out / "export", {"metrics": {"val_nll_bits": 5.5}}
    )
    gen = WaveformGenerator.load(out)
    assert gen.sample_rate == 8000
    assert gen.metrics_ == {"val_nll_bits": 5.5}
    assert gen.generate(1, seconds=0.001, seed=0).shape == (1, 8)


def test_a_downloaded_mlflow_model_loads(tmp_path):
    model = tmp_path / "model"
    save_waveform_export(WaveformTask(preset="tiny", sample_rate=8000), model / "artifacts" / "export")
    assert WaveformGenerator.load(str(model)).sample_rate == 8000


def test_a_folder_of_two_exports_names_both(tmp_path):
    for name in ("export", "artifacts/export"):
        save_waveform_export(WaveformTask(preset="tiny"), tmp_path / name)
    with pytest.raises(CheckpointError, match="holds no export itself but 2 inside"):
        WaveformGenerator.load(tmp_path)


def test_an_out_dir_without_export_still_names_its_checkpoint(tmp_path):
    # a fit without MLflow publishes no export/: the error names the checkpoint to load, as before
    checkpoints = tmp_path / "fits" / "20260101-000000-1-0" / "checkpoints"
    checkpoints.mkdir(parents=True)
    (checkpoints / "last.ckpt").write_bytes(b"")
    with pytest.raises(CheckpointError, match=r"is a fit's output folder, not a saved model") as err:
        WaveformGenerator.load(tmp_path)
    assert str(Path(checkpoints / "last.ckpt")) in str(err.value)


def test_the_export_a_fit_publishes_keeps_its_scores_and_settings(tmp_path, monkeypatch):
    """As ``save`` does (it held the model alone: a generator loaded from ``out_dir`` had no scores and
    the default ``max_epochs``). The fit's logging is stood in for: the export is written as it writes it."""
    monkeypatch.setattr("ssm_ts.tracking.logger.log_dict_artifact", lambda *args, **kwargs: None)
    monkeypatch.setattr(
        "ssm_ts.tracking.run_folder.log_model_and_publish",
        lambda logger, out_dir, write_model, **kwargs: write_model(Path(out_dir) / "export"),
    )
    gen = WaveformGenerator("tiny", max_epochs=3, batch_size=2)
    gen.task_ = WaveformTask(preset="tiny", sample_rate=8000)
    gen.metrics_ = {"val_nll_bits": 6.5, "test_nll_bits": 6.6}
    gen._log_fit(SimpleNamespace(run_id="run0"), gen.task_, SimpleNamespace(hparams={}), tmp_path, best="")
    loaded = WaveformGenerator.load(tmp_path)
    assert loaded.metrics_ == gen.metrics_
    assert (loaded.settings["max_epochs"], loaded.settings["batch_size"]) == (3, 2)
