"""An aeon / sktime user's slips with ``SSMClassifier``, each a clear error naming the setting or the
fix: a file path given to ``fit(path)`` or ``score(path)`` without ``y`` was told that ``y`` is
missing (reading the file would have brought the labels), and settings of the wrong type (text from a
config, a float count) failed with Python's own words ("'<' not supported between instances of 'str'
and 'int'", "slice indices must be integers") or Lightning's bare ``AssertionError``."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.sensor import SensorDataModule

RNG = np.random.default_rng(0)
X, Y = RNG.standard_normal((12, 2, 20)), np.repeat(["a", "b"], 6)
ENCODER = {"d_model": 4, "n_layers": 1, "d_state": 4, "max_epochs": 1}


@pytest.mark.parametrize("call", ["fit", "score"])
def test_a_file_path_without_labels_is_told_to_read_the_file(shared_data, call):
    path = shared_data / "classification" / "GunPoint" / "GunPoint_TRAIN.ts"
    model = SSMClassifier(method="random_features", n_kernels=10)
    if call == "score":
        model.fit(X, Y)
    for given in (path, str(path)):
        with pytest.raises(DataError, match=r"X is a file path .*read_series\(path\)"):
            getattr(model, call)(given)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"method": "random_features", "n_kernels": "100"}, r"n_kernels must be positive, a whole number .* got '100'"),
        ({"method": "random_features", "n_kernels": 2.5}, r"n_kernels must be positive, a whole number .* got 2.5"),
        ({"method": "random_features", "shift_fraction": "0.5"}, r"shift_fraction must be in \[0, 1\].* got '0.5'"),
        ({**ENCODER, "max_epochs": 1.5}, r"max_epochs must be at least 1, a whole number .* got 1.5"),
        ({**ENCODER, "max_epochs": "2"}, r"max_epochs must be at least 1, a whole number .* got '2'"),
        ({**ENCODER, "val_fraction": "0.2"}, r"val_fraction must be in \[0, 1\), a number .* got '0.2'"),
        ({**ENCODER, "batch_size": 2.5}, r"batch_size must be at least 1, a whole number .* got 2.5"),
        ({**ENCODER, "max_batch_steps": "100"}, r"max_batch_steps must be a positive number .* got '100'"),
    ],
)  # fmt: skip
def test_settings_of_the_wrong_type_are_named(settings, message):
    with pytest.raises(ConfigError, match=message):
        SSMClassifier(**settings).fit(X, Y)


def test_the_data_module_names_settings_of_the_wrong_type():
    with pytest.raises(ConfigError, match=r"batch_size must be at least 1, a whole number .* got '16'"):
        SensorDataModule(path="train.ts", batch_size="16")
    with pytest.raises(ConfigError, match=r"val_fraction must be in \[0, 1\), a number .* got None"):
        SensorDataModule(path="train.ts", val_fraction=None)


def test_predict_log_proba_is_the_log_of_predict_proba():
    """scikit-learn's probabilistic classifiers have it (``AttributeError`` before)."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    model = SSMClassifier(method="random_features", n_kernels=10).fit(X, Y)
    np.testing.assert_array_equal(model.predict_log_proba(X), np.log(model.predict_proba(X)))
    pipe = make_pipeline(FunctionTransformer(), SSMClassifier(method="random_features", n_kernels=10)).fit(
        X, Y
    )
    assert pipe.predict_log_proba(X, rate=0.5).shape == (len(X), 2)
