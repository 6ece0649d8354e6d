"""sktime's ``pd-multiindex`` layout (a DataFrame indexed by (recording, time point), a column per
channel) is read as those recordings, by ``SSMClassifier`` and the logged MLflow model: it was
flattened to one one-channel "recording" per row ("40 labels for 4000 recordings")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_ts


def multiindex_frame(recordings, names=None) -> pd.DataFrame:
    """``(channels, length_i)`` recordings as sktime's pd-multiindex frame, ids ``r0, r1, ...``."""
    names = names or [f"dim_{c}" for c in range(recordings[0].shape[0])]
    parts = [pd.DataFrame(v.T, columns=names) for v in recordings]
    return pd.concat(parts, keys=[f"r{i}" for i in range(len(parts))], names=["instances", "timepoints"])


@pytest.fixture(scope="module")
def vowels(shared_data):
    folder = shared_data / "classification" / "JapaneseVowels"  # 12 channels, unequal lengths
    return read_ts(folder / "JapaneseVowels_TRAIN.ts"), read_ts(folder / "JapaneseVowels_TEST.ts")


def test_a_multiindex_frame_fits_and_predicts_as_its_recordings(vowels):
    train, test = vowels
    reference = SSMClassifier(method="random_features", n_kernels=200, random_state=0).fit(
        train.values, train.labels
    )
    model = SSMClassifier(method="random_features", n_kernels=200, random_state=0)
    model.fit(multiindex_frame(train.values), train.labels)
    assert model.n_features_in_ == 12 and list(model.feature_names_in_) == [f"dim_{c}" for c in range(12)]
    frame = multiindex_frame(test.values[:30])
    np.testing.assert_allclose(
        model.predict_proba(frame), reference.predict_proba(test.values[:30]), atol=1e-12
    )
    # channels matched by name, as for a nested frame
    swapped = frame[frame.columns[::-1]]
    np.testing.assert_array_equal(model.predict(swapped), model.predict(frame))


def test_recordings_keep_their_first_appearance_order_and_time_order(vowels):
    train, _ = vowels
    frame = multiindex_frame(train.values[:6])
    # recordings r5, r4, ..., r0, the rows of each shuffled: the time points order them again
    order = [f"r{k}" for k in range(5, -1, -1)]
    shuffled = pd.concat([frame.loc[[key]].sample(frac=1.0, random_state=1) for key in order])
    model = SSMClassifier(method="random_features", n_kernels=100, random_state=0)
    model.fit(multiindex_frame(train.values), train.labels)
    expected = model.predict_proba(multiindex_frame(train.values[5::-1]))
    np.testing.assert_allclose(model.predict_proba(shuffled), expected, atol=1e-12)
    assert not np.allclose(expected, model.predict_proba(frame))  # the order matters to the check


def test_a_multiindex_frame_with_text_is_named(vowels):
    train, _ = vowels
    frame = multiindex_frame(train.values[:4])
    frame["subject"] = "s1"
    with pytest.raises(DataError, match="column 'subject'"):
        SSMClassifier(method="random_features", n_kernels=100).fit(frame, train.labels[:4])
