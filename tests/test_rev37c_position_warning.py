"""A CSV (named channels) given to a model fitted without names (a ``.ts`` fit) is matched by
position: ``classify predict`` and ``classify test`` took its columns in file order silently (a CSV
with its columns in another order was classified wrongly, without a word). It now warns, naming the
order taken, as ``SSMClassifier.predict`` warns of ``X`` with names; a model with names reads them
by name and says nothing.

The recording is BasicMotions (UEA) TEST recording 3, as a CSV ``time, gyr_z, ..., acc_x``."""

from __future__ import annotations

import warnings

from ssm_ts.pipelines.sensor import SensorDataModule
from ssm_ts.tasks.classification import ClassificationTask
from ssm_ts.tasks.classification_setup import match_datamodule
from tests.test_cls37_one_recording_csv import CHANNELS, write_recording
from tests.test_cls37_one_recording_csv import recording as cls37_recording

recording = cls37_recording  # its fixture: BasicMotions TEST recording 3, (6, 100)

RANDOM = {"model": "random_features", "model_options": {"n_kernels": 20, "seed": 0}}
CLASSES = ["Badminton", "Running", "Standing", "Walking"]


def predict_setup(path, task: ClassificationTask) -> list[warnings.WarningMessage]:
    module = SensorDataModule(predict_path=str(path))
    module.fitted_channel_names = task.hparams.get("channel_names")
    module.setup("predict")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        match_datamodule(task, module, "predict")
    return [w for w in caught if "taken by position" in str(w.message)]


def test_a_named_csv_for_a_model_fitted_without_names_warns_of_the_order(recording, tmp_path):
    path = write_recording(tmp_path / "walk.csv", recording, CHANNELS[::-1])
    (found,) = predict_setup(path, ClassificationTask(**RANDOM, n_channels=6, classes=CLASSES))
    message = str(found.message)
    assert message.startswith(f"{path}: the model was fitted without channel names"), message
    assert f"the channels {CHANNELS[::-1]} are taken by position, in that order" in message
    # a model with names reads the columns by name: nothing to warn of
    named = ClassificationTask(**RANDOM, n_channels=6, classes=CLASSES, channel_names=CHANNELS)
    assert predict_setup(path, named) == []
