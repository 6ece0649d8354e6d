"""``ssm-ts forecast predict`` of a model with known-future per-series inputs whose data lacks their
forecast-step rows: the error is the one ``Forecaster.predict`` gives, in the command's terms.

It names only the columns to give (``promo`` of each store): ``static_df``'s features (``size``) are in
the checkpoint, as ``Forecaster.predict`` knows them (it asked the command's user for them too). Its fix
ends writing the table and passing ``--futr_path``, not the Python call ``predict(futr_df=futr)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting.forecast_inputs import FEWER_STEPS, FIX_CALL, static_features_named

# the end of missing_future_error's fix (FIX_CALL), the Python call a command-line user cannot make, as
# the command's; a rollout's other fix (FEWER_STEPS) in the command's option
COMMAND_FIX = (
    "then futr.to_csv('future.csv', index=False), and give it to this command: --futr_path future.csv"
)


def static_columns(datamodule: Any) -> list[str]:
    """The ``static_df`` features of the model a forecasting data module reads for (the checkpoint's,
    loaded before the prediction runs; else its own fit's); ``[]`` for any other data module."""
    features = getattr(datamodule, "fitted_features", None)
    if features is None:
        features = getattr(datamodule, "series_features", None)
    return list(features.static_columns) if features is not None else []


@contextmanager
def missing_future_in_command_terms(datamodule: Any) -> Iterator[None]:
    """Inside, a forecast short of known-future rows names the columns to give without the statics the
    checkpoint keeps, and its fix passes ``--futr_path`` (other errors pass through unchanged)."""
    with static_features_named(static_columns(datamodule)):
        try:
            yield
        except DataError as err:
            text = str(err)
            said = FEWER_STEPS.sub(r", or ask for --n \1 or fewer", FIX_CALL.sub(COMMAND_FIX, text))
            if said == text:
                raise
            raise DataError(said) from err
