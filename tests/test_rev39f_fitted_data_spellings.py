"""``ssm-ts forecast predict`` / ``test`` refuse a --data option the fitted model does not read its data
with (:func:`ssm_ts.cli.restored_data.check_fitted_data_settings`); the fit's own columns listed in
another order (a config that lists the covariates as it likes) are the same columns and stay allowed,
and a frequency pandas no longer reads (``H``) is told its spelling (``h``), as a fit tells it, not that
the model was fitted on another frequency."""

from __future__ import annotations

import pytest
from jsonargparse import Namespace

from ssm_ts.cli.restored_data import check_fitted_data_settings
from ssm_ts.errors import ConfigError

SPEC = {"time_col": "date", "targets": ["OT", "HUFL"], "freq": "h", "past_covariates": ["HULL", "MUFL"],
        "future_covariates": [], "fill": None, "id_col": "unique_id", "value_col": "y"}  # fmt: skip
CHECKPOINT = {
    "datamodule_hyper_parameters": {"target": None, "past_covariates": None, "freq": None},
    "ForecastDataModule": {"spec": SPEC},
}


def config(**data: object) -> Namespace:
    return Namespace(data=Namespace(**data))


@pytest.mark.parametrize(
    "data",
    [
        {"past_covariates": ["MUFL", "HULL"]},
        {"target": ["HUFL", "OT"]},
        {"target": ["OT", "HUFL"], "past_covariates": ["HULL", "MUFL"], "freq": "60min"},
    ],
)
def test_the_fitted_columns_in_another_order_are_allowed(data: dict) -> None:
    check_fitted_data_settings(CHECKPOINT, config(**data), "ssm-ts forecast")


def test_other_columns_are_still_refused() -> None:
    with pytest.raises(ConfigError, match=r"fitted on past_covariates \['HULL', 'MUFL'\]"):
        check_fitted_data_settings(CHECKPOINT, config(past_covariates=["HULL", "OT"]), "ssm-ts forecast")


def test_a_removed_frequency_alias_is_told_its_spelling() -> None:
    with pytest.raises(ConfigError) as err:
        check_fitted_data_settings(CHECKPOINT, config(freq="H"), "ssm-ts forecast")
    assert "write freq='h'" in str(err.value) and "fitted on" not in str(err.value)
