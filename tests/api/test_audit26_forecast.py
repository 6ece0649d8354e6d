"""Audit 26 of forecasting from Python: searches that rank trials by comparable numbers only."""

from __future__ import annotations

import pytest

from ssm_ts.api.tuning import tune_forecaster
from ssm_ts.errors import ConfigError, DataError


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


@pytest.fixture(scope="module")
def long_with_column(ett):
    """Three series of ETTh1 as a long table, with a per-row column ``temp`` beside ``y``."""
    long = ett.iloc[:400].melt(id_vars="date", value_vars=["OT", "HUFL", "MUFL"], var_name="unique_id",
                               value_name="y").rename(columns={"date": "ds"})  # fmt: skip
    return long.assign(temp=1.0)


@pytest.mark.parametrize("kind", ["past_covariates", "future_covariates"])
def test_a_covariate_column_of_a_long_table_is_named_as_such(long_with_column, kind):
    """neuralforecast users keep exogenous values in columns beside ``y``; here covariates are series
    (rows). The error said the series was missing and to pass ``target=``, which the user had not."""
    from ssm_ts.pipelines.forecasting.series import load_series

    with pytest.raises(DataError) as error:
        load_series(long_with_column, **{kind: ["temp"]})
    message = str(error.value)
    assert f"{kind} ['temp'] not found in the DataFrame: ['temp'] is a column of the long table" in message
    assert "every variable is a series" in message and "target=" not in message
    with pytest.raises(DataError, match=rf"{kind} \['Mufl'\] not found in the DataFrame: it has no rows with "
                       r"unique_id 'Mufl'.* Name series of \['OT', 'HUFL', 'MUFL'\] as"):  # fmt: skip
        load_series(long_with_column, **{kind: ["Mufl"]})
    frame, spec = load_series(long_with_column, **{kind: ["MUFL"]})  # a series as covariate: read
    assert spec.targets == ["HUFL", "OT"] and getattr(spec, kind) == ["MUFL"]
