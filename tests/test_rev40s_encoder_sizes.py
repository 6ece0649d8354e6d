"""``SSMClassifier(n_layers=0)`` trained an encoder without SSM layers (a linear projection of the
channels, mean-pooled) without a word, and ``d_state=3`` failed inside the core layer ("DiagonalSSM:
d_state must be an even integer >= 2"), naming no setting of the classifier. Both are ConfigErrors
naming ``SSMClassifier``'s setting, before the data is read; random features, which have neither, take
any value."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts.api.classifier import SSMClassifier
from ssm_ts.errors import ConfigError


@pytest.fixture
def tiny() -> tuple[np.ndarray, np.ndarray]:
    """Eight recordings of one channel x 16 steps, two classes."""
    return np.random.default_rng(0).normal(size=(8, 1, 16)), np.array(["a", "b"] * 4)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"n_layers": 0}, r"^n_layers must be at least 1, a whole number such as 3 .*got 0$"),
        ({"d_state": 3}, r"^d_state must be an even whole number >= 2, such as 64 .*got 3$"),
        ({"d_state": 1, "model": "s4nd2d"}, r"^d_state must be an even whole number >= 2.*got 1$"),
    ],
)
def test_encoder_sizes_name_the_classifiers_setting(tiny, settings, message):
    with pytest.raises(ConfigError, match=message):
        SSMClassifier(max_epochs=1, d_model=4, **{"n_layers": 1, "d_state": 4, **settings}).fit(*tiny)


def test_random_features_ignore_them(tiny):
    model = SSMClassifier(method="random_features", n_kernels=8, n_layers=0, d_state=3, random_state=0)
    assert model.fit(*tiny).predict(tiny[0]).shape == (8,)
