"""``fit(..., resume=True)`` of a checkpoint made before a setting existed (a newer ssm-ts added it):
the checkpoint trained with that setting's default, so the default resumes, and another value is a
ConfigError naming the setting, before the checkpoint or the MLflow run is touched. Such a setting was
not compared at all (only those in both the checkpoint and now were): ``ema_decay=0.99`` or
``fill="ffill"`` on resume was silently taken, the run and the next checkpoint recording a training the
checkpoint never had. The CLI does the same since ``fit --ckpt_path`` compares new settings with their
defaults. The old checkpoint is made from a fit of this version: the settings' values deleted from the
checkpoint (the front end's, the data module's, the task's) and their params from the run's store."""

from __future__ import annotations

import shutil
import sqlite3

import mlflow
import pytest
import torch

from ssm_ts import Forecaster, WaveformGenerator
from ssm_ts.errors import ConfigError
from ssm_ts.tracking.resume_settings import SETTINGS_KEY
from ssm_ts.training import find_newest_checkpoint
from tests.api.test_resume_same_values import FAST

pytestmark = pytest.mark.usefixtures("single_thread")

NEW = "made before this setting existed; it trained with the default"


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """MLflow's store (./mlflow.db, ./mlruns) and outputs in the test's folder, not the working tree."""
    monkeypatch.chdir(tmp_path)


def _as_made_before(out_dir, removed: dict[str, list[str]], params: list[str]) -> tuple[str, bytes]:
    """Delete ``removed`` (``{checkpoint section: [setting, ...]}``) from the newest last.ckpt under
    ``out_dir`` and ``params`` from its MLflow run, as a version without those settings left them.
    Returns the run's id and the checkpoint's bytes."""
    ckpt = find_newest_checkpoint(out_dir)
    checkpoint = torch.load(ckpt, map_location="cpu", weights_only=False)
    for section, names in removed.items():
        for name in names:
            del checkpoint[section][name]
    torch.save(checkpoint, ckpt)
    run_id = checkpoint["ssm_ts_mlflow_run"]["run_id"]
    with sqlite3.connect("mlflow.db") as db:
        deleted = db.execute(
            f"DELETE FROM params WHERE run_uuid = ? AND key IN ({', '.join('?' * len(params))})",
            [run_id, *params],
        ).rowcount
    assert deleted == len(params)
    return run_id, ckpt.read_bytes()


def _run(run_id: str) -> mlflow.entities.Run:
    return mlflow.MlflowClient().get_run(run_id)


def test_a_forecaster_checkpoint_older_than_a_setting_resumes_at_its_default_only(shared_data, tmp_path):
    csv = shared_data / "forecasting" / "ETTh1.csv"
    settings = dict(
        model="nlinear", lookback=24, horizon=8, out_dir=str(tmp_path / "run"), trainer_options=FAST
    )
    first = Forecaster(**settings, max_epochs=1).fit(csv, target="OT")
    first_steps = torch.load(find_newest_checkpoint(tmp_path / "run"), weights_only=False)["global_step"]
    # a front-end setting, a data module setting, and a task setting the Forecaster leaves at its default
    run_id, before = _as_made_before(
        tmp_path / "run",
        {
            SETTINGS_KEY: ["ema_decay"],
            "datamodule_hyper_parameters": ["fill"],
            "hyper_parameters": ["lr_schedule"],
        },
        ["forecaster.ema_decay", "data.fill"],  # the task's lr_schedule: no param of a Forecaster's run
    )
    assert run_id == first.run_id_
    params = _run(run_id).data.params

    with pytest.raises(ConfigError) as err:
        Forecaster(**settings, max_epochs=2, ema_decay=0.99).fit(csv, target="OT", resume=True)
    message = str(err.value)
    assert f"ema_decay: not in the checkpoint ({NEW} None), 0.99 now" in message, message
    assert "fit from scratch with another out_dir" in message and "lr_schedule" not in message
    with pytest.raises(ConfigError, match=rf"fill: not in the checkpoint \({NEW} None\), 'ffill' now"):
        Forecaster(**settings, max_epochs=2).fit(csv, target="OT", fill="ffill", resume=True)
    # both named at once; nothing trained or logged
    with pytest.raises(
        ConfigError, match=r"ema_decay: not in the checkpoint .*; fill: not in the checkpoint"
    ):
        Forecaster(**settings, max_epochs=2, ema_decay=0.9).fit(csv, target="OT", fill="ffill", resume=True)
    assert find_newest_checkpoint(tmp_path / "run").read_bytes() == before
    run = _run(run_id)
    assert run.data.params == params and run.info.status == "FINISHED"

    # at their defaults (given or left out) they train as the checkpoint did: it resumes, in the same run
    resumed = Forecaster(**settings, max_epochs=2, ema_decay=None).fit(csv, target="OT", resume=True)
    checkpoint = torch.load(find_newest_checkpoint(tmp_path / "run"), weights_only=False)
    assert checkpoint["global_step"] == 2 * first_steps
    assert resumed.run_id_ == run_id and _run(run_id).info.status == "FINISHED"
    assert (
        checkpoint[SETTINGS_KEY]["ema_decay"] is None
        and checkpoint["datamodule_hyper_parameters"]["fill"] is None
    )


def test_a_waveform_checkpoint_older_than_a_setting_resumes_at_its_default_only(shared_data, tmp_path):
    folder = tmp_path / "wavs"
    folder.mkdir()
    for path in sorted((shared_data / "audio" / "espeak-digits" / "two").glob("*.wav"))[:8]:
        shutil.copy(path, folder / path.name)
    settings = dict(preset="tiny", batch_size=4, out_dir=str(tmp_path / "run"),
                    trainer_options={"enable_progress_bar": False})  # fmt: skip
    WaveformGenerator(**settings, max_epochs=1).fit(str(folder), clip_seconds=0.02)
    # bits (a fit setting of the data module and the task) and weight_decay (the generator's and the task's)
    run_id, before = _as_made_before(
        tmp_path / "run",
        {"hyper_parameters": ["bits", "weight_decay"], "datamodule_hyper_parameters": ["bits"],
         SETTINGS_KEY: ["weight_decay"]},
        ["data.bits", "generator.weight_decay"],  # each logged once: the task's copies are not
    )  # fmt: skip
    params = _run(run_id).data.params

    with pytest.raises(ConfigError) as err:
        WaveformGenerator(**settings, max_epochs=2, weight_decay=0.1).fit(
            str(folder), clip_seconds=0.02, bits=6, resume=True
        )
    message = str(err.value)
    assert f"weight_decay: not in the checkpoint ({NEW} 0.0), 0.1 now" in message, message
    assert f"bits: not in the checkpoint ({NEW} 8), 6 now" in message and message.count("bits:") == 1, message
    assert find_newest_checkpoint(tmp_path / "run").read_bytes() == before
    run = _run(run_id)
    assert run.data.params == params and run.info.status == "FINISHED"

    resumed = WaveformGenerator(**settings, max_epochs=2).fit(str(folder), clip_seconds=0.02, resume=True)
    assert resumed.run_id_ == run_id and _run(run_id).info.status == "FINISHED"
    # the epoch the resume trained (the second of max_epochs 2), whether or not its val_loss was better
    assert torch.load(find_newest_checkpoint(tmp_path / "run"), weights_only=False)["epoch"] == 1
