"""The fitted waveform model as an MLflow pyfunc: a request table in, generated audio out.

The MLflow model holds the ssm-ts export folder (config JSON + safetensors) as its artifact
``waveform_model``; loading never unpickles weights. Input: a DataFrame with one row per request
and columns ``seconds`` (required), ``temperature``, ``top_p``, ``seed``, ``clip`` (optional). Output: a
DataFrame with one row per generated clip, ``audio`` holding a list of floats in [-1, 1] and
``sample_rate``. A row with ``seed`` s and ``clip`` i (default 0) generates clip i of seed s, the clip
``WaveformGenerator.generate(n, ..., seed=s)[i]`` and ``ssm-ts audio generate --seed s`` give.

The logged model declares its output in a signature (:func:`request_signature`; the request columns
are left undeclared so that ``predict`` can refuse a misspelt one) and carries an input example
(:func:`request_example`), which ``mlflow models serve`` shows as ``serving_input_example.json``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.tracking.request_errors import answered_as_bad_request
from ssm_ts.tracking.request_frames import request_frame

REQUEST_COLUMNS = ("seconds", "temperature", "top_p", "seed", "clip")
# what a request holds, for the error on a single value or text
EXPECTED_REQUEST = (
    "one row per clip with a 'seconds' column (optional: 'temperature', 'top_p', 'seed', 'clip'), e.g. "
    '{"dataframe_records": [{"seconds": 0.5}]} or {"inputs": {"seconds": [0.5, 1.0]}}'
)
# the example request's clip length: short, because MLflow generates it once when the model is logged
# (it checks that the example can be served)
EXAMPLE_SECONDS = 0.05


class WaveformPyfunc(mlflow.pyfunc.PythonModel):
    """``mlflow.pyfunc.load_model(uri).predict(pd.DataFrame({"seconds": [0.5, 1.0]}))``."""

    def load_context(self, context) -> None:
        from ssm_ts.api.waveform import WaveformGenerator

        self.generator = WaveformGenerator.load(context.artifacts["waveform_model"])

    def predict(
        self, context, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        with answered_as_bad_request():
            return self._generate(model_input)

    def _generate(self, model_input: pd.DataFrame) -> pd.DataFrame:
        frame = request_frame(model_input, EXPECTED_REQUEST)
        frame = pd.DataFrame() if frame is None else frame
        # a served {"dataframe_records": []}; not a row without columns ([{}]: a clip of no length given)
        if len(frame) == 0 and "seconds" not in frame.columns:
            return pd.DataFrame(columns=["audio", "sample_rate"])
        if "seconds" not in frame.columns:
            raise DataError(
                f"the request needs a 'seconds' column; got columns {list(frame.columns)}. Send {EXPECTED_REQUEST}."
            )
        # through a loaded model with request_signature(), MLflow has already dropped such columns (with a
        # warning); this check answers direct callers and models saved without the signature
        unknown = [c for c in frame.columns if c not in REQUEST_COLUMNS]
        if unknown:  # a misspelt 'temprature' was ignored: the clip sampled at the default, silently
            raise DataError(
                f"unknown request column(s) {unknown}; a request row takes "
                f"{', '.join(repr(c) for c in REQUEST_COLUMNS)} (only 'seconds' is required)"
            )
        requests = []  # (row, seconds, generate's options) of each row, all read before generating
        for i, (_, row) in enumerate(frame.iterrows()):
            seconds = _number(row, i, "seconds", required=True)
            temperature = _number(row, i, "temperature")
            options = {
                "temperature": 1.0 if temperature is None else temperature,
                "top_p": _number(row, i, "top_p"),
                "seed": _number(row, i, "seed"),
            }
            if options["seed"] is not None and float(options["seed"]).is_integer():
                options["seed"] = int(options["seed"])  # a seed column with gaps arrives as floats
            clip = _number(row, i, "clip")
            if clip is not None:
                if options["seed"] is None:
                    raise DataError(
                        f"request row {i}: 'clip' picks a clip of a seed; give the row a 'seed' too"
                    )
                if not clip.is_integer() or clip < 0:
                    raise DataError(
                        f"request row {i}, column 'clip': {clip:g} is not a clip index (0, 1, 2, ...)"
                    )
                options["first_clip"] = int(clip)
            requests.append((i, seconds, options))
        rows = []
        for i, seconds, options, n in _batches(requests):
            try:
                audio = self.generator.generate(n, seconds, **options)
            except ConfigError as err:
                raise ConfigError(f"request row {i}: {err}") from err
            rows += [{"audio": clip.tolist(), "sample_rate": self.generator.sample_rate} for clip in audio]
        return pd.DataFrame(rows, columns=["audio", "sample_rate"])  # the columns also for no rows


# rows generated at once: one clip at a time ran about 8x slower than 16 together on a CPU
MAX_BATCH = 32


def _batches(
    requests: list[tuple[int, float, dict[str, Any]]],
) -> list[tuple[int, float, dict[str, Any], int]]:
    """Consecutive request rows that one ``generate(n, ...)`` call gives as they are, as
    ``(first row, seconds, options, n)``: the same settings, and with a seed, clips that follow on
    (``clip`` 0, 1, 2, ...: a seeded clip is the same in any batch). Unseeded rows draw from torch's
    generator either way."""
    batches: list[tuple[int, float, dict[str, Any], int]] = []
    for i, seconds, options in requests:
        if batches:
            first, first_seconds, first_options, n = batches[-1]
            follows = first_options["seed"] is None or (
                options.get("first_clip", 0) == first_options.get("first_clip", 0) + n
            )
            same = seconds == first_seconds and _settings(options) == _settings(first_options)
            if same and follows and n < MAX_BATCH:
                batches[-1] = (first, first_seconds, first_options, n + 1)
                continue
        batches.append((i, seconds, options, 1))
    return batches


def _settings(options: dict[str, Any]) -> dict[str, Any]:
    """generate's options but the clip index: what the rows of one batch share."""
    return {k: v for k, v in options.items() if k != "first_clip"}


def _number(row: pd.Series, i: int, column: str, required: bool = False) -> float | None:
    """Row ``i``'s ``column`` as a float; empty (missing, NaN, None) is ``None`` unless required."""
    value = row.get(column)
    # a list or dict cell (JSON [1, 2]) is no empty value but no number either: float() names it below
    if value is None or (pd.api.types.is_scalar(value) and not isinstance(value, str) and pd.isna(value)):
        if required:
            raise DataError(f"request row {i}, column {column!r} is empty; give a number")
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as err:
        raise DataError(f"request row {i}, column {column!r}: {value!r} is not a number") from err


def request_example() -> pd.DataFrame:
    """One request row with every column: what ``predict`` takes, logged beside the model."""
    return pd.DataFrame({"seconds": [EXAMPLE_SECONDS], "temperature": [1.0], "top_p": [0.95], "seed": [0],
                         "clip": [0]})  # fmt: skip


def request_signature():
    """The signature of ``request table -> clips``: the output's ``audio`` (a list of floats per row)
    and ``sample_rate``. The request columns (REQUEST_COLUMNS: ``seconds``, optional ``temperature``,
    ``top_p``, ``seed``, ``clip``) are shown by the logged input example, not declared: MLflow drops a
    column its signature does not name (a misspelt ``temprature``) with only a warning in the
    server's log, and the request would be served at the default temperature. Undeclared, the column
    reaches ``predict``, which answers it (HTTP 400) naming the columns it takes, as the forecast
    model does."""
    from mlflow.models import ModelSignature
    from mlflow.types.schema import Array, ColSpec, Schema

    outputs = Schema([ColSpec(Array("double"), "audio"), ColSpec("long", "sample_rate")])
    return ModelSignature(inputs=None, outputs=outputs)


_MODEL_CODE = """# MLflow models-from-code entry point written by ssm-ts: builds the waveform pyfunc.
import mlflow

from ssm_ts.tracking.pyfunc_audio import WaveformPyfunc

mlflow.models.set_model(WaveformPyfunc())
"""


def write_model_code(directory: str | os.PathLike) -> str:
    """Write the models-from-code script into ``directory``; return its path for ``log_model``."""
    path = Path(directory) / "waveform_pyfunc_model.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_MODEL_CODE)
    return str(path)
