"""Audit 26 of forecasting from Python: searches that rank trials by comparable numbers only."""

from __future__ import annotations

import pytest

from ssm_ts.api.tuning import tune_forecaster
from ssm_ts.errors import ConfigError


@pytest.mark.parametrize(
    "space",
    [
        {"loss": ["mse", "mae"]},
        {"quantiles": [None, [0.1, 0.9]]},
        {"horizon": [12, 24]},
        {"split": ["standard", "ett_h"]},
        {"fractions": [[0.7, 0.1, 0.2], [0.6, 0.2, 0.2]]},
        {"boundaries": [[600, 800], [700, 900]]},
        {"lr": (1e-4, 1e-2), "trainer_options.limit_val_batches": [1, 4]},
    ],
)
def test_a_search_refuses_settings_that_change_what_val_loss_measures(space):
    """Trials are ranked by val_loss: MSE against MAE (or the pinball loss), 12 steps against 24, or
    other validation rows would choose by numbers that measure different things (MSE < MAE for errors
    below 1 picks ``loss='mse'`` whatever forecasts better). Refused before any data is read."""
    name = next(n for n in space if n != "lr")
    with pytest.raises(
        ConfigError, match=rf"search space name '{name}': trials are ranked by their val_loss"
    ):
        tune_forecaster("no-such-file.csv", space)
