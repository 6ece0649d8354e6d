"""A classification or audio fit interrupted (Ctrl-C) after its first epoch and resumed with
``--ckpt_path last`` ends with the weights of an uninterrupted fit: the training order
(``EpochSeededSampler``), audio's random crops and dropout (``TrainingRandomness``) depend on the seed
and the epoch alone, not on how far a generator had run. Before, a resumed fit replayed epoch 0's
shuffle (the sampler's generator was re-seeded at every fit), drew fresh crops and dropout masks, and
ended up to 5e-3 away from the uninterrupted fit's weights."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ssm_ts import cli

INTERRUPT = "--trainer.callbacks+=tests.cli.fake_use.InterruptAtEpoch"  # Ctrl-C as epoch 1 starts
# two epochs: the resume trains the second, whose order, crops and dropout a replay of epoch 0's would miss
# no MLflow run: the claim is the checkpoint's weights (logging the fitted model took about half of each fit)
COMMON = ["--trainer.max_epochs", "2", "--seed_everything", "0", "--trainer.enable_progress_bar", "false",
          "--trainer.logger", "false"]  # fmt: skip


def classify_args(shared_data: Path) -> list[str]:
    # the encoder's default dropout (0.1) stays on: its masks must be replayed too
    return ["classify", "fit", "--data.path", str(shared_data / "classification" / "BasicMotions"),
            "--model.model", "s4d1d", "--model.model_options", "{d_model: 8, n_layers: 1, d_state: 8}",
            "--data.batch_size", "8", *COMMON]  # fmt: skip


def audio_args(shared_data: Path) -> list[str]:
    # 0.05 s random windows of ~1 s files: every item is cropped; dropout 0.1 as well
    return ["audio", "fit", "--data.root", str(shared_data / "audio" / "espeak-digits"),
            "--model.preset", "tiny", "--model.dropout", "0.1", "--data.clip_seconds", "0.05",
            "--data.crop", "random", "--data.max_files_per_split", "8", "--data.batch_size", "4", *COMMON]  # fmt: skip


def last_state(out: Path) -> dict[str, torch.Tensor]:
    (ckpt,) = out.rglob("last.ckpt")
    state = torch.load(ckpt, map_location="cpu", weights_only=True)
    assert state["epoch"] == 1  # the last epoch
    return state["state_dict"]


@pytest.mark.parametrize("workers", [0, 1])
@pytest.mark.parametrize("use", ["classify", "audio"])
def test_a_fit_interrupted_after_epoch_1_and_resumed_ends_with_the_uninterrupted_weights(
    use, workers, shared_data, single_thread, tmp_path, monkeypatch
):
    """With loader workers too: Lightning makes the training iterator before its first ``set_epoch``
    and a worker iterator takes its indices at once, so the sampler must start at the resumed epoch
    (before, a resume with one worker trained its first epoch in epoch 0's order: 3e-3 and 1e-2 off)."""
    monkeypatch.chdir(tmp_path)
    args = [
        *{"classify": classify_args, "audio": audio_args}[use](shared_data),
        "--data.num_workers",
        str(workers),
    ]
    assert cli.main([*args, "--out", str(tmp_path / "whole")]) == 0
    assert cli.main([*args, "--out", str(tmp_path / "cut"), INTERRUPT]) == 130  # Ctrl-C
    assert cli.main([*args, "--out", str(tmp_path / "cut"), "--ckpt_path", "last"]) == 0
    whole, resumed = last_state(tmp_path / "whole"), last_state(tmp_path / "cut")
    assert whole.keys() == resumed.keys()
    moved = [name for name, value in whole.items() if value.is_floating_point() and value.abs().sum() > 0]
    assert moved, "nothing trained"
    for name, value in whole.items():
        assert torch.allclose(resumed[name], value, atol=1e-6, rtol=0), name
