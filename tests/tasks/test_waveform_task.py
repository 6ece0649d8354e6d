"""WaveformTask: masked NLL, learning on real speech, MLflow samples, checkpoints that rebuild the model."""

from __future__ import annotations

import math

import mlflow
import pytest
import torch

from ssm_ts.pipelines.audio import AudioDataModule
from ssm_ts.tasks.waveform import WaveformTask, load_waveform_model
from ssm_ts.tracking.logger import make_mlflow_logger
from ssm_ts.training import build_trainer

pytestmark = pytest.mark.usefixtures("single_thread")


def _digits(shared_data, **options) -> AudioDataModule:
    settings = {"clip_seconds": 0.05, "max_files_per_split": 8, "batch_size": 8, **options}
    return AudioDataModule(str(shared_data / "audio" / "espeak-digits"), **settings)


def test_padding_is_masked_out_of_the_nll():
    task = WaveformTask(preset="tiny").eval()
    codes = torch.randint(0, 256, (2, 64))
    with torch.no_grad():
        nll, mask = task.sample_nll(codes, torch.tensor([64, 20]))
        other = codes.clone()
        other[1, 20:] = 3
        nll2, _ = task.sample_nll(other, torch.tensor([64, 20]))
    assert mask[1, :20].all() and not mask[1, 20:].any()
    torch.testing.assert_close((nll * mask)[1], (nll2 * mask)[1])  # padding cannot influence the loss


def test_training_lowers_the_nll_on_real_speech(shared_data):
    torch.manual_seed(0)
    dm = _digits(shared_data)
    dm.setup()
    batch = next(iter(dm.train_dataloader()))
    task = WaveformTask(preset="tiny", d_model=16, lr=1e-2)
    opt = torch.optim.AdamW(task.parameters(), lr=1e-2)
    losses = []
    for _ in range(40):
        nll, mask = task.sample_nll(*batch)
        loss = (nll * mask).sum() / mask.sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[0] > math.log(256) - 0.5  # starts near uniform over 256 codes
    assert losses[-1] < losses[0] - 1.5  # and learns the mu-law amplitude distribution and more


def test_fit_logs_nll_bits_and_samples_and_checkpoint_rebuilds(shared_data, tmp_path):
    dm = _digits(shared_data)
    task = WaveformTask(preset="tiny", sample_every_n_epochs=1, n_samples=2, sample_seconds=0.01)
    logger = make_mlflow_logger("audio-test")
    trainer = build_trainer(max_epochs=1, out_dir=tmp_path, logger=logger)
    trainer.fit(task, datamodule=dm)
    metrics = trainer.callback_metrics
    assert 0 < float(metrics["val_nll_bits"]) < 9
    torch.testing.assert_close(
        metrics["val_nll_bits"], metrics["val_loss"] / math.log(2), rtol=1e-4, atol=1e-4
    )
    client = mlflow.MlflowClient()
    files = [f.path for f in client.list_artifacts(logger.run_id, "samples/epoch_001")]
    assert any(p.endswith(".wav") for p in files) and any(p.endswith("spectrograms.png") for p in files)
    restored = load_waveform_model(trainer.checkpoint_callback.last_model_path)
    test_fresh = trainer.test(task, datamodule=dm, verbose=False)[0]["test_nll_bits"]
    test_restored = trainer.test(restored, datamodule=dm, verbose=False)[0]["test_nll_bits"]
    assert abs(test_fresh - test_restored) < 1e-5
    assert restored.hparams.sample_rate == 16000 and restored.quantizer.method == "mu-law"


def test_exports_drop_and_tolerate_lightning_cli_keys(tmp_path):
    # LightningCLI adds ``_instantiator`` to the hyperparameters; it is no WaveformTask argument
    import json

    from ssm_ts.export import save_export
    from ssm_ts.tasks.waveform import EXPORT_KIND, load_waveform_export, save_waveform_export

    task = WaveformTask(preset="tiny").eval()
    task.hparams["_instantiator"] = "lightning.pytorch.cli.instantiate_module"
    save_waveform_export(task, tmp_path / "new")
    assert not [k for k in json.loads((tmp_path / "new" / "config.json").read_text())["task"] if k[0] == "_"]
    older = {"kind": EXPORT_KIND, "task": dict(task.hparams)}  # as written before the filter
    save_export(tmp_path / "old", older, task.net.state_dict())
    for folder in ("new", "old"):
        loaded = load_waveform_export(tmp_path / folder)
        for name, value in loaded.net.state_dict().items():
            torch.testing.assert_close(value, task.net.state_dict()[name])
