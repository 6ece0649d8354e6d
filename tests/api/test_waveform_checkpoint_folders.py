"""WaveformGenerator's checkpoint folders without MLflow, as the Forecaster's:

- a user's ``ModelCheckpoint`` without ``dirpath`` writes into the fit folder's ``user_checkpoints/``:
  Lightning put its files in ssm-ts's ``checkpoints/``, where with ``save_last=True`` the user's file took
  the name ``last.ckpt`` (it runs first each epoch) and ssm-ts's became ``last-v1.ckpt``;
- a resumed fit writes into the folder of the checkpoint it continues: in a new ``fits/<name>/`` folder
  Lightning restored no best score, so the first epoch after the resume became the best checkpoint
  however it scored.

On real spoken digits (espeak-digits), the tiny preset.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from lightning.pytorch.callbacks import Callback, ModelCheckpoint

from ssm_ts import WaveformGenerator
from ssm_ts.training import ssm_ts_best_checkpoint
from tests.cli.fake_use import InterruptAtEpoch

pytestmark = pytest.mark.usefixtures("single_thread")

DATA = dict(clip_seconds=0.05, max_files_per_split=8)


class Checkpoints(Callback):
    """Per fit: ssm-ts's best score and folder when training starts (after a resume restored them), the
    checkpoint the fit resumed from, and its best checkpoint at the end."""

    seen: list[dict] = []

    def on_train_start(self, trainer, pl_module) -> None:
        own = ssm_ts_best_checkpoint(trainer)
        score = None if own.best_model_score is None else float(own.best_model_score)
        Checkpoints.seen.append({"score": score, "dirpath": own.dirpath, "resumed": trainer.ckpt_path})

    def on_fit_end(self, trainer, pl_module) -> None:
        Checkpoints.seen[-1]["best"] = ssm_ts_best_checkpoint(trainer).best_model_path


def generator(out_dir: Path, max_epochs: int, callbacks: list, lr: float = 4e-3) -> WaveformGenerator:
    options = {"callbacks": [*callbacks, Checkpoints()], "enable_progress_bar": False}
    return WaveformGenerator(preset="tiny", max_epochs=max_epochs, batch_size=8, lr=lr, log_to_mlflow=False,
                             out_dir=str(out_dir), trainer_options=options)  # fmt: skip


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.ckpt"))


def test_a_users_checkpoint_without_dirpath_keeps_out_of_ssm_ts_folder(shared_data, tmp_path):
    Checkpoints.seen = []
    audio = str(shared_data / "audio" / "espeak-digits")
    users = [ModelCheckpoint(save_last=True, monitor="val_loss"), ModelCheckpoint(save_last=True)]
    out = tmp_path / "fit"
    generator(out, 2, users).fit(audio, **DATA)
    (fit,) = (out / "fits").iterdir()
    ours = fit / "checkpoints"
    assert Path(Checkpoints.seen[0]["best"]).parent == ours
    assert names(ours) == [Path(Checkpoints.seen[0]["best"]).name, "last.ckpt"]  # was also last-v1.ckpt
    for folder in (fit / "user_checkpoints", fit / "user_checkpoints-2"):
        assert names(folder) == ["epoch=1-step=2.ckpt", "last.ckpt"]
    assert sorted(p.name for p in fit.iterdir() if p.is_dir()) == [
        "checkpoints", "user_checkpoints", "user_checkpoints-2"
    ]  # fmt: skip
    # ssm-ts's last.ckpt is its own: the last epoch, its callback's state naming it
    last = torch.load(ours / "last.ckpt", map_location="cpu", weights_only=False)
    assert last["epoch"] == 1
    (state,) = [v for v in last["callbacks"].values() if v.get("dirpath") == str(ours)]
    assert state["last_model_path"] == str(ours / "last.ckpt")

    # a resume continues ssm-ts's last.ckpt
    users = [ModelCheckpoint(save_last=True, monitor="val_loss"), ModelCheckpoint(save_last=True)]
    generator(out, 3, users).fit(audio, **DATA, resume=True)
    assert Checkpoints.seen[1]["resumed"] == str(ours / "last.ckpt")


def test_a_resumed_fit_keeps_the_best_epoch_before_the_crash(shared_data, tmp_path):
    # lr below float32's resolution of the weights: every epoch has epoch 0's validation loss, so
    # epoch 0 is the best of all (a later epoch is no improvement)
    Checkpoints.seen = []
    audio = str(shared_data / "audio" / "espeak-digits")
    out = tmp_path / "fit"
    with pytest.raises(KeyboardInterrupt):
        generator(out, 4, [InterruptAtEpoch(2)], lr=1e-30).fit(audio, **DATA)
    (crashed,) = (out / "fits").iterdir()
    assert names(crashed / "checkpoints") == ["best-epoch=0.ckpt", "last.ckpt"]
    epoch_0 = Checkpoints.seen[0]["score"]

    resumed = generator(out, 4, [], lr=1e-30).fit(audio, **DATA, resume=True)
    seen = Checkpoints.seen[1]
    assert seen["resumed"] == str(crashed / "checkpoints" / "last.ckpt")
    # the best score restored, in the same folder (was None, in a new fits/<name>/checkpoints)
    assert seen["score"] is not None and Path(seen["dirpath"]) == crashed / "checkpoints"
    assert seen["score"] == pytest.approx(resumed.metrics_["val_loss"], rel=1e-6)
    # epochs 2 and 3 were no better than epoch 0: it stays the best checkpoint (was best-epoch=2)
    assert seen["best"] == str(crashed / "checkpoints" / "best-epoch=0.ckpt")
    assert names(crashed / "checkpoints") == ["best-epoch=0.ckpt", "last.ckpt"]
    assert [p.name for p in (out / "fits").iterdir()] == [crashed.name]
    assert epoch_0 is None  # a fresh fit starts without a best score
