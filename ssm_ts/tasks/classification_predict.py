"""Class probabilities of a :class:`~ssm_ts.tasks.classification.ClassificationTask` for whole
recordings, in memory-bounded batches, and the ``predictions.csv`` table made of them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch

if TYPE_CHECKING:
    from ssm_ts.tasks.classification import ClassificationTask

# A predict batch holds at most this many (recording x padded step x width) activations, width being
# d_model (times the channels for the 2-D S4ND encoder): the S4D encoder peaks at about 36 bytes per
# such value (measured 2.0-2.9 KiB per step at d_model 64), so a batch stays near 600 MiB. A fixed
# 64 recordings of 100,000 steps needed about 15 GiB, and the process was killed.
PREDICT_BATCH_VALUES = 2**24


def predict_batch_rows(task: ClassificationTask, length: int, batch_size: int = 64) -> int:
    """Recordings per predict batch when they are padded to ``length`` steps: ``batch_size``, or fewer
    so that the batch's activations stay within :data:`PREDICT_BATCH_VALUES` (at least one)."""
    options = dict(task.hparams.model_options or {})
    if task.closed_form:  # random features: the float64 input copy; the transform keeps its own budget
        width = int(task.hparams.n_channels or 1)
    else:
        width = int(options.get("d_model", 64))
        if task.hparams.model == "s4nd2d":  # activations over channels x time
            width *= int(task.hparams.n_channels or 1)
    return max(1, min(batch_size, PREDICT_BATCH_VALUES // max(1, width * length)))


@torch.no_grad()
def predict_series(
    task: ClassificationTask,
    values: list[np.ndarray],
    batch_size: int = 64,
    rate: Any = None,
    log: bool = False,
) -> np.ndarray:
    """Class probabilities ``(n, n_classes)`` (float64, rows sum to 1) for ``(channels, length_i)``
    recordings, in eval mode. Recordings go in order of length, at most ``batch_size`` at a time and
    fewer when they are long (:func:`predict_batch_rows`); rows come back in the order given (a
    recording's probabilities do not depend on its batch: padding is masked). ``rate``: training
    sample rate / the recordings' rate for this call (``None``: the task's ``hparams.rate``). ``log``:
    their logs instead (:func:`log_probabilities`: finite where a probability underflows to 0)."""
    from ssm_ts.models.random_ssm_features import check_rate
    from ssm_ts.pipelines.sensor import pad_batch

    saved_rate = task.hparams.rate
    if rate is not None:
        task.hparams.rate = check_rate(rate)
    was_training = task.training
    task.eval()
    order = np.argsort([v.shape[1] for v in values], kind="stable")
    out = np.empty((len(values), len(task.classes)), dtype=np.float64)
    log_out = np.empty_like(out) if log else None
    try:
        start = 0
        while start < len(values):
            # the longest of the next batch_size recordings sets how many of them fit
            longest = values[order[min(len(values), start + batch_size) - 1]].shape[1]
            rows = order[start : start + predict_batch_rows(task, longest, batch_size)]
            x, mask = pad_batch([values[i] for i in rows])
            x_t = torch.from_numpy(x).to(task.device)
            mask_t = torch.from_numpy(mask).to(task.device)
            if log:
                proba, log_proba = task.predict_proba_and_log(x_t, mask_t)
                log_out[rows] = log_proba.numpy()
            else:
                proba = task.predict_proba(x_t, mask_t)
            out[rows] = proba.cpu().numpy()
            start += len(rows)
    finally:
        task.train(was_training)
        task.hparams.rate = saved_rate
    # renormalised in float64: a float32 softmax sums to 1 only within ~1e-7, and scikit-learn's
    # log_loss warns at ~1.5e-8
    out /= out.sum(axis=1, keepdims=True)
    return out if log_out is None else log_probabilities(out, log_out)


def log_probabilities(proba: np.ndarray, log_softmax: np.ndarray) -> np.ndarray:
    """``predict_log_proba`` ``(n, n_classes)`` float64 from ``predict_proba`` and the log-softmax of the
    same scores: ``log(proba)`` (to the bit, as scikit-learn's classifiers take it) wherever ``proba`` is
    a normal float64, the log-softmax where it is subnormal or underflowed to 0 (scores over ~708
    apart), which ``log`` would give imprecisely or as ``-inf``."""
    normal = proba >= np.finfo(np.float64).tiny
    with np.errstate(divide="ignore"):
        return np.where(normal, np.log(np.where(normal, proba, 1.0)), log_softmax)


def prediction_frame(
    probabilities: np.ndarray, classes: list[str], ids: list[str], labels: np.ndarray | None = None
) -> pd.DataFrame:
    """A DataFrame ``id, predicted, p_<class>..., [label]``."""
    frame = pd.DataFrame({"id": list(ids), "predicted": [classes[i] for i in probabilities.argmax(1)]})
    for j, name in enumerate(classes):
        frame[f"p_{name}"] = probabilities[:, j]
    if labels is not None:
        frame["label"] = list(labels)
    return frame
