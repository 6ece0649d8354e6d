"""An array ``(n, length, channels)`` given where ``(n, channels, length)`` is meant (aeon's layout is
the latter; Keras and tslearn keep the former): named at fit and at predict, not trained on silently."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import LayoutWarning, read_ts


@pytest.fixture(scope="module")
def basic_motions(shared_data):
    folder = shared_data / "classification" / "BasicMotions"
    train, test = read_ts(folder / "BasicMotions_TRAIN.ts"), read_ts(folder / "BasicMotions_TEST.ts")
    return np.stack(train.values), train.labels, np.stack(test.values)  # (40, 6, 100)


def _random_features() -> SSMClassifier:
    return SSMClassifier(method="random_features", n_kernels=200, random_state=0)


def test_fit_on_a_transposed_array_warns_naming_the_fix(gunpoint_ucr):
    train, _ = gunpoint_ucr
    X = np.stack(train.values).transpose(0, 2, 1)  # (50, 150, 1): 150 "channels" of one step
    with pytest.warns(LayoutWarning, match=r"more channels \(150\) than time steps \(at most 1\)") as caught:
        _random_features().fit(X, train.labels)
    message = str(caught[0].message)
    assert "X.transpose(0, 2, 1)" in message and "(n, channels, length)" in message
    assert caught[0].filename == __file__  # points at the user's fit call
    # and through scikit-learn's model selection, at the user's call of it, not sklearn's fold code
    from sklearn.model_selection import cross_val_score

    with pytest.warns(LayoutWarning) as caught:
        cross_val_score(_random_features(), X, train.labels, cv=2)
    assert {w.filename for w in caught if issubclass(w.category, LayoutWarning)} == {__file__}


def test_the_encoder_warns_once(gunpoint_ucr):
    train, _ = gunpoint_ucr
    X = np.stack(train.values[:12]).transpose(0, 2, 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SSMClassifier(max_epochs=1, d_model=4, n_layers=1, d_state=4, random_state=0).fit(
            X, train.labels[:12]
        )
    layout = [w for w in caught if issubclass(w.category, LayoutWarning)]
    assert len(layout) == 1 and layout[0].filename == __file__  # not again from inside Lightning's fit


def test_predict_on_a_transposed_array_names_the_transpose(basic_motions):
    X, y, X_test = basic_motions
    model = _random_features().fit(X, y)
    with pytest.raises(DataError, match="X has 100 channels but the classifier was fitted on 6") as err:
        model.predict(X_test.transpose(0, 2, 1))  # (40, 100, 6)
    assert "look transposed" in str(err.value) and "X.transpose(0, 2, 1)" in str(err.value)
    # another channel count that is not a transpose keeps the plain message
    with pytest.raises(DataError) as err:
        model.predict(X_test[:, :3])
    assert "transposed" not in str(err.value)


def test_recordings_in_the_right_layout_do_not_warn(basic_motions, shared_data):
    X, y, X_test = basic_motions
    vowels = read_ts(shared_data / "classification" / "JapaneseVowels" / "JapaneseVowels_TRAIN.ts")
    with warnings.catch_warnings():
        warnings.simplefilter("error", LayoutWarning)
        _random_features().fit(X, y).predict(X_test)
        # 12 channels, some recordings of only 7 steps: others are longer, so no warning
        _random_features().fit(vowels.values, vowels.labels)
