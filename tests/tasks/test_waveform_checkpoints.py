"""Loading a checkpoint of the wrong kind for audio generation names what it is, not a state_dict diff."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.errors import CheckpointError
from ssm_ts.tasks.waveform import WaveformTask, load_waveform_model


def test_a_forecasting_checkpoint_is_named_as_another_models(tmp_path):
    # before: "does not fit a WaveformTask: Error(s) in loading state_dict ... Missing key(s):
    # net.embedding.weight, ..." (hundreds of key names)
    path = tmp_path / "best-epoch=0.ckpt"
    hparams = {"model": "nlinear", "lookback": 48, "horizon": 12, "lr": 0.003}
    torch.save(
        {"hyper_parameters": hparams, "state_dict": {"net.linear.time.weight": torch.zeros(12, 48)}}, path
    )
    with pytest.raises(
        CheckpointError,
        match=r"best-epoch=0\.ckpt is not an audio model's checkpoint: 'ssm-ts forecast fit' wrote it \(its "
        r"settings are model, lookback, horizon, lr\)\. Read it with ssm-ts forecast predict --ckpt_path ",
    ):
        load_waveform_model(path)


def test_a_checkpoint_of_no_one_use_names_the_settings_it_lacks(tmp_path):
    path = tmp_path / "last.ckpt"  # settings every use takes: no use to name
    torch.save({"hyper_parameters": {"lr": 0.003, "weight_decay": 0.0}, "state_dict": {}}, path)
    with pytest.raises(
        CheckpointError,
        match=r"last\.ckpt is not an audio model's checkpoint: its settings are lr, weight_decay \(no "
        r"sample_rate or quantization\)\. Pass a checkpoint written by 'ssm-ts audio fit'",
    ):
        load_waveform_model(path)


def test_a_waveform_checkpoint_still_loads(tmp_path):
    task = WaveformTask(preset="tiny", sample_rate=8000)
    path = tmp_path / "last.ckpt"
    torch.save({"hyper_parameters": dict(task.hparams), "state_dict": task.state_dict()}, path)
    assert load_waveform_model(path).hparams.sample_rate == 8000
