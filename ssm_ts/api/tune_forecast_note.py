"""``ssm-ts forecast tune`` of a model with known-future covariates whose data ends without their rows at
the forecast steps: the search's work (``trials.csv``, ``export/``) is done and saved, and only the
forecast after the data cannot be made. The command then skips ``forecast.csv`` and says how to get it
from the search's best model: ``ssm-ts forecast predict --futr_path`` on the best trial's checkpoint, or
``Forecaster.load(<out>/export).predict(futr_df=...)``. (It stopped with exit code 1 after the search,
its fix the Python call ``predict(futr_df=futr)``.)"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ssm_ts.api.forecaster import Forecaster


def lacks_future_rows(fc: Forecaster) -> bool:
    """True when ``fc`` (fitted) reads known-future covariates and the rows its data ends with after the
    last observation (``fc.future_``: targets empty, covariates given; a statics-only model's own) are
    fewer than the horizon, so ``fc.predict()`` without data could not forecast."""
    if not fc.spec_.future_covariates:
        return False
    given = 0 if fc.future_ is None else len(fc.future_)
    return given < fc.horizon


def skipped_forecast_note(fc: Forecaster, out: Path, data: str, argv: list[str] | None = None) -> str:
    """Why ``<out>/forecast.csv`` is not written and the ways to write it, to paste: ``fc`` is the
    search's best model (saved in ``<out>/export``), ``data`` the ``--data.path`` it was searched on,
    ``argv`` the arguments of the ``ssm-ts forecast tune`` command that searched (``None``: not named)."""
    from ssm_ts.pipelines.forecasting.feature_origin import user_covariates
    from ssm_ts.pipelines.forecasting.frames import future_times

    spec, horizon = fc.spec_, fc.horizon
    found = 0 if fc.future_ is None else len(fc.future_)
    statics = set(fc.series_features_.static_columns) if fc.series_features_ is not None else set()
    given = user_covariates(spec.future_covariates, spec.targets, spec.long_format)
    columns = [c for c in given if c not in statics]  # the model keeps its statics: none to give
    last = fc.history_[spec.time_col].iloc[-1]
    times = future_times(last, spec.freq, horizon)
    future = "future.csv"
    ways = []
    if argv is not None:  # the same search, continued: no trial runs again
        ways.append(
            f"ssm-ts forecast tune {shlex.join(argv)} --futr_path {future} (its finished trials run no more)"
        )
    if fc.best_checkpoint_:  # none when the best trial was loaded from its export (a continued search)
        ways.append(
            f"ssm-ts forecast predict --ckpt_path {shlex.quote(str(fc.best_checkpoint_))} --data.path "
            f"{shlex.quote(data)} --futr_path {future} --out {shlex.quote(str(out))}"
        )
    ways.append(f"in Python Forecaster.load({str(out / 'export')!r}).predict(futr_df={future!r})")
    return (
        f"the best model reads the known-future covariates {columns} at the {horizon} forecast steps "
        f"({spec.time_col} {times[0]} to {times[-1]}), and {data} has {found or 'no'} rows of them after its "
        f"last observation ({last}). Write their values at those steps to {future}, in the layout of {data} "
        "(as ssm-ts forecast predict --futr_path reads it), then forecast with the search's best model: "
        + ", or ".join(ways)
        + "."
    )
