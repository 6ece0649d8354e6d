"""``SSMClassifier`` fitted on named channels (a long CSV read by ``read_csv_long``, a nested
DataFrame) keeps them as ``feature_names_in_`` and matches new recordings' channels by name.

BasicMotions as a long CSV (``acc_x ... gyro_z``), the TEST file with its channel columns in another
order: ``predict`` took them by position and gave other labels without a word. Names follow
scikit-learn's conventions: unnamed input after a named fit warns "X does not have valid feature
names" (and goes by position); a missing or unknown channel is a DataError naming both sets.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_csv_long, read_ts

CHANNELS = ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"]
SHUFFLED = CHANNELS[::-1]  # by position: 0.50 of the TEST labels right (measured), 1.00 in order


def write_long(path, data, channels):
    frames = []
    for i, v in enumerate(data.values):
        frame = pd.DataFrame({"id": f"r{i}", "time": np.arange(v.shape[1]), "label": data.labels[i]})
        frames.append(frame.assign(**{name: v[CHANNELS.index(name)] for name in channels}))
    pd.concat(frames).to_csv(path, index=False)
    return read_csv_long(path)


@pytest.fixture(scope="module")
def csvs(shared_data, tmp_path_factory):
    folder = shared_data / "classification" / "BasicMotions"
    work = tmp_path_factory.mktemp("long")
    train, test = read_ts(folder / "BasicMotions_TRAIN.ts"), read_ts(folder / "BasicMotions_TEST.ts")
    return (
        write_long(work / "train.csv", train, CHANNELS),
        write_long(work / "test.csv", test, CHANNELS),
        write_long(work / "test_shuffled.csv", test, SHUFFLED),
        test,
    )


@pytest.mark.parametrize("method", ["random_features", "encoder"])
def test_predict_matches_channels_by_name(csvs, method, single_thread):
    train, test, shuffled, unnamed = csvs
    settings = (
        {"n_kernels": 200} if method == "random_features" else {"d_model": 8, "n_layers": 1, "max_epochs": 2}
    )
    model = SSMClassifier(method=method, d_state=8, **settings).fit(train)
    assert model.feature_names_in_.dtype == object and model.feature_names_in_.tolist() == CHANNELS
    if method == "encoder":
        assert model.task_.hparams.channel_names == CHANNELS
    expected = model.predict_proba(test)
    # by position the reversed columns gave other probabilities (and half the labels); by name the same
    np.testing.assert_array_equal(model.predict_proba(shuffled), expected)
    if method == "random_features":
        assert (model.predict(shuffled) == test.labels).mean() >= 0.9

    with pytest.warns(UserWarning, match="X does not have valid feature names, but SSMClassifier was fitted"):
        np.testing.assert_array_equal(model.predict_proba(np.stack(unnamed.values)), expected)

    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(shuffled), expected)
    del restored.feature_names_in_  # as pickled before names were kept: by position, no name check
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        np.testing.assert_array_equal(restored.predict_proba(test), expected)


def test_a_missing_or_unknown_channel_is_named(csvs, tmp_path):
    train, _, _, unnamed = csvs
    model = SSMClassifier(method="random_features", n_kernels=50).fit(train)
    renamed = [("accel_x" if name == "acc_x" else name) for name in CHANNELS]
    bad = write_long(tmp_path / "bad.csv", unnamed.subset(range(4)), CHANNELS)
    bad.channel_names = renamed
    with pytest.raises(
        DataError, match=r"no channel\(s\) \['acc_x'\] and channel\(s\) \['accel_x'\] the model"
    ):
        model.predict(bad)

    # a fit on arrays has no names; named input then goes by position, with scikit-learn's warning
    plain = SSMClassifier(method="random_features", n_kernels=50).fit(
        np.stack(unnamed.values), unnamed.labels
    )
    assert not hasattr(plain, "feature_names_in_")
    with pytest.warns(UserWarning, match="X has feature names, but SSMClassifier was fitted without"):
        plain.predict(bad)
    model.fit(np.stack(unnamed.values), unnamed.labels)  # a refit without names drops them
    assert not hasattr(model, "feature_names_in_")
