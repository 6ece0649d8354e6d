"""Encoder sizes out of range are a ConfigError naming the setting before anything trains: a dropout
outside [0, 1) was torch's "dropout probability has to be between 0 and 1" (or, at 1, a model whose
blocks output zeros), a fractional ``d_model`` a torch ``empty()`` signature dump, and a negative
``n_layers`` trained a model without SSM blocks silently."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import ConfigError


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"dropout": 1.5}, r"dropout must be a number in \[0, 1\), got 1.5"),
        ({"dropout": -0.1}, r"dropout must be a number in \[0, 1\), got -0.1"),
        ({"dropout": 1.0}, r"dropout must be a number in \[0, 1\), got 1.0"),
        ({"d_model": 2.5}, r"d_model must be an integer >= 1, got 2.5"),
        ({"n_layers": -1}, r"n_layers must be an integer >= 1, got -1"),
        ({"n_layers": 0}, r"n_layers must be (an integer >= 1|at least 1)"),
        ({"d_state": 8.5}, r"d_state must be an integer >= 1, got 8.5"),
    ],
)
@pytest.mark.parametrize("model", ["s4d1d", "s4nd2d"])
def test_out_of_range_sizes_name_the_setting(gunpoint_ucr, setting, message, model):
    train, _ = gunpoint_ucr
    with pytest.raises(ConfigError, match=message):
        SSMClassifier(model=model, max_epochs=1, **setting).fit(
            np.stack(train.values[:10]), train.labels[:10]
        )


def test_numpy_integers_are_taken(gunpoint_ucr):
    train, _ = gunpoint_ucr
    model = SSMClassifier(max_epochs=1, d_model=np.int64(4), n_layers=1, d_state=np.int64(4), dropout=0.0)
    model.fit(np.stack(train.values[:10]), train.labels[:10])
    assert model.predict(np.stack(train.values[:2])).shape == (2,)


@pytest.mark.parametrize("model", ["s4d1d", "s4nd2d"])
def test_an_encoder_without_layers_is_refused_where_the_cli_builds_it(model):
    """``--model.model_options '{n_layers: 0}'`` reaches the encoder's own check, not SSMClassifier's:
    it trained an encoder without SSM blocks."""
    from ssm_ts.models.s4nd import build_encoder

    with pytest.raises(ConfigError, match=r"n_layers must be an integer >= 1, got 0"):
        build_encoder(model, n_channels=3, n_classes=2, options={"n_layers": 0})
