"""A fit resumed with more ``max_epochs`` (a setting that may change on resume) follows the cosine
learning-rate schedule of its new epoch count: the checkpoint's scheduler held the first fit's ``T_max``,
so the first added epoch trained at a learning rate of 0 and the next ones at a rising one (cosine past
its end: 0, 0.0025, 0.0075 of lr=0.01), where a fit of that many epochs decays (0.005, 0.0025, 0.00067).
ETTh1's OT; and the same for `ssm-ts classify fit` and `ssm-ts audio fit` resumed with --ckpt_path last."""

from __future__ import annotations

import math

import lightning.pytorch as pl
import pytest

from ssm_ts import Forecaster

LR = 1e-2
SEEN: dict[int, float] = {}  # epoch -> learning rate (module-wide: a fit copies its callbacks)


class RecordLearningRate(pl.Callback):
    def on_train_epoch_start(self, trainer, pl_module):
        SEEN[trainer.current_epoch] = trainer.optimizers[0].param_groups[0]["lr"]


def forecaster(out_dir, max_epochs: int) -> Forecaster:
    return Forecaster(model="nlinear", lookback=48, horizon=12, max_epochs=max_epochs, patience=None,
                      batch_size=64, seed=0, lr=LR, log_to_mlflow=False, out_dir=str(out_dir),
                      trainer_options={"enable_progress_bar": False, "callbacks": [RecordLearningRate()]})  # fmt: skip


def cosine(epoch: int, epochs: int) -> float:
    return LR * (1 + math.cos(math.pi * epoch / epochs)) / 2


def test_a_resume_with_more_epochs_follows_the_schedule_of_its_new_epoch_count(ett, single_thread, tmp_path):
    data = ett[["date", "OT"]]
    SEEN.clear()
    forecaster(tmp_path, 3).fit(data, target="OT", time_col="date")
    assert [SEEN[e] for e in range(3)] == pytest.approx([cosine(e, 3) for e in range(3)])
    SEEN.clear()
    resumed = forecaster(tmp_path, 6).fit(data, target="OT", time_col="date", resume=True)
    assert sorted(SEEN) == [3, 4, 5]
    assert [SEEN[e] for e in (3, 4, 5)] == pytest.approx([cosine(e, 6) for e in (3, 4, 5)])
    assert resumed.metrics_["val_loss"] > 0


class RecordLastGroupRate(pl.Callback):
    """The learning rate of the optimizer's last parameter group (the tasks' non-SSM weights, at ``lr``)."""

    def on_train_epoch_start(self, trainer, pl_module):
        SEEN[trainer.current_epoch] = trainer.optimizers[0].param_groups[-1]["lr"]


def cli_fit(args: list[str], max_epochs: int, *resume: str) -> None:
    from ssm_ts import cli

    record = f"--trainer.callbacks+={__name__}.RecordLastGroupRate"
    assert cli.main([*args, "--trainer.max_epochs", str(max_epochs), record, *resume]) == 0


@pytest.mark.parametrize("use", ["classify", "audio"])
def test_a_cli_resume_with_more_epochs_follows_the_schedule_of_its_new_epoch_count(
    use, shared_data, single_thread, tmp_path, monkeypatch
):
    """ssm-ts classify / audio fit for 3 epochs, resumed to 6 with --ckpt_path last: epochs 3-5 train at
    the rates of a 6-epoch cosine (were 0, then rising)."""
    monkeypatch.chdir(tmp_path)
    common = ["--model.lr", str(LR), "--seed_everything", "0", "--trainer.enable_progress_bar", "false",
              "--out", str(tmp_path / "out")]  # fmt: skip
    args = {
        "classify": ["classify", "fit", "--data.path", str(shared_data / "classification" / "GunPoint"),
                     "--model.model_options", "{d_model: 8, n_layers: 1, d_state: 8}", *common],
        "audio": ["audio", "fit", "--data.root", str(shared_data / "audio" / "espeak-digits"),
                  "--model.preset", "tiny", "--data.clip_seconds", "0.02", "--data.max_files_per_split", "4",
                  *common],
    }[use]  # fmt: skip
    SEEN.clear()
    cli_fit(args, 3)
    assert [SEEN[e] for e in range(3)] == pytest.approx([cosine(e, 3) for e in range(3)])
    SEEN.clear()
    cli_fit(args, 6, "--ckpt_path", "last")
    assert sorted(SEEN) == [3, 4, 5]
    assert [SEEN[e] for e in (3, 4, 5)] == pytest.approx([cosine(e, 6) for e in (3, 4, 5)])
