"""The forecasts a fitted :class:`~ssm_ts.tasks.forecasting.ForecastingTask` makes after the data: its
last windows, a table of ``n`` steps (a rollout past the horizon), the plot and the CLI's
``forecast.csv``/``forecast.png`` (:class:`ForecastOutputs`, mixed into the task)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch

from ssm_ts.atomic import atomic_path
from ssm_ts.pipelines.forecasting import (
    ForecastDataModule,
    SeriesSpec,
    forecast_frame_by_series,
    to_long_forecast,
)
from ssm_ts.pipelines.forecasting.forecast_inputs import last_windows_by_end, steps_asked
from ssm_ts.pipelines.forecasting.plotting import plot_forecast
from ssm_ts.pipelines.forecasting.spans import require_channel_independent, series_spans
from ssm_ts.tasks.forecast_rollout import check_rollable, check_steps, with_forecast

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def write_forecast_files(
    forecast: pd.DataFrame, figure: Figure | Callable[[], Figure], out_dir: str | os.PathLike
) -> list[Path]:
    """``forecast.csv`` (``forecast``, without its index) and ``forecast.png`` (the matplotlib
    ``figure``, or the one ``figure()`` draws once the table is written; closed after) in ``out_dir``,
    each written whole or not at all (a reader of the folder never sees half a file). The files of
    ``ssm-ts forecast predict`` (with and without ``--level``) and ``ssm-ts forecast tune``."""
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    csv_path, png_path = out_dir / "forecast.csv", out_dir / "forecast.png"
    drawn = None if callable(figure) else figure
    try:
        with atomic_path(csv_path) as tmp:
            forecast.to_csv(tmp, index=False)
        drawn = figure() if drawn is None else drawn
        with atomic_path(png_path) as tmp:
            drawn.savefig(tmp, dpi=110)
    finally:
        if drawn is not None:
            plt.close(drawn)
    return [csv_path, png_path]


class ForecastOutputs:
    """Forecast tables, plots and files of :class:`~ssm_ts.tasks.forecasting.ForecastingTask` (mixed into
    it: uses its ``forecast``, ``hparams`` and ``point``)."""

    def last_windows(self, frame: pd.DataFrame, spec: SeriesSpec) -> tuple[np.ndarray, np.ndarray, pd.Series]:
        """``(x (n_windows, lookback, n_channels), which (n_targets,), each series' last observed time)``:
        the windows that forecast every series after its own last observed row, ``which`` the one of
        each series (one window unless series with covariates end at different rows: see
        :func:`last_windows_by_end`); a multivariate model needs them all to end together."""
        require_channel_independent(series_spans(frame, spec.targets), frame[spec.time_col],
                                    bool(self.hparams.channel_independent))  # fmt: skip
        return last_windows_by_end(frame, spec, self.hparams.lookback, self.hparams.horizon)

    @staticmethod
    def own_forecasts(
        prediction: np.ndarray, which: np.ndarray, series: np.ndarray | None = None
    ) -> np.ndarray:
        """``prediction (n_windows, horizon, n_targets, n_quantiles)`` of :meth:`last_windows`' windows ->
        ``(horizon, n_targets, n_quantiles)``: each series' forecast from its own window; with ``series``
        (k,) target indices, those series' alone, ``(horizon, k, n_quantiles)``."""
        series = np.arange(len(which)) if series is None else series
        return prediction[which[series], :, series, :].transpose(1, 0, 2)

    def forecast_table(
        self,
        prediction: np.ndarray,
        last_times: pd.Series,
        spec: SeriesSpec,
        n: int | None = None,
        series: np.ndarray | None = None,
    ) -> pd.DataFrame:
        """``prediction (n, n_targets, n_quantiles)`` for the ``n`` steps (default: the horizon) after
        each series' last time as a wide forecast (see :func:`forecast_frame_by_series`); with ``series``
        (k,) target indices, ``prediction (n, k, n_quantiles)`` is theirs and the table holds them alone."""
        n = self.hparams.horizon if n is None else n
        targets = spec.targets if series is None else [spec.targets[i] for i in series]
        ends = last_times if series is None else last_times.iloc[series]
        return forecast_frame_by_series(prediction, ends, spec.freq, n,
                                        spec.time_col, targets, self.hparams.quantiles)  # fmt: skip

    def _forecast_window(
        self, x: np.ndarray, which: np.ndarray, series: np.ndarray | None = None
    ) -> np.ndarray:
        """Windows ``x (n_windows, lookback, n_channels)`` -> each series' forecast from its window
        ``which`` (:meth:`own_forecasts`), ``(horizon, n_targets, n_quantiles)``, in eval mode.

        ``series`` (k,) target indices: those series' forecasts alone, ``(horizon, k, n_quantiles)``, the
        network run on each one's own (window, series) row (a channel-independent model; a multivariate
        one reads every series to forecast any, so it computes them all)."""
        rows = None
        if series is not None and self.hparams.channel_independent:
            rows = torch.as_tensor(which[series] * len(which) + series, dtype=torch.long, device=self.device)
        was_training = self.training
        self.eval()
        try:
            prediction = self.forecast(torch.tensor(x, dtype=torch.float64, device=self.device), rows=rows)
        finally:
            self.train(was_training)
        return self.own_forecasts(prediction.cpu().numpy(), which, series)

    @torch.no_grad()
    def forecast_after(
        self, frame: pd.DataFrame, spec: SeriesSpec, n: int | None = None, series: Sequence[int] | None = None
    ) -> pd.DataFrame:
        """The forecast DataFrame for the ``n`` steps (default: the ``horizon``) after the last observed
        row of ``frame`` (of each series: in a ragged panel, rows a series has no forecast for are NaN).

        ``series``: the indices in ``spec.targets`` of the series to forecast (default: all); the table
        holds their columns alone (its rows their times), and a channel-independent model runs its
        network on those series alone (plotting 2 of 2,000 series forecasts 2).

        ``n <= horizon``: the first ``n`` steps of the horizon forecast. ``n > horizon``: an
        autoregressive rollout in blocks of ``horizon`` steps: each block is forecast from inputs that
        end with the previous blocks' point forecasts (the median with quantiles) as if observed, each
        series from its own end, and the first ``n`` steps are kept. A block's quantiles are
        conditional on those medians: beyond the first horizon they understate the uncertainty (the
        errors of the earlier blocks are not propagated). See :func:`check_rollable` for the inputs
        a rollout needs.
        """
        horizon = self.hparams.horizon
        n = check_steps(n, horizon)
        blocks = -(-n // horizon)  # ceil: the last block may be cut
        if blocks > 1:
            check_rollable(frame, spec, n, horizon)
        # a fix for missing known-future rows keeps predict's n of a shorter forecast (pasted without it,
        # the call asked for the whole horizon); a rollout's are named by check_rollable
        with steps_asked(n if n < horizon else None):
            x, which, last_times = self.last_windows(frame, spec)
        index = None if series is None else np.asarray(series, dtype=np.int64)
        # a multivariate model reads every series to forecast any: it forecasts all, the table keeps some
        computed = index if self.hparams.channel_independent else None
        predictions = [self._forecast_window(x, which, computed)]
        work, ends = frame, last_times
        for _ in range(blocks - 1):
            # a series not forecast stays unobserved after its end (NaN), its window never run
            point = np.full((horizon, len(spec.targets)), np.nan)
            point[:, slice(None) if computed is None else computed] = predictions[-1][..., self.point]
            work = with_forecast(work, point, ends, spec, horizon)
            x, which, ends = self.last_windows(work, spec)
            predictions.append(self._forecast_window(x, which, computed))
        prediction = np.concatenate(predictions, axis=0)[:n]  # (n, n_targets or k, n_quantiles)
        if computed is None and index is not None:
            prediction = prediction[:, index]
        return self.forecast_table(prediction, last_times, spec, n, index)

    def forecast_figure(
        self,
        history: pd.DataFrame,
        forecast: pd.DataFrame,
        spec: SeriesSpec,
        targets: list[str] | None = None,
        n_history: int | None = None,
    ):
        """The forecast plot of ``targets`` (default: the first few of ``spec.targets``) with the last
        ``n_history`` rows of ``history`` (default: ``max(3 * horizon, lookback)``)."""
        n_history = max(3 * self.hparams.horizon, self.hparams.lookback) if n_history is None else n_history
        shown = spec.targets if targets is None else targets
        return plot_forecast(history, forecast, spec.time_col, shown, self.hparams.quantiles, n_history,
                             max_panels=8 if targets is None else len(targets))  # fmt: skip

    def write_predictions(
        self,
        predictions: list,
        datamodule: ForecastDataModule,
        out_dir: Path,
        n: int | None = None,
    ) -> list[Path]:
        """``forecast.csv`` and ``forecast.png`` in ``out_dir`` from ``trainer.predict`` outputs (CLI
        ``predict``); with ``n`` (``--n``), the forecast of ``n`` steps as :meth:`forecast_after` makes it.
        ``--level`` intervals are the api's (``ssm_ts.api.forecast_intervals``), which the CLI calls."""
        spec = datamodule.spec
        if n is None:
            x, which, last_times = self.last_windows(datamodule.frame, spec)
            prediction = self.own_forecasts(torch.cat(predictions)[-len(x) :].cpu().numpy(), which)
            forecast = self.forecast_table(prediction, last_times, spec)
        else:
            forecast = self.forecast_after(datamodule.frame, spec, n=n)
        table = to_long_forecast(forecast, spec, forecast_rows_only=True) if spec.long_format else forecast
        # in the layout the series came in (long or wide); the plot drawn once the table is written
        return write_forecast_files(
            table, lambda: self.forecast_figure(datamodule.observed_frame(), forecast, spec), out_dir
        )
