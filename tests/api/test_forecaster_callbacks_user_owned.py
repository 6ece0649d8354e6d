"""Callbacks in ``trainer_options`` that ssm-ts also adds one of its own of: a progress bar (Lightning
refused the user's with ``enable_progress_bar=False`` off a terminal, or as a second bar on one), an
``EarlyStopping`` (two on ``val_loss`` were refused: "state_key must be unique") and a
``ModelCheckpoint`` on ssm-ts's best-checkpoint metric (refused the same way); and a user's callback
class defined in the script that fitted (``__main__.Mine``), which a loaded model's refit in another
process cannot import. On real ETTh1 rows, a tiny nlinear model, one epoch."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest
import torch
from lightning.pytorch.callbacks import (
    Callback,
    EarlyStopping,
    ModelCheckpoint,
    ProgressBar,
    RichProgressBar,
    TQDMProgressBar,
)

from ssm_ts import Forecaster

pytestmark = pytest.mark.usefixtures("single_thread")


class Seen(Callback):
    """Records, when training starts (after a resume restored the callbacks' states), the fit's callbacks
    and a copy of their attributes then (training changes them later)."""

    fits: list[list[tuple[Callback, dict]]] = []

    def on_train_start(self, trainer, pl_module) -> None:
        Seen.fits.append([(c, dict(vars(c))) for c in trainer.callbacks])


def seen(fit: int, kind: type | str) -> list[dict]:
    """The attributes, at the start of training, of fit ``fit``'s callbacks of class ``kind`` (a class:
    and its subclasses; a name: that class only)."""
    return [
        state
        for c, state in Seen.fits[fit]
        if (type(c).__name__ == kind if isinstance(kind, str) else isinstance(c, kind))
    ]


@pytest.fixture(autouse=True)
def _no_seen_fits():
    Seen.fits = []


def forecaster(tmp_path, callbacks: list, **changed) -> Forecaster:
    options = {"limit_train_batches": 3, "limit_val_batches": 3, "callbacks": [*callbacks, Seen()]}
    given = dict(model="nlinear", lookback=48, horizon=12, max_epochs=1, log_to_mlflow=False,
                 out_dir=str(tmp_path / "fit"), trainer_options=options)  # fmt: skip
    return Forecaster(**{**given, **changed})


@pytest.mark.parametrize("bar", [TQDMProgressBar(refresh_rate=5), RichProgressBar()], ids=type)
def test_a_progress_bar_callback_is_the_fits_bar(ett, tmp_path, bar):
    forecaster(tmp_path, [bar]).fit(ett, target="OT", time_col="date")
    bars = [c for c, _ in Seen.fits[0] if isinstance(c, ProgressBar)]
    assert [type(b) for b in bars] == [type(bar)]


def test_an_early_stopping_callback_replaces_the_forecasters_own(ett, tmp_path):
    # the README's example, with the Forecaster's default patience=5
    es = {
        "class_path": "lightning.pytorch.callbacks.EarlyStopping",
        "init_args": {"monitor": "val_loss", "patience": 2},
    }
    fc = forecaster(tmp_path, [es]).fit(ett, target="OT", time_col="date")
    assert [(s["monitor"], s["patience"]) for s in seen(0, EarlyStopping)] == [("val_loss", 2)]
    assert fc.settings["patience"] == 5 and fc.metrics_["val_loss"] > 0


def test_a_checkpoint_on_val_loss_trains_beside_the_best_checkpoint_and_resumes(ett, tmp_path):
    mine = tmp_path / "mine"

    def callbacks():
        return [ModelCheckpoint(dirpath=mine, monitor="val_loss"), EarlyStopping("val_loss", patience=3)]

    first = forecaster(tmp_path, callbacks()).fit(ett, target="OT", time_col="date")
    assert "best-epoch=0" in first.best_checkpoint_  # ssm-ts's own best checkpoint: the fitted model
    (user_first,) = [c for c, _ in Seen.fits[0] if type(c).__name__ == "ModelCheckpoint"]
    assert user_first.best_model_path.startswith(str(mine)) and len(list(mine.glob("*.ckpt"))) == 1

    resumed = forecaster(tmp_path, callbacks(), max_epochs=2).fit(
        ett, target="OT", time_col="date", resume=True
    )
    # the fit's last.ckpt holds each checkpoint callback's state under its own key
    states = torch.load(Path(first.best_checkpoint_).with_name("last.ckpt"), weights_only=False)["callbacks"]
    assert sorted(
        str(v.get("dirpath")) for k, v in states.items() if k.startswith("ModelCheckpoint")
    ) == sorted([str(mine), str(Path(first.best_checkpoint_).parent)])
    (user,), (ours,) = seen(1, "ModelCheckpoint"), seen(1, "BestAndLastCheckpoint")
    # each got its own state back, of the epoch in last.ckpt (the user's was one epoch behind: none)
    assert ours["best_model_path"] == first.best_checkpoint_
    assert user["best_model_path"] == user_first.best_model_path
    (stopper,) = seen(1, EarlyStopping)
    assert stopper["patience"] == 3
    assert float(stopper["best_score"]) == pytest.approx(first.metrics_["val_loss"], rel=1e-4)
    assert resumed.best_checkpoint_ and "best-epoch=" in resumed.best_checkpoint_


class Mine(Callback):
    """A user's callback as a script defines it (``__main__.Mine`` once the test puts it there)."""

    epochs: list[int] = []

    def __init__(self, a: int, b: int = 2):
        self.a, self.b = a, b

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        Mine.epochs.append(self.a)


def test_a_scripts_callback_is_left_out_of_a_refit_in_another_process(ett, tmp_path, monkeypatch):
    main = sys.modules["__main__"]
    monkeypatch.setattr(Mine, "__module__", "__main__")
    monkeypatch.setattr(main, "Mine", Mine, raising=False)
    Mine.epochs = []
    fc = forecaster(tmp_path, [Mine(7)]).fit(ett, target="OT", time_col="date")
    saved = fc.save(tmp_path / "model")
    described = fc._json_settings()["trainer_options"]["callbacks"]
    assert {"class_path": "__main__.Mine", "init_args": {"a": 7}} in described
    # in the same script the loaded model refits with it
    Forecaster.load(saved).backtest(ett, n_windows=1, refit=True)
    assert Mine.epochs == [7, 7]

    monkeypatch.delattr(main, "Mine")  # another process: its __main__ has no Mine
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        backtest = Forecaster.load(saved).backtest(ett, n_windows=1, refit=True)
    assert len(backtest) > 0 and Mine.epochs == [7, 7]
    said = [str(w.message) for w in caught if "__main__.Mine" in str(w.message)]
    assert said and "runs without it" in said[0] and "importable module" in said[0]


def test_a_checkpoint_beside_the_best_one_pickles_with_its_own_state_key():
    """``ddp_spawn`` sends the callbacks to its started processes by pickle: a user's ``ModelCheckpoint``
    on ssm-ts's best metric (its class made in a function, for a state key of its own) was refused
    ("Can't pickle local object '_own_state_key_class.<locals>.ModelCheckpoint'") before training."""
    import pickle

    from ssm_ts.training.checkpoints import BestAndLastCheckpoint, beside_best

    best = BestAndLastCheckpoint(monitor="val_loss", mode="min")
    mine = beside_best(ModelCheckpoint(monitor="val_loss", mode="min", save_top_k=2), best)
    copy = pickle.loads(pickle.dumps(mine))
    assert type(copy) is type(mine) and isinstance(copy, ModelCheckpoint)
    assert copy.state_key == mine.state_key != best.state_key
    assert (copy.monitor, copy.save_top_k) == ("val_loss", 2)
