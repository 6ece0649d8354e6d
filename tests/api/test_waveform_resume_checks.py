"""``WaveformGenerator.fit(..., resume=True)`` checks its settings against the checkpoint before any
training, with or without MLflow (as ``Forecaster`` does, :class:`~ssm_ts.api.resumable.ResumableFit`):
another ``lr``, model size, ``clip_seconds`` or ``batch_size`` is a ConfigError naming it (without
MLflow it resumed silently, or failed with a state-dict traceback for another model size); free
settings (``max_epochs``, ``sample_every_n_epochs``, ...) resume, as ``resumed.<n>.generator.*`` tags
when logging."""

from __future__ import annotations

import mlflow
import pytest

from ssm_ts import WaveformGenerator
from ssm_ts.errors import ConfigError
from ssm_ts.export import load_checkpoint
from ssm_ts.training import find_newest_checkpoint

pytestmark = pytest.mark.usefixtures("single_thread")

DATA = dict(clip_seconds=0.02, max_files_per_split=8)


def _settings(tmp_path, log_to_mlflow: bool) -> dict:
    return dict(preset="tiny", batch_size=4, max_epochs=1, out_dir=str(tmp_path / "run"),
                log_to_mlflow=log_to_mlflow, trainer_options={"enable_progress_bar": False})  # fmt: skip


def _steps_done(tmp_path) -> int:
    return load_checkpoint(find_newest_checkpoint(tmp_path / "run"))["global_step"]


CHANGES = [  # (generator settings, fit arguments, what the error names)
    ({"lr": 1e-3}, {}, r"lr: 0\.004 in the checkpoint, 0\.001 now"),
    (
        {"model_options": {"d_model": 32}},
        {},
        r"model_options: None in the checkpoint, \{'d_model': 32\} now; d_model: None in the checkpoint, 32 now",
    ),
    ({"batch_size": 2}, {}, r"batch_size: 4 in the checkpoint, 2 now"),
    ({}, {"clip_seconds": 0.03}, r"clip_seconds: 0\.02 in the checkpoint, 0\.03 now"),
]


@pytest.mark.parametrize("log_to_mlflow", [False, True], ids=["no-mlflow", "mlflow"])
def test_changed_settings_are_refused_before_training_and_free_ones_resume(
    shared_data, tmp_path, monkeypatch, log_to_mlflow
):
    monkeypatch.chdir(tmp_path)  # MLflow's artifacts in the test's folder
    folder = str(shared_data / "audio" / "espeak-digits")
    settings = _settings(tmp_path, log_to_mlflow)
    WaveformGenerator(**settings).fit(folder, **DATA)
    steps = _steps_done(tmp_path)
    for changed, fit_changed, named in CHANGES:
        # without MLflow these resumed silently (another model size: a torch state-dict traceback)
        with pytest.raises(ConfigError, match=rf"trained with other settings: {named}") as err:
            WaveformGenerator(**{**settings, **changed}).fit(folder, **{**DATA, **fit_changed}, resume=True)
        assert "max_epochs" in str(err.value) and "sample_every_n_epochs" in str(err.value)  # the free ones
        assert _steps_done(tmp_path) == steps  # refused before any training

    resumed = WaveformGenerator(**{**settings, "max_epochs": 2, "sample_every_n_epochs": 5})
    resumed.fit(folder, **DATA, resume=True)
    assert _steps_done(tmp_path) == 2 * steps  # the second epoch trained
    if log_to_mlflow:
        client = mlflow.MlflowClient()
        (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-audio").experiment_id])
        assert resumed.run_id_ == run.info.run_id and run.info.status == "FINISHED"
        assert run.data.params["generator.max_epochs"] == "1" and run.data.params["generator.lr"] == "0.004"
        assert run.data.tags["resumed.1.generator.max_epochs"] == "2"
        assert run.data.tags["resumed.1.generator.sample_every_n_epochs"] == "5"
