"""The forecasting CLI's own options (``ssm-ts forecast``): the parser hook of :class:`ForecastingTask`."""

from __future__ import annotations

from typing import Literal


def configure_cli_parser(parser) -> None:
    """CLI: lookback and horizon are set once, on the model, and copied to the data module; ``--n``
    sets the length of ``predict``'s forecast."""
    parser.link_arguments("model.lookback", "data.lookback")
    parser.link_arguments("model.horizon", "data.horizon")
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
        "(last.ckpt, or one written by an older ssm-ts) is calibrated here on the validation split of "
        "the data",
    )  # fmt: skip
    parser.add_argument(
        "--interval_method", type=Literal["residual", "cqr"] | None, default=None,
        help="predict --level: cqr (the default with quantiles) or residual",
    )  # fmt: skip
