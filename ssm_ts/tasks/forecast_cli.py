"""The forecasting CLI's own options (``ssm-ts forecast``): the parser hook of :class:`ForecastingTask`."""

from __future__ import annotations

from typing import Literal


def configure_cli_parser(parser) -> None:
    """CLI: lookback and horizon are set once, on the model, and copied to the data module; ``--n``
    sets the length of ``predict``'s forecast, ``--futr_path`` the file of its known-future covariates.
    A long CSV's covariate columns (``--data.past_covariates '[price]'`` beside ``unique_id, ds, y,
    price``) are read per series, as ``Forecaster.fit`` reads a DataFrame's (the data module's
    ``per_series_columns``, off in Python, where the API reads them from a DataFrame)."""
    parser.link_arguments("model.lookback", "data.lookback")
    parser.link_arguments("model.horizon", "data.horizon")
    parser.set_defaults({"data.per_series_columns": True})
    parser.add_argument(
        "--n", type=int | None, default=None,
        help="predict: forecast n steps (default: the horizon; beyond it the model rolls forward on its "
        "own forecasts, as Forecaster.predict(n=...))",
    )  # fmt: skip
    parser.add_argument(
        "--level", type=float | list[float] | None, default=None,
        help="predict: conformal intervals of these coverages in percent (80 or [80, 95]) as <target>_lo-80/"
        "_hi-80 columns and bands in forecast.png (as Forecaster.predict(level=...)), from the conformal "
        "scores the fit kept in its best checkpoint (--ckpt_path best); a checkpoint without them "
        "(last.ckpt, or one written by an older ssm-ts) takes those of the best one beside it when it "
        "holds the same weights, else is calibrated here on the validation split of the data, with a "
        "warning unless that is the fit's own file",
    )  # fmt: skip
    parser.add_argument(
        "--interval_method", type=Literal["residual", "cqr"] | None, default=None,
        help="predict --level: cqr (the default with quantiles) or residual",
    )  # fmt: skip
    parser.add_argument(
        "--futr_path", type=str | None, default=None,
        help="predict: a CSV of the known-future covariates of the forecast steps (as neuralforecast's "
        "futr_df and Forecaster.predict(futr_df=...)), in the layout of --data.path (wide: the time "
        "column and those columns; long: the rows of those series, or unique_id, the time column and each "
        "series' known-future columns of a model fitted with per-series ones), read with its settings; its "
        "rows after the data's last observation replace any future rows the data ends with",
    )  # fmt: skip
