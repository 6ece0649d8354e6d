"""What a :class:`~ssm_ts.tasks.classification.ClassificationTask` leaves behind: the confusion
matrices it logs to MLflow, the ``predictions.csv`` of a predict, and the pyfunc model of an export."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch

from ssm_ts.atomic import atomic_path
from ssm_ts.pipelines.sensor import SensorDataModule
from ssm_ts.tasks.classification_confusion import log_fit_confusion, log_test_confusion
from ssm_ts.tasks.classification_export import pyfunc_example_and_signature, pyfunc_model
from ssm_ts.tasks.classification_predict import prediction_frame


class ClassificationOutputs:
    """``ClassificationTask`` mix-in (list it before ``pl.LightningModule``): confusion-matrix images,
    prediction files and the MLflow pyfunc hooks the CLI calls."""

    def on_test_epoch_end(self) -> None:
        """Log the test confusion matrix image to MLflow (when logging)."""
        log_test_confusion(self)

    def on_fit_end(self) -> None:
        """Log the validation confusion matrix of the fitted model to MLflow (one image per fit)."""
        log_fit_confusion(self)

    def write_predictions(self, predictions: list, datamodule: SensorDataModule, out_dir: Path) -> list[Path]:
        """``predictions.csv`` (id, predicted label, one probability column per class, the true label if known);
        for a stream's windows (``--data.window``) also each window's group, start and end after the id."""
        probabilities = torch.cat(predictions).cpu().numpy()
        data = datamodule.predict_set
        frame = prediction_frame(probabilities, self.classes, data.ids, data.labels)
        spans = getattr(datamodule, "predict_spans", None)  # a stream's windows: where each lies in it
        if spans is not None:
            frame = pd.concat([frame[["id"]], spans, frame.drop(columns="id")], axis=1)
        target = Path(out_dir) / "predictions.csv"
        with atomic_path(target) as tmp:
            frame.to_csv(tmp, index=False)
        return [target]

    def mlflow_pyfunc(self, datamodule: SensorDataModule, export_dir: Path):
        """``(python_model, artifacts)``: the export folder behind a labels-and-probabilities pyfunc.
        Its extras keep the training recordings' sampling step (``fit_sampling_step``, ``None``
        without times or data module): the pyfunc warns for inputs sampled at another step; and the
        fit's ``nan_policy`` (``data.nan_policy``): the pyfunc fills missing values as the fit did.
        The config keeps the channel names (``channel_names``): a long DataFrame's columns are
        matched by name."""
        return pyfunc_model(self, datamodule, export_dir)

    def mlflow_example_and_signature(self, datamodule: SensorDataModule):
        """``(input example, signature)`` of the pyfunc :meth:`mlflow_pyfunc` logs: the fit's first
        training recording as an array ``(1, channels, steps)`` (its first steps when long, see
        :func:`~ssm_ts.tracking.pyfunc_classify.classifier_input_example`), and the output columns
        with the params ``rate`` (default 1) and ``nan_policy`` (default the fit's ``data.nan_policy``).
        Without an example MLflow warns on every logged model."""
        return pyfunc_example_and_signature(self, datamodule)
