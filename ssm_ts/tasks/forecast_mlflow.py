"""What a forecasting fit logs to MLflow: the forecast plot at the fit's end and the model as a pyfunc
(:class:`ForecastMLflow`, mixed into the task). The pyfunc's input example and signature are the
``Forecaster``'s, so the CLI, above the api, describes it (``ssm_ts.cli.fit_outputs``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.pipelines.forecasting.datamodule_features import save_features
from ssm_ts.tasks.conformal_storage import save_scores
from ssm_ts.tasks.forecast_export import save_forecast_export


class ForecastMLflow:
    """MLflow outputs of :class:`~ssm_ts.tasks.forecasting.ForecastingTask` (mixed into it)."""

    def on_fit_end(self) -> None:
        """Log the forecast plot (history tail + forecast after the last row) to an MLflow run."""
        from lightning.pytorch.loggers import MLFlowLogger

        from ssm_ts.tracking.logger import log_figure

        datamodule = getattr(self.trainer, "datamodule", None)
        loggers = [lg for lg in self.trainer.loggers if isinstance(lg, MLFlowLogger)]
        if not loggers or not isinstance(datamodule, ForecastDataModule) or self.trainer.global_rank != 0:
            return
        frame, spec = datamodule.observed_frame(), datamodule.spec
        if spec.future_covariates:
            # Known-future inputs exist only up to the last row: plot a forecast of the last horizon instead.
            frame = frame.copy()
            frame.loc[frame.index[-self.hparams.horizon :], spec.targets] = np.nan
        forecast = self.forecast_after(frame, spec)
        figure = self.forecast_figure(datamodule.observed_frame(), forecast, spec)
        for logger in loggers:
            log_figure(logger, figure, "plots/forecast.png")
        import matplotlib.pyplot as plt

        plt.close(figure)

    def _fit_settings(self, datamodule: ForecastDataModule) -> dict[str, Any]:
        """The data and trainer settings of this fit that the task's hyperparameters lack, so an export
        written by the CLI refits (``Forecaster.load(...).fit(...)``) with the split and budget it had."""
        settings = {
            key: getattr(datamodule, key) for key in ("split", "fractions", "boundaries", "batch_size")
        }
        trainer = self._trainer
        if trainer is not None and trainer.max_epochs is not None and trainer.max_epochs > 0:
            settings["max_epochs"] = trainer.max_epochs
        return settings

    def mlflow_pyfunc(self, datamodule: ForecastDataModule, export_dir: Path):
        """``(python_model, artifacts)`` for MLflow: the export folder behind a DataFrame-in, forecast-out pyfunc."""
        from ssm_ts.atomic import atomic_directory
        from ssm_ts.tracking.pyfunc_forecast import write_model_code

        scores = self.conformal_for(datamodule.spec)
        with atomic_directory(export_dir) as tmp:  # the export and its conformal scores together
            # with the trailing rows of known-future covariates, as Forecaster.save keeps them: a loaded
            # CLI model's predict() without data needs them (it failed with "found 0")
            # (a statics-only model's: its statics over the horizon); its per-series inputs beside it
            save_forecast_export(tmp, self, datamodule.spec, datamodule.observed_frame(),
                                 settings=self._fit_settings(datamodule),
                                 future=datamodule.saved_future_rows())  # fmt: skip
            save_features(tmp, datamodule.series_features)
            if scores is not None:
                save_scores(tmp, scores, datamodule.spec.targets)
        return write_model_code(Path(export_dir).parent / "pyfunc_code"), {"forecaster": str(export_dir)}
