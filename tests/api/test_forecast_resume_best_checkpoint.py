"""A fit without MLflow that crashed and is resumed keeps the best validation loss of the epochs before
the crash: its fitted model is the best of all epochs, not of the resumed ones only.

The resumed fit wrote into a new ``fits/<name>/`` folder; Lightning restores a ``ModelCheckpoint``'s
best score only when its folder is the same, so the first epoch after the resume became the "best"
however it scored. On real ETTh1 rows, a tiny nlinear model whose learning rate is below float32's
resolution of its weights: every epoch has epoch 0's validation loss, so epoch 0 is the best."""

from __future__ import annotations

from pathlib import Path

import pytest
from lightning.pytorch.callbacks import Callback

from ssm_ts import Forecaster
from ssm_ts.training import ssm_ts_best_checkpoint
from tests.cli.fake_use import InterruptAtEpoch

pytestmark = pytest.mark.usefixtures("single_thread")


class BestAtStart(Callback):
    """The best score and folder of ssm-ts's checkpoint callback when training starts (after a resume
    restored it)."""

    seen: list[tuple[float | None, str]] = []

    def on_train_start(self, trainer, pl_module) -> None:
        best = ssm_ts_best_checkpoint(trainer)
        score = None if best.best_model_score is None else float(best.best_model_score)
        BestAtStart.seen.append((score, best.dirpath))


def forecaster(tmp_path, max_epochs: int, callbacks: list) -> Forecaster:
    options = {"limit_train_batches": 3, "limit_val_batches": 3, "enable_progress_bar": False,
               "callbacks": [*callbacks, BestAtStart()]}  # fmt: skip
    return Forecaster(model="nlinear", lookback=48, horizon=12, max_epochs=max_epochs, lr=1e-30,
                      patience=None, log_to_mlflow=False, out_dir=str(tmp_path / "fit"),
                      trainer_options=options)  # fmt: skip


def test_a_resumed_fit_keeps_the_best_epoch_before_the_crash(ett, tmp_path):
    BestAtStart.seen = []
    with pytest.raises(KeyboardInterrupt):
        forecaster(tmp_path, 4, [InterruptAtEpoch(2)]).fit(ett, target="OT", time_col="date")
    (crashed,) = (tmp_path / "fit" / "fits").iterdir()
    assert sorted(p.name for p in (crashed / "checkpoints").iterdir()) == ["best-epoch=0.ckpt", "last.ckpt"]

    resumed = forecaster(tmp_path, 4, []).fit(ett, target="OT", time_col="date", resume=True)
    (score, folder) = BestAtStart.seen[1]
    assert score == pytest.approx(resumed.metrics_["val_loss"], rel=1e-6)  # was None
    assert Path(folder) == crashed / "checkpoints"
    # epochs 2 and 3 were no better than epoch 0: it stays the fitted model (was best-epoch=2)
    assert resumed.best_checkpoint_ == str(crashed / "checkpoints" / "best-epoch=0.ckpt")
    assert sorted(p.name for p in (crashed / "checkpoints").iterdir()) == ["best-epoch=0.ckpt", "last.ckpt"]
    assert [p.name for p in (tmp_path / "fit" / "fits").iterdir()] == [crashed.name]
