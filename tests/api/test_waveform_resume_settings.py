"""``WaveformGenerator.fit(..., resume=True)`` on an audio folder that moved (the same files) with a
changed runtime setting (``sample_every_n_epochs``) continues the same MLflow run, the new values as
``resumed.<n>.*`` tags; a folder whose files differ from the ones trained on is refused naming both."""

from __future__ import annotations

import shutil

import mlflow
import pytest

from ssm_ts import WaveformGenerator
from ssm_ts.errors import ConfigError

pytestmark = pytest.mark.usefixtures("single_thread")


def test_resume_on_a_moved_folder_with_a_changed_runtime_setting(shared_data, tmp_path):
    wavs = sorted((shared_data / "audio" / "espeak-digits" / "two").glob("*.wav"))
    folder = tmp_path / "mine"
    folder.mkdir()
    for path in wavs[:8]:
        shutil.copy(path, folder / path.name)
    settings = dict(preset="tiny", batch_size=4, out_dir=str(tmp_path / "run"),
                    trainer_options={"enable_progress_bar": False})  # fmt: skip
    WaveformGenerator(**settings, max_epochs=1).fit(str(folder), clip_seconds=0.02)
    moved = tmp_path / "elsewhere" / "mine"
    moved.parent.mkdir()
    folder.rename(moved)

    # refused before: "parameters differ (data.root: .../mine in the run, .../elsewhere/mine now ...)"
    resumed = WaveformGenerator(**settings, max_epochs=2, sample_every_n_epochs=5)
    resumed.fit(str(moved), clip_seconds=0.02, resume=True)
    client = mlflow.MlflowClient()
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-audio").experiment_id])
    assert resumed.run_id_ == run.info.run_id and run.info.status == "FINISHED"
    assert len(client.get_metric_history(run.info.run_id, "val_nll_bits")) == 2  # epoch 0, then epoch 1
    params = run.data.params
    assert params["data.root"] == str(folder) and params["generator.sample_every_n_epochs"] == "0"
    # each setting once: the task's and the data module's copies of the generator's settings were logged too
    assert not {"model.sample_every_n_epochs", "model.lr", "data.batch_size", "data.seed"} & set(params)
    assert run.data.tags["resumed.1.data.root"] == str(moved)
    assert run.data.tags["resumed.1.generator.sample_every_n_epochs"] == "5"

    shutil.copy(wavs[8], moved / wavs[0].name)  # another recording under a trained-on file's name
    with pytest.raises(ConfigError, match=r"data.root: .* \(.*mine was changed since the fit read it") as err:
        WaveformGenerator(**settings, max_epochs=3).fit(str(moved), clip_seconds=0.02, resume=True)
    assert "fit from scratch with another out_dir" in str(err.value)
    other = tmp_path / "other"
    shutil.copytree(moved, other)
    with pytest.raises(ConfigError, match=r"other differs in content from .*elsewhere/mine, which the fit"):
        WaveformGenerator(**settings, max_epochs=3).fit(str(other), clip_seconds=0.02, resume=True)
