"""WaveformGenerator's ``trainer_options`` callbacks, as the Forecaster's: every fit trains with fresh
copies (a second fit reused the same objects, so EarlyStopping stopped against the first fit's best
score), and the MLflow run records them as ``class_path``/``init_args`` (it logged
``"<... object at 0x7f...>"``, another text in every process, so a resume with the same callbacks
tagged them as changed). On real spoken digits, the tiny preset."""

from __future__ import annotations

import math

import mlflow
import pytest
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping

from ssm_ts import WaveformGenerator

pytestmark = pytest.mark.usefixtures("single_thread")

DATA = dict(clip_seconds=0.05, max_files_per_split=8)


class Recorder(Callback):
    """Records, at each fit's start, the best score the fit's EarlyStopping carried in."""

    def __init__(self, log: list):
        self.entries = log

    def __deepcopy__(self, memo: dict) -> Recorder:  # the copy keeps reporting to the test's list
        return Recorder(self.entries)

    def on_fit_start(self, trainer, pl_module) -> None:
        self.entries.append([float(c.best_score) for c in trainer.callbacks if type(c) is EarlyStopping])


def test_every_fit_starts_with_fresh_callbacks_and_the_run_records_them(shared_data, tmp_path):
    log: list = []
    given = [EarlyStopping("val_nll_bits", patience=1), Recorder(log)]
    gen = WaveformGenerator(preset="tiny", max_epochs=1, batch_size=8, out_dir=str(tmp_path / "run"),
                            trainer_options={"callbacks": given, "enable_progress_bar": False})  # fmt: skip
    folder = str(shared_data / "audio" / "espeak-digits")
    gen.fit(folder, **DATA)
    gen.fit(folder, **DATA)
    assert log == [[math.inf], [math.inf]]  # the second fit's EarlyStopping did not start at the first's best
    assert given[0].best_score == math.inf  # the objects given are never trained with
    params = mlflow.get_run(gen.run_id_).data.params
    assert (
        params["generator.trainer_options.callbacks.0.class_path"]
        == "lightning.pytorch.callbacks.EarlyStopping"
    )
    assert params["generator.trainer_options.callbacks.0.init_args.monitor"] == "val_nll_bits"
    assert params["generator.trainer_options.callbacks.1.class_path"] == f"{__name__}.Recorder"


def test_a_resume_with_the_same_callbacks_changes_no_setting(shared_data, tmp_path):
    folder = str(shared_data / "audio" / "espeak-digits")

    def generator(max_epochs: int) -> WaveformGenerator:
        options = {"callbacks": [EarlyStopping("val_nll_bits", patience=2)], "enable_progress_bar": False}
        return WaveformGenerator(preset="tiny", max_epochs=max_epochs, batch_size=8, out_dir=str(tmp_path / "run"),
                                 trainer_options=options)  # fmt: skip

    first = generator(1).fit(folder, **DATA)
    resumed = generator(2).fit(folder, **DATA, resume=True)  # new objects, the same callbacks
    assert resumed.run_id_ == first.run_id_
    tags = {k for k in mlflow.get_run(first.run_id_).data.tags if k.startswith("resumed.")}
    assert tags == {"resumed.1.generator.max_epochs"}


class SeenStoppers(Callback):
    """Records, when training starts (after a resume restored the callbacks' states), each EarlyStopping
    of the fit: its class and a copy of its attributes then."""

    fits: list[list[tuple[type, dict]]] = []

    def on_train_start(self, trainer, pl_module) -> None:
        SeenStoppers.fits.append(
            [(type(c), dict(vars(c))) for c in trainer.callbacks if isinstance(c, EarlyStopping)]
        )


def test_a_resume_stops_with_the_patience_given_to_the_users_early_stopping(shared_data, tmp_path):
    # WaveformGenerator has no stopper of its own: the user's is the fit's, and a resume given more
    # patience stopped with the checkpoint's (Lightning's load_state_dict put it back). min_delta is so
    # large that no epoch after the first counts as an improvement: with patience p a fit stops after
    # 1 + p epochs, whatever the audio.
    folder = str(shared_data / "audio" / "espeak-digits")
    SeenStoppers.fits = []

    def generator(patience: int, max_epochs: int) -> WaveformGenerator:
        stopper = EarlyStopping("val_nll_bits", patience=patience, min_delta=1.0e9)
        options = {"callbacks": [stopper, SeenStoppers()], "enable_progress_bar": False}
        return WaveformGenerator(preset="tiny", max_epochs=max_epochs, batch_size=8, out_dir=str(tmp_path / "run"),
                                 trainer_options=options)  # fmt: skip

    first = generator(patience=1, max_epochs=1).fit(folder, **DATA)
    resumed = generator(patience=3, max_epochs=10).fit(folder, **DATA, resume=True)
    assert resumed.run_id_ == first.run_id_
    ((kind, stopper),) = SeenStoppers.fits[1]
    assert kind is EarlyStopping and stopper["patience"] == 3  # the class given; the checkpoint's was 1
    assert math.isfinite(float(stopper["best_score"])) and stopper["wait_count"] == 0  # epoch 0's state
    last = torch.load(next((tmp_path / "run").rglob("last.ckpt")), map_location="cpu", weights_only=False)
    (state,) = [v for k, v in last["callbacks"].items() if k.startswith("EarlyStopping")]
    # three epochs without improvement after epoch 0; with the checkpoint's patience it stopped at epoch 1
    assert (last["epoch"], state["patience"], state["wait_count"]) == (3, 3, 3)
    assert mlflow.get_run(first.run_id_).data.tags.get("resumed.1.generator.trainer_options") is not None
