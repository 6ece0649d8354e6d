"""Confusion matrices of a classifier: counts, a matplotlib figure, and the figure logged to MLflow."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import lightning.pytorch as pl
    from matplotlib.figure import Figure

    from ssm_ts.tasks.classification import ClassificationTask


def confusion_counts(classes: list[str], predicted: list[str], actual: list[str]) -> np.ndarray:
    """(n_classes, n_classes) counts: rows are true classes, columns predicted ones."""
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(actual, predicted, labels=classes)


def confusion_figure(matrix: np.ndarray, classes: list[str], title: str) -> Figure:
    """A matplotlib figure of a confusion matrix with counts in the cells."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    size = max(4.0, 0.5 * len(classes) + 2)
    figure, axis = plt.subplots(figsize=(size, size))
    axis.imshow(matrix, cmap="Blues")
    axis.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    axis.set_yticks(range(len(classes)), classes)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    axis.set_title(title)
    # white on the dark cells, as scikit-learn's ConfusionMatrixDisplay: black on them was unreadable
    dark = matrix.max() / 2 if matrix.size and matrix.max() > 0 else np.inf
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            color = "white" if matrix[i, j] > dark else "black"
            axis.text(j, i, int(matrix[i, j]), ha="center", va="center", fontsize=8, color=color)
    figure.tight_layout()
    return figure


def log_confusion_matrix(loggers: list, matrix: np.ndarray, classes: list[str], split: str) -> None:
    """Log :func:`confusion_figure` of ``matrix`` (n_classes, n_classes), titled with ``split`` and its
    accuracy, as ``plots/confusion_matrix_<split>.png`` to each MLflow logger of ``loggers``."""
    import matplotlib.pyplot as plt

    from ssm_ts.tracking.logger import log_figure

    accuracy = float(np.trace(matrix) / max(matrix.sum(), 1))
    figure = confusion_figure(matrix, classes, f"{split} confusion matrix (accuracy {accuracy:.3f})")
    for logger in loggers:
        log_figure(logger, figure, f"plots/confusion_matrix_{split}.png")
    plt.close(figure)


def _mlflow_loggers(trainer: pl.Trainer) -> list:
    from lightning.pytorch.loggers import MLFlowLogger

    return [lg for lg in trainer.loggers if isinstance(lg, MLFlowLogger)]


def log_test_confusion(task: ClassificationTask) -> None:
    """Log the test confusion matrix of ``task`` (a ``ClassificationTask`` at the end of its test
    epoch) as an image to MLflow, when the trainer logs there (rank 0 only). Under DDP its ``compute``
    gathers every rank's counts (a collective), so every rank calls it: computed on rank 0 alone, it was
    paired with the other ranks' next collective (the epoch's metrics): ``test`` under ``ddp_spawn`` hung,
    or failed with gloo's "Connection closed by peer"."""
    loggers = _mlflow_loggers(task.trainer)
    if not loggers:
        return
    matrix = task.test_confusion.compute().cpu().numpy()
    if task.trainer.global_rank == 0:
        log_confusion_matrix(loggers, matrix, task.classes, "test")


def log_fit_confusion(task: ClassificationTask) -> None:
    """Log the confusion matrix of the fitted ``task`` on its data module's validation split (the
    training split without one) to MLflow, when the trainer logs there (rank 0 only)."""
    from ssm_ts.pipelines.sensor import SensorDataModule
    from ssm_ts.tasks.classification_predict import predict_series

    datamodule = getattr(task.trainer, "datamodule", None)
    loggers = _mlflow_loggers(task.trainer)
    if not loggers or task.trainer.global_rank != 0 or not isinstance(datamodule, SensorDataModule):
        return
    data = datamodule.val_set if datamodule.val_set is not None else datamodule.train_set
    split = "val" if datamodule.val_set is not None else "train"
    probabilities = predict_series(task, data.values)
    matrix = confusion_counts(
        task.classes, [task.classes[i] for i in probabilities.argmax(1)], list(data.labels)
    )
    log_confusion_matrix(loggers, matrix, task.classes, split)
