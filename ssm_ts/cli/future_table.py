"""``ssm-ts forecast predict --futr_path future.csv``: the known-future covariates of the forecast steps
in a file of their own, as neuralforecast's ``predict(futr_df=...)`` and ``Forecaster.predict(futr_df=...)``
take them, instead of as rows appended to ``--data.path``. The rows are joined to the history by the
API's code (:func:`~ssm_ts.api.forecast_future_frame.future_rows_appended`), so both front ends read,
check and name a future table alike; ``ssm-ts forecast tune --futr_path`` reads it for the search's best
model as ``predict`` does for a checkpoint
(:func:`~ssm_ts.api.forecast_futr_path.forecaster_future_frame`)."""

from __future__ import annotations

from ssm_ts.api.forecast_futr_path import future_table_appended, require_futr_path
from ssm_ts.pipelines.forecasting import ForecastDataModule

# the data module settings that say how windows and splits are cut (a --level calibration reads the
# validation split), not how a table is read: the history is read already
WINDOW_SETTINGS = ("lookback", "horizon", "split", "fractions", "boundaries", "batch_size",
                   "eval_batch_size", "num_workers", "shuffle_seed")  # fmt: skip


def with_future_table(
    datamodule: ForecastDataModule, futr_path: str, n: int | None, reads: list[list[int]] | None = None
) -> ForecastDataModule:
    """A data module over ``datamodule``'s history (read with the checkpoint's spec) up to its last
    observation, then the rows of ``futr_path`` after it: the known-future covariates of the ``n``
    forecast steps (default the horizon; ``ceil(n / horizon) * horizon`` rows for a rollout). Rows the
    history ends with are replaced; ``futr_path``'s rows up to the last observation are left out.

    ``reads``: the covariate channels each target reads (the model's ``covariate_index``; ``None``:
    all), by which a known-future covariate empty at one series' forecast steps is named.

    ``futr_path`` is read as ``--data.path`` is: with ``--data.read_options`` when given, else the fit's
    (separator, decimal comma, date format), the fit's time column and, for a long table, its
    ``--data.id_col``/``--data.value_col``; its values are checked against the fit's scaler.

    Raises:
        ConfigError: the model has no known-future covariates.
        DataFileNotFoundError: ``futr_path`` is not a file.
        DataError: ``futr_path`` lacks a covariate (a column, or a long table's series), or its rows do
            not continue the history's times, or are too few for the forecast (each named, with the fix).
    """
    spec = datamodule.spec
    require_futr_path(futr_path, bool(spec.future_covariates))
    horizon = datamodule.horizon
    needed = -(-(n or horizon) // horizon) * horizon  # every block of a rollout reads a whole horizon
    combined = future_table_appended(
        datamodule.frame, datamodule.future_source(futr_path), spec, datamodule.fitted_scaler, futr_path,
        needed, data_name=str(datamodule.path) if datamodule.path else "the data",
        read_options=datamodule.read_options, reads=reads,
    )  # fmt: skip
    module = ForecastDataModule.from_checked(
        combined, spec, **{key: getattr(datamodule, key) for key in WINDOW_SETTINGS}
    )
    module.path = datamodule.path  # errors after this (a --level calibration's) name the history file
    return module
