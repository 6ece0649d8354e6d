"""``Forecaster.calibrate``: conformal scores of a fitted forecaster on the backtest windows of new
data, held out from its training rows (split conformal needs windows the model was not trained on)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ssm_ts.api.conformal import compute_scores
from ssm_ts.api.forecast_backtest import backtest_windows
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.forecasting.frames import restore_times
from ssm_ts.pipelines.forecasting.reader import TableSource
from ssm_ts.rank_zero_warnings import warn_on_rank_zero
from ssm_ts.whole_numbers import is_whole_number

if TYPE_CHECKING:
    from ssm_ts.api.forecaster import Forecaster


class CalibrateMixin:
    """The ``calibrate`` method of :class:`~ssm_ts.api.forecaster.Forecaster`, a mixin it inherits."""

    def calibrate(
        self,
        data: TableSource,
        *,
        n_windows: int,
        step: int = 1,
        read_options: dict[str, Any] | None = None,
    ) -> Forecaster:
        """Recalibrate the conformal intervals of ``predict(level=...)`` on the last ``n_windows``
        windows of ``data``, every ``step`` rows (as :meth:`backtest` places them), and return ``self``.

        ``fit`` calibrates on the validation split by itself; use this for a loaded model, or to
        calibrate on newer rows. Split conformal needs windows the model was not trained on (in-sample
        errors are too small and give intervals that cover too little), as MAPIE's and neuralforecast's
        calibration sets are held out: a window whose forecast rows reach the model's last training row
        (by time, ``conformal_.train_end``, kept by ``fit`` and :meth:`save`) is left out, with a warning
        naming how many and the ``n_windows`` that holds only later rows; data whose windows all forecast
        training rows is a :class:`DataError` (the previous scores are kept). The scores replace the
        previous ones and are saved by :meth:`save`: all ``n_windows`` of them (``calibration_budget``
        bounds ``fit``'s only), ``n_windows x horizon x series x score kinds x 4`` bytes.
        """
        task = self._require_fitted()
        if not is_whole_number(n_windows) or n_windows < 1:
            raise ConfigError(f"n_windows must be a positive whole number of windows, got {n_windows!r}.")
        result, ragged, prediction, actual, _ = backtest_windows(self, data, n_windows, step, read_options)
        train_end = None if self.conformal_ is None else self.conformal_.train_end
        source = f"the last {n_windows} windows (every {step} rows) of the data given to calibrate()"
        notes: dict[str, str] = {}
        if train_end is not None:
            # (n_windows, n_targets): the windows that forecast training rows
            in_sample = in_sample_windows(self, result, ragged, n_windows, train_end)
            actual = np.where(in_sample[:, None, :], np.nan, actual)  # NaN: not scored
            if in_sample.any():
                source, notes = held_out_only(self, in_sample, n_windows, step, train_end)
        self.conformal_ = compute_scores(prediction, actual, task.hparams.quantiles, source, notes, train_end)
        return self


def in_sample_windows(
    fc: Forecaster, result: pd.DataFrame, ragged: bool, n_windows: int, train_end: str | int
) -> np.ndarray:
    """``(n_windows, n_targets)``: whether each backtest window of each series starts forecasting at
    or before the model's last training row ``train_end`` (:func:`backtest_windows`'s ``result``: wide
    rows window, step; a ragged panel's long rows series, window, step)."""
    spec, horizon = fc.spec_, fc._require_fitted().hparams.horizon
    times = result[spec.time_col]
    if isinstance(times.dtype, pd.PeriodDtype):  # a Period's training end is kept as its start
        times = times.dt.to_timestamp()
    trained = (times <= restore_times([train_end], spec.tz)[0]).to_numpy()
    if ragged:
        return trained.reshape(len(spec.targets), n_windows, horizon)[:, :, 0].T
    return np.repeat(trained.reshape(n_windows, horizon)[:, :1], len(spec.targets), axis=1)


def held_out_only(
    fc: Forecaster, in_sample: np.ndarray, n_windows: int, step: int, train_end: str | int
) -> tuple[str, dict[str, str]]:
    """Warn that the windows ``in_sample`` (``(n_windows, n_targets)``) are left out, or refuse the
    calibration when every window is; the scores' ``(source, notes)`` (the series left without one)."""
    end = str(restore_times([train_end], fc.spec_.tz)[0])
    left_out = int(in_sample.sum(axis=0).max())  # the same for every series but in a ragged panel
    fix = (f"calibrate on rows after {end}: fewer windows (n_windows={n_windows - left_out} on this data "
           "holds only later rows) or new data recorded after the training rows")  # fmt: skip
    if in_sample.all():
        raise DataError(
            f"calibrate(): all {n_windows} calibration windows forecast rows this model was trained on (its "
            f"training rows end at {end}); their in-sample errors are smaller than on new data and would "
            "make the intervals too narrow (split conformal needs held-out data). Nothing was changed: give "
            f"data with at least {n_windows} windows after {end} (every {step} rows), or fewer windows."
        )
    notes = {
        name: f"all its {n_windows} calibration windows forecast training rows (up to {end})"
        for name, trained in zip(fc.spec_.targets, in_sample.all(axis=0), strict=True)
        if trained
    }
    warn_on_rank_zero(
        f"calibrate(): {left_out} of the {n_windows} windows forecast rows this model was trained on (its "
        f"training rows end at {end}); their in-sample errors are smaller than on new data and would make "
        f"the intervals too narrow, so they are left out and the other {n_windows - left_out} calibrate. To "
        f"silence this, {fix}.",
        UserWarning,
        stacklevel=None,  # the user's calibrate call
    )
    source = (f"the last {n_windows} windows (every {step} rows) of the data given to calibrate(), "
              f"{n_windows - left_out} held-out ones scored ({left_out} forecast training rows)")  # fmt: skip
    return source, notes
