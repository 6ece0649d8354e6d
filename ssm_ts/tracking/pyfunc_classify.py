"""The fitted classifier as an MLflow pyfunc: recordings in, labels and class probabilities out.

The MLflow model holds the ssm-ts export folder (config JSON + safetensors) as its artifact
``classifier``; loading never unpickles weights, and the model is logged *from code*
(:func:`write_model_code`), so no pickled Python object is stored either.

Input: a long DataFrame (columns ``id``, optional ``time``, one column per channel), an sktime/aeon
``nested_univ`` DataFrame (a column per channel, each cell a whole series; its index gives the ids),
an sktime ``pd-multiindex`` DataFrame (rows indexed by (recording id, time point), a column per
channel), a NumPy array ``(n, channels, length)``, or a list of ``(channels, length_i)`` arrays. A model fitted on named
channels (a CSV's columns; the export's ``channel_names``) takes a DataFrame's channel columns by
name, in any order (a missing or unknown one is a :class:`~ssm_ts.errors.DataError` naming them and the
expected names); arrays, and DataFrames given to a model fitted without names, go by position.

Output: a DataFrame ``id, predicted, p_<class>...``, one row per recording in input order (a
DataFrame's: the order its ids first appear; ``time`` orders only the rows within a recording);
``id`` names each row's recording (an array's: ``0, 1, ...``).

``params={"rate": r}`` (declared in the signature, default 1) classifies recordings sampled at another
rate than the training ones: ``r`` = training sample rate / their rate (0.5 for twice the rate), as
``SSMClassifier.predict(X, rate=r)`` takes it; a served model takes ``{"inputs": ..., "params":
{"rate": 0.5}}``. A model logged before the signature declared ``rate`` ignores it (MLflow drops
undeclared params with a warning): log it again.

Missing values (NaN) are handled as the fit's ``data.nan_policy`` (kept in the export extras;
``"error"`` for models exported before it was kept); ``params={"nan_policy": "interpolate"}`` (or
``"zero"``, ``"error"``; declared in the signature) chooses another for one call.

A long DataFrame's ``time`` column (numbers or dates) orders each recording's rows and gives their
sampling step, as the sensor readers find it: when the export keeps the training step (a fit on
data with times) and the step differs without the matching ``rate``, predict warns
(:class:`~ssm_ts.pipelines.sensor.SamplingStepWarning`, naming both steps and the rate to pass) and
answers all the same. Arrays carry no times and are not checked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mlflow
import numpy as np
import pandas as pd

from ssm_ts.tracking.request_errors import answered_as_bad_request

_GAP_FIX = 'pass params={"nan_policy": "interpolate"} (or "zero")'  # a time gap's missing steps, filled

if TYPE_CHECKING:
    from ssm_ts.pipelines.sensor import SeriesSet


def recordings_from_input(
    model_input: Any, nan_policy: str = "error", channel_names: list[str] | None = None
) -> SeriesSet:
    """The recordings (``.values`` ``(channels, length_i)``, ``.ids``) of a long DataFrame, a
    ``nested_univ`` or ``pd-multiindex`` DataFrame, an array or a list of arrays, named ``"pyfunc
    input"``. A long DataFrame's ``time`` column gives their ``sampling_step`` as a long CSV's does
    (``None`` without one, or for the other inputs).

    A DataFrame's recordings come in the order their ids first appear (with or without ``time``,
    which orders only the rows within a recording), so output row ``i`` is the ``i``-th id of the
    input. Every column besides ``id``, ``time`` and ``label`` is a channel: put in the order of
    ``channel_names`` (the model's, when it was fitted on named channels), else in column order.
    ``nan_policy`` (``"error"``, ``"interpolate"``, ``"zero"``) handles missing values as a fit does.

    Raises:
        DataError: no ``id`` column, an empty id, a channel column holding text that is not a number,
            a channel of ``channel_names`` missing or one not among them, or NaN under ``"error"``.
    """
    from ssm_ts.errors import DataError
    from ssm_ts.pipelines.sensor import channel_order, make_series_set
    from ssm_ts.pipelines.sensor.nested import (
        is_multiindex_frame,
        is_nested_frame,
        read_multiindex_frame,
        read_nested_frame,
    )
    from ssm_ts.pipelines.sensor.sampling_step import file_step, parse_times, recording_step
    from ssm_ts.pipelines.sensor.time_gaps import place_gaps, warn_of_gaps

    source = "pyfunc input"
    nan_fix = (
        'pass params={"nan_policy": "interpolate"} (linear in time) or {"nan_policy": "zero"} to predict, '
        "or clean the data"
    )
    if not isinstance(model_input, pd.DataFrame):
        _check_recordings_kind(model_input)
        return make_series_set(model_input, nan_policy=nan_policy, source=source, nan_fix=nan_fix)
    multiindex = is_multiindex_frame(model_input)  # sktime pd-multiindex: (recording, time point) rows
    if multiindex or is_nested_frame(model_input):  # sktime/aeon nested_univ: a series per cell
        read = read_multiindex_frame if multiindex else read_nested_frame
        values, names, ids, step = read(model_input, source, nan_policy, _GAP_FIX)
        if channel_names is not None:  # by name, as a long frame's columns
            fix = "pass a column per training channel"
            values = [v[channel_order(names, channel_names, source, fix)] for v in values]
        return make_series_set(
            values, nan_policy=nan_policy, source=source, ids=ids, sampling_step=step, nan_fix=nan_fix
        )
    if len(model_input) == 0:  # a served {"dataframe_records": []}: no columns either, so not "needs an 'id'"
        raise DataError(
            "pyfunc input: the DataFrame has no rows, so no recordings to classify; send recordings "
            "(n, channels, length) as {\"inputs\": [[[...], ...]]}, or a long table with an 'id' column, "
            "an optional 'time' column and a column per channel."
        )
    if "id" not in model_input.columns:
        raise DataError(
            f"the input DataFrame needs an 'id' column naming each recording (long format); "
            f"found {list(model_input.columns)}"
        )
    frame = model_input.reset_index(drop=True)  # index = row position, for the messages and the order
    empty = np.flatnonzero(frame["id"].isna().to_numpy())
    if len(empty):  # groupby would drop these rows silently
        raise DataError(
            f"the input DataFrame's 'id' column is empty on {len(empty)} row(s), positions "
            f"{empty[:10].tolist()}; every row needs the id of its recording."
        )
    timed = "time" in frame.columns
    channels = [c for c in frame.columns if c not in ("id", "time", "label")]
    if channel_names is not None:  # by name, before any column is read as numbers
        fix = "pass the id, time and channel columns (frame[['id', 'time', *channels]])"
        channels = [channels[i] for i in channel_order(channels, channel_names, source, fix)]
    numbers = _channel_numbers(frame, channels)
    times = parse_times(frame["time"]) if timed else None  # None: neither numbers nor dates
    if timed and times is None:
        _check_text_times(frame["time"])
    # sort=False: groups in the order their ids first appear, as the rows of the output
    grouped = frame.groupby("id", sort=False)
    values, ids, steps, gapped = [], [], [], []
    for rec_id, group in grouped:
        rows = grouped.indices[rec_id]
        if timed:  # the recording's rows in time order (stable: equal times keep input order)
            key = pd.Series(times[rows]) if times is not None else group["time"]
            rows = rows[np.argsort(key.rank(method="first", na_option="bottom").to_numpy(), kind="stable")]
        cells = frame["time"].iloc[rows].tolist() if timed else []
        recording, gap = place_gaps(
            numbers[rows].T, None if times is None else times[rows], cells, nan_policy
        )
        values.append(recording)  # gaps in the times: missing steps inserted for nan_policy, or warned of
        ids.append(str(rec_id))
        steps.append(None if times is None else recording_step(times[rows]))
        if gap is not None:
            gapped.append((f"recording {rec_id!r}", gap))
    warn_of_gaps(source, gapped, _GAP_FIX)
    step = file_step(steps, ids, source)
    return make_series_set(
        values, nan_policy=nan_policy, source=source, ids=ids, sampling_step=step, nan_fix=nan_fix
    )


def _check_text_times(cells: pd.Series) -> None:
    """Step names whose text order is not their numbers' (``t1``, ..., ``t10``) are a DataError: the rows
    are sorted by time, as text, so ``t10`` would come before ``t2``."""
    from ssm_ts.errors import DataError
    from ssm_ts.pipelines.sensor.frame_times import numbered_text_out_of_order

    labels = pd.Index(cells.dropna().astype(str).unique())
    if numbered_text_out_of_order(labels):
        raise DataError(
            f"pyfunc input: the 'time' column holds step names ({labels[0]!r}, ...) that sort as text ('t10' "
            "before 't2'), so the steps would be read out of order; send the times as numbers, e.g. "
            r"""df["time"] = df["time"].str.extract(r"(\d+)", expand=False).astype(int)"""
        )


def _check_recordings_kind(model_input: Any) -> None:
    """A file path, a dict or a single value is not recordings: iterated, a path was 'values are not
    numeric ('B')', a dict its keys, and None (a served ``{"inputs": null}``) or a number a TypeError
    (HTTP 500, "unexpected error"). Raises a DataError naming what was given and what to pass."""
    from ssm_ts.errors import DataError

    single = np.isscalar(model_input) and not isinstance(model_input, (str, bytes))
    if model_input is None or single or (isinstance(model_input, np.ndarray) and model_input.ndim == 0):
        raise DataError(
            f"pyfunc input is a single value ({model_input!r}), not recordings; pass an array (n, channels, "
            'length), a list of (channels, length_i) arrays or a DataFrame (served: {"inputs": <array>}).'
        )
    if isinstance(model_input, (str, bytes, os.PathLike)):
        raise DataError(
            f"pyfunc input is a file path ({model_input!r}), not recordings; read the file first, e.g. "
            "ssm_ts.pipelines.sensor.read_series(path).values, and pass those (or classify files with "
            "ssm-ts classify predict --ckpt_path ... --data.path FILE)."
        )
    if isinstance(model_input, dict):
        raise DataError(
            f"pyfunc input is a dict (keys {list(model_input)[:10]}); pass the recordings themselves: an array "
            "(n, channels, length), a list of (channels, length_i) arrays or a DataFrame (served: "
            '{"inputs": <array>} or {"dataframe_split": <long frame>}).'
        )


def _channel_numbers(frame: pd.DataFrame, channels: list[str]) -> np.ndarray:
    """``frame[channels]`` as float64 ``(rows, channels)``; a cell that is not a number (a text column
    such as ``subject``, or a stray ``'oops'``) is a :class:`DataError` naming its column, value and row."""
    from ssm_ts.errors import DataError

    columns = []
    for name in channels:
        column = frame[name]
        converted = pd.to_numeric(column, errors="coerce")
        bad = np.flatnonzero((converted.isna() & column.notna()).to_numpy())
        if len(bad):
            raise DataError(
                f"pyfunc input: column {name!r} holds {column.iloc[bad[0]]!r} (row {bad[0]}, {len(bad)} such "
                f"row(s)), not a number. Every column besides 'id', 'time' and 'label' is taken as a channel, "
                f"in order ({channels}): drop the columns that are not channels "
                f"(frame.drop(columns=[{name!r}])), or pass only the id, time and channel columns "
                f"(frame[['id', 'time', <channels in training order>]])."
            )
        columns.append(converted.to_numpy(dtype=np.float64, na_value=np.nan))
    return np.stack(columns, axis=1) if columns else np.empty((len(frame), 0))


class ClassifierPyfunc(mlflow.pyfunc.PythonModel):
    """``mlflow.pyfunc.load_model(uri).predict(recordings) -> DataFrame(id, predicted, p_<class>...)``."""

    def load_context(self, context) -> None:
        from ssm_ts.pipelines.sensor.sampling_step import step_from_state
        from ssm_ts.tasks.classification import load_classifier_export

        self.task, extras = load_classifier_export(context.artifacts["classifier"])
        # the training recordings' step (None: fitted without times, or exported before it was kept)
        self.fit_sampling_step = step_from_state(extras.get("fit_sampling_step"))
        self.nan_policy = extras.get("nan_policy", "error")  # the fit's; "error" in older exports

    # No type hints on predict: inputs are arrays, ragged lists or long DataFrames, and any hint makes
    # MLflow infer and enforce a schema. MLflow then warns "Add type hints" once per process through a
    # filter of its own that no warnings filter can override; this flag (the one MLflow's own ChatModel
    # uses) tells it that skipping type-hint validation is deliberate.
    _skip_type_hint_validation = True

    def predict(self, context, model_input, params=None):
        """``params={"rate": r}``: recordings at another sample rate (training rate / theirs). A
        long DataFrame whose times show another step than the training one warns unless ``r`` matches.
        ``params={"nan_policy": p}``: missing values handled by ``p`` instead of the fit's policy."""
        with answered_as_bad_request():  # served: an HTTP 400 naming the problem, not "unexpected error"
            return self._predict(model_input, params or {})

    def _predict(self, model_input, params: dict) -> pd.DataFrame:
        from ssm_ts.models.random_ssm_features import check_rate
        from ssm_ts.pipelines.sensor import check_sampling_step
        from ssm_ts.tasks.classification import predict_series, prediction_frame

        rate = check_rate(params.get("rate", 1.0))  # a bad rate: its error, before any warning
        nan_policy = _checked_nan_policy(params.get("nan_policy") or getattr(self, "nan_policy", "error"))
        names = self.task.hparams.get("channel_names")  # None: fitted without names, or exported before
        data = recordings_from_input(
            model_input, nan_policy, names if isinstance(model_input, pd.DataFrame) else None
        )
        check_channel_count(model_input, data, self.task.hparams.n_channels)
        check_sampling_step(
            getattr(self, "fit_sampling_step", None),
            data.sampling_step,
            rate,
            source=data.source,
            fix='params={{"rate": {rate}}}',
        )
        probabilities = predict_series(self.task, data.values, rate=rate)
        return prediction_frame(probabilities, self.task.classes, data.ids)


def check_channel_count(model_input: Any, data: SeriesSet, n_channels: int) -> None:
    """Refuse recordings with another channel count than the model's, saying how the input was read:
    a long DataFrame's channels are its columns besides ``id``, ``time`` and ``label`` (an extra column
    such as ``subject`` is one), and a 2-D array is ``(n, length)``, one channel per recording, so one
    recording ``(channels, length)`` sent without its batch axis reads as ``channels`` recordings.
    Other mismatches are left to the model's own error (with its transposed-layout hint)."""
    from ssm_ts.errors import DataError
    from ssm_ts.pipelines.sensor.nested import is_multiindex_frame, is_nested_frame
    from ssm_ts.wording import counted

    if data.n_channels == n_channels:
        return
    if isinstance(model_input, pd.DataFrame) and not (
        is_multiindex_frame(model_input) or is_nested_frame(model_input)
    ):
        columns = [c for c in model_input.columns if c not in ("id", "time", "label")]
        raise DataError(
            f"pyfunc input: the DataFrame has {counted(len(columns), 'channel column')} {columns} (every column "
            f"besides 'id', 'time' and 'label' is a channel), but the classifier was fitted on "
            f"{counted(n_channels, 'channel')}; pass only the id, time and the "
            f"{counted(n_channels, 'channel column')}, in training order."
        )
    if _series_rows(model_input) and len(data.values) == n_channels:
        raise DataError(
            f"pyfunc input: a 2-D array (or a list of 1-D series) is read as recordings (n, length) of one "
            f"channel, {n_channels} of them here, but the classifier was fitted on {n_channels} channels. For one recording "
            "(channels, length), add the recordings axis: X[None], shape (1, channels, length) "
            '(served: {"inputs": [<recording>]}, one more pair of brackets).'
        )


def _series_rows(model_input: Any) -> bool:
    """Whether ``model_input`` is a 2-D array or a list of 1-D series: one channel per recording."""
    if isinstance(model_input, np.ndarray):
        return model_input.ndim == 2
    return isinstance(model_input, (list, tuple)) and all(np.ndim(item) == 1 for item in model_input)


def _checked_nan_policy(policy: Any) -> str:
    from ssm_ts.errors import ConfigError
    from ssm_ts.pipelines.sensor.series import NAN_POLICIES

    if policy not in NAN_POLICIES:
        raise ConfigError(f'params={{"nan_policy": {policy!r}}}: expected one of {list(NAN_POLICIES)}.')
    return str(policy)


def classifier_signature(classes: list[str], nan_policy: str = "error"):
    """The signature of the classifier pyfunc: no input schema (arrays, ragged lists and long
    DataFrames all go in; MLflow would drop the columns a schema does not name), the output columns
    ``id, predicted, p_<class>...``, and the optional params ``rate`` (a double, default 1.0) and
    ``nan_policy`` (a string, default the fit's ``nan_policy``)."""
    from mlflow.models import ModelSignature
    from mlflow.types.schema import ColSpec, ParamSchema, ParamSpec, Schema

    outputs = Schema(
        [ColSpec("string", "id"), ColSpec("string", "predicted")]
        + [ColSpec("double", f"p_{name}") for name in classes]
    )
    return ModelSignature(
        inputs=None,
        outputs=outputs,
        params=ParamSchema([ParamSpec("rate", "double", 1.0), ParamSpec("nan_policy", "string", nan_policy)]),
    )


# The logged model's input example holds at most this many values (channels x steps): MLflow stores it
# as JSON text beside the model, so a long recording (16,000 steps a second of audio) is cut short.
EXAMPLE_VALUES = 4096


def classifier_input_example(recording: np.ndarray) -> np.ndarray:
    """The logged pyfunc's input example: an array ``(1, channels, steps)`` holding the first steps of
    ``recording`` ``(channels, length)``, at most :data:`EXAMPLE_VALUES` values (at least one step).
    The pyfunc takes recordings of any length (padding is masked; random features with shift kernels
    and the 2-D S4ND encoder too), so a cut recording is still one it predicts on."""
    channels, length = recording.shape
    steps = max(1, min(length, EXAMPLE_VALUES // channels))
    return np.ascontiguousarray(recording[None, :, :steps], dtype=np.float64)


_MODEL_CODE = """# MLflow models-from-code entry point written by ssm-ts: builds the classifier pyfunc.
import mlflow

from ssm_ts.tracking.pyfunc_classify import ClassifierPyfunc

mlflow.models.set_model(ClassifierPyfunc())
"""


def write_model_code(directory: str | os.PathLike) -> str:
    """Write the models-from-code script into ``directory``; return its path for ``log_model``."""
    path = Path(directory) / "classify_pyfunc_model.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_MODEL_CODE)
    return str(path)
