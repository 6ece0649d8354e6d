"""The fitted forecaster as an MLflow pyfunc: a history DataFrame in, the forecast DataFrame out.

The MLflow model holds the ssm-ts export folder (config JSON + safetensors + extras JSON) as its
artifact ``forecaster``; loading never unpickles weights. Input: the series in the training
format (time column + the target/covariate columns; long format works too), at least ``lookback``
rows; an empty DataFrame forecasts from the history stored with the model. The known-future
covariates of the forecast steps come as rows after the history (targets empty) or, as
neuralforecast's ``futr_df``, apart: ``{"df": history, "futr_df": future}`` (served ``{"inputs": {"df":
[...], "futr_df": [...]}}``; see :mod:`ssm_ts.tracking.request_tables`). Output: the time
column continuing the series' frequency, one column per target, ``<target>_q<level>`` columns for
quantile models; ``params={"n": steps}`` (declared in the signature, default the horizon) asks for
another number of steps (see ``Forecaster.predict(n=...)``; at most :data:`MAX_SERVED_ROLLOUTS`
horizons); ``params={"level": [80, 95]}`` (declared
for a model calibrated at fit, default ``[]``: none) adds the conformal intervals
``<target>_lo-80``/``_hi-80`` of ``Forecaster.predict(level=...)``, and ``"interval_method"``
(``"residual"`` or ``"cqr"``, default ``""``: the model's default) chooses how (given without a level,
or unknown, it is refused as ``predict`` refuses it). ``level`` is a list even for one level,
``{"level": [80]}``: MLflow checks params against the signature before the model runs, and a
``ParamSpec`` is either a scalar (``shape=None``) or a 1-D list (``shape=(-1,)``), never both, so
``{"level": 80}`` is refused by MLflow ("Value must be a 1D array with shape (-1,) for param 'level'").
The logged model's serving example (``serving_input_example.json``) shows the list form
(:data:`EXAMPLE_PARAMS`). A model fitted on pandas Periods
answers a DataFrame whose time column holds Periods with Periods (same frequency); any other
input (text such as ``2015Q1``, as JSON carries them to a served model, or an empty frame) gets
the Periods as that text, which JSON can hold. A model fitted on integer steps reads its steps
sent as text (``"step": ["101", "102"]``, as JSON may carry them) as those integers, and answers
with integer steps. The logged model carries an input example (the
last ``lookback`` rows) and an output signature; the input is checked by ``predict`` itself (see
:func:`forecast_signature`).

The model is logged *from code* (:func:`write_model_code`): MLflow stores a three-line script
that builds :class:`ForecastPyfunc`, not a cloudpickle of it, so loading runs no pickled code.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.forecasting.forecast_inputs import BOTH_ROWS_FIX, FEWER_STEPS, FIX_CALL, LONGER_HISTORY

# ssm-ts's errors leave predict as MlflowExceptions (HTTP 400 when served) of ssm-ts's own types
from ssm_ts.tracking.request_errors import answered_as_bad_request
from ssm_ts.tracking.request_frames import check_separator, request_frame
from ssm_ts.tracking.request_tables import split_request

# the params of a calibrated model's input example: MLflow's serving example then shows `level` as a list
EXAMPLE_PARAMS = {"level": [80.0]}


class ForecastPyfunc(mlflow.pyfunc.PythonModel):
    """``mlflow.pyfunc.load_model(uri).predict(history_df) -> forecast_df``."""

    def load_context(self, context) -> None:
        from ssm_ts.api.forecaster import Forecaster

        self.forecaster = Forecaster.load(context.artifacts["forecaster"])

    def predict(
        self, context, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """``params={"n": steps, "level": [80, 95], "interval_method": "cqr"}``: forecast ``n`` steps
        instead of the horizon, with conformal intervals of those levels (see ``Forecaster.predict``).
        ``model_input``: the history table, or ``{"df": history, "futr_df": future}`` with the
        known-future covariates apart (``Forecaster.predict(df, futr_df=future)``).

        A request the model cannot answer (a missing column, text where numbers go, too few rows) raises
        an MlflowException that is also ssm-ts's DataError / ConfigError: served, an HTTP 400 whose
        reason names the column (MLflow answers any other exception "Encountered an unexpected error")."""
        with answered_as_bad_request():
            return self._forecast(model_input, params)

    def _forecast(self, model_input: Any, params: dict[str, Any] | None) -> pd.DataFrame:
        spec, features = self.forecaster.spec_, self.forecaster.series_features_
        options = {"n": _steps(params, self.forecaster.horizon), **_interval_params(params)}
        expected = _expected_request(spec, self.forecaster.lookback, features)
        tables = split_request(model_input, _request_columns(spec, features))
        if tables is not None:  # {"df": history, "futr_df": future}: neuralforecast's two tables
            model_input = request_frame(tables[0], expected)
            options["futr_df"] = _future_frame(tables[1], spec, features)
            _check_separator(options["futr_df"], "the request's 'futr_df'", spec, features)
        else:
            model_input = request_frame(model_input, expected)
        _check_separator(model_input, "the request's table", spec, features)
        rows = f"at least {self.forecaster.lookback} rows" + (" of each series" if spec.long_format else "")
        if model_input is None or len(model_input) == 0:
            with _fixes_as_requests(saved_history=True, rows=rows):
                return _periods_as_text(self.forecaster.predict(**options), spec)
        with _fixes_as_requests(saved_history=False, rows=rows):
            forecast = self.forecaster.predict(model_input, **options)
        time_col = self.forecaster.spec_.time_col
        if time_col in model_input.columns and isinstance(model_input[time_col].dtype, pd.PeriodDtype):
            return forecast  # a Python caller's Periods: Periods back
        return _periods_as_text(forecast, self.forecaster.spec_)


def _check_separator(table: pd.DataFrame | None, name: str, spec, features=None) -> None:
    """Refuse ``table`` (named ``name``) read from a CSV with another separator than ','
    (:func:`~ssm_ts.tracking.request_frames.check_separator`), with the keywords that read the fit's CSV."""
    check_separator(table, _request_columns(spec, features), name, spec.csv_keywords)


def _future_frame(sent: Any, spec, features=None) -> pd.DataFrame | None:
    """The ``futr_df`` part of a two-table request as ``Forecaster.predict`` takes it: ``None`` when left
    out or ``None`` (served ``null``), as ``predict(df, futr_df=None)``; a table sent without rows to a
    model with known-future covariates is refused, naming the rows to send."""
    if sent is None:
        return None
    future = request_frame(sent, _expected_future(spec, features))
    if future is not None and future.empty and spec.future_covariates:
        raise DataError(f"the request's 'futr_df' is empty: send {_expected_future(spec, features)}.")
    return future


@contextmanager
def _fixes_as_requests(saved_history: bool, rows: str) -> Iterator[None]:
    """Inside, a forecast short of known-future rows gives the request that sends them, not the Python
    call ``predict(futr_df=futr)`` (no call a served model's user makes): ``{"df": history, "futr_df":
    futr}``, or ``{"futr_df": futr}`` after the history saved with the model (``saved_history``), with
    ``params={"n": ...}`` for ``predict``'s ``n``. A history too short for the lookback asks for ``rows``
    (``"at least 96 rows of each series"``) in the request, the earlier rows before the new ones, not
    the Python ``pd.concat`` and CLI ``--data.path`` that give them. Other errors pass through unchanged."""
    try:
        yield
    except DataError as error:
        said = str(error)
        fixed = FIX_CALL.sub(lambda call: _request_fix(call.group(1), saved_history), said)
        fixed = FEWER_STEPS.sub(r', or ask for params={"n": \1} or fewer', fixed)
        fixed = fixed.replace("for predict(n=...)", 'for params={"n": ...}')
        fixed = _short_history_as_request(fixed, rows, _raised_fix(error, BOTH_ROWS_FIX))
        if fixed == said:
            raise
        raise DataError(fixed) from error


def _short_history_as_request(said: str, rows: str, both_rows: str | None) -> str:
    """``said`` with the fixes of a history too short for the lookback in request terms: send ``rows``,
    the earlier rows before the new ones (``both_rows``: the error's fix that gives them in Python and on
    the command line, or ``None``), in the request (named so, not "the DataFrame")."""
    if not LONGER_HISTORY.search(said):
        return said
    said = re.sub(r"^the DataFrame: ", "the request's table: ", said)
    said = LONGER_HISTORY.sub(
        lambda longer: (
            f"Send {rows.replace('each series', 'each of them') if longer.group(1) else rows} in the request."
        ),
        said,
    )
    if not both_rows:
        return said
    return said.replace(
        both_rows,
        "so send the earlier rows, then the new ones, in the same request (the model keeps no rows of earlier "
        "requests)",
    )


def _raised_fix(error: BaseException | None, name: str) -> str | None:
    """The fix ``error`` (or an error it was raised from) holds as its attribute ``name``; ``None`` if none."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:  # a chain can loop (an error re-raised from itself)
        if isinstance(fix := getattr(error, name, None), str):
            return fix
        seen.add(id(error))
        error = error.__cause__
    return None


def _request_fix(n: str | None, saved_history: bool) -> str:
    """The request that sends ``futr`` (the frame the fix builds) to the model, with ``n`` steps."""
    parts = {"df": "history", "futr_df": "futr"} if not saved_history else {"futr_df": "futr"}
    given = ", ".join(f'"{key}": {value}' for key, value in parts.items())
    served = ", ".join(f'"{key}": [row, ...]' for key in parts)
    params, served_params = (f', params={{"n": {n}}}', f', "params": {{"n": {n}}}') if n else ("", "")
    return f'then model.predict({{{given}}}{params}) (served: {{"inputs": {{{served}}}{served_params}}})'


def _request_columns(spec, features=None) -> list[str]:
    """The columns of a request in the training layout (long: id, time, value, and the per-series
    covariate columns of a model with ``features``, :class:`~ssm_ts.pipelines.forecasting.
    series_features.SeriesFeatures`)."""
    if spec.long_format:
        own = [*features.past, *features.future] if features is not None else []
        return [spec.id_col, spec.time_col, spec.value_col, *own]
    return [spec.time_col, *spec.input_columns]


def _expected_request(spec, lookback: int, features=None) -> str:
    """What a request holds, for the error on a single value or text: the training layout's columns."""
    text = (
        f"the series as a table with the columns {_request_columns(spec, features)} and at least {lookback} rows (served: "
        '{"dataframe_split": {"columns": [...], "data": [[...], ...]}}, as the model\'s serving_input_example.json '
        "shows), or an empty table to forecast from the history saved with the model"
    )
    if spec.future_covariates:
        text += f'; the known-future covariates apart: {{"df": history, "futr_df": {_expected_future(spec, features)}}}'
    return text


def _expected_future(spec, features=None) -> str:
    """What a request's ``futr_df`` holds: the known-future covariates of the forecast steps (of a
    model with per-series ``features``, each series' own columns, as neuralforecast's futr_df; its
    statics the model adds, and its internal ``load[store_1]`` series are no names a user sends)."""
    if features is not None and spec.long_format:
        columns = [spec.id_col, spec.time_col, *features.future]
        return (
            f"a table of the rows ({', '.join(columns)}) of each series {features.series[:10]}, one per series "
            "and forecast step"
        )
    if spec.long_format:
        what = f"the rows ({spec.id_col}, {spec.time_col}, {spec.value_col}) of the series {spec.future_covariates}"
    else:
        what = f"the columns {[spec.time_col, *spec.future_covariates]}"
    return f"a table of {what}, one row per forecast step"


MAX_SERVED_ROLLOUTS = 100
"""A served request forecasts at most this many horizons (``n <= MAX_SERVED_ROLLOUTS * horizon``): each
block beyond the first reads the model's own forecasts, and one request for ``n=10**9`` would hold a
server worker for days."""


def _steps(params: dict[str, Any] | None, horizon: int) -> int | None:
    """The ``n`` of ``params`` (``None``: the horizon). A whole float (``12.0``) counts as that integer
    here, for direct calls (a loaded or served model's signature declares ``n`` a long, and MLflow
    refuses ``12.0`` before ``predict`` runs, naming ``n``: docs/mlflow.md says so); more than
    :data:`MAX_SERVED_ROLLOUTS` horizons is refused (``ConfigError``: HTTP 400); anything else is left
    to ``Forecaster.predict`` to refuse."""
    n = (params or {}).get("n")
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    limit = MAX_SERVED_ROLLOUTS * horizon
    if isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > limit:
        raise ConfigError(
            f"params n={n}: a served model forecasts at most {limit} steps ({MAX_SERVED_ROLLOUTS} times its "
            f"horizon of {horizon}; beyond the horizon every block reads the model's own forecasts, so the "
            "errors compound). Ask for fewer steps, or load the model in Python "
            "(Forecaster.load or mlflow.pyfunc.load_model(...).unwrap_python_model().forecaster) "
            "and call predict(n=...) there."
        )
    return n


def _interval_params(params: dict[str, Any] | None) -> dict[str, Any]:
    """``level`` and ``interval_method`` of ``params`` for ``Forecaster.predict``; the declared defaults
    (``[]`` and ``""``, MLflow has no null default) mean none. A whole float level counts as given."""
    params = params or {}
    level, method = params.get("level"), params.get("interval_method")
    if isinstance(level, (list, tuple)) and len(level) == 0:
        level = None
    return {"level": level, "interval_method": method or None}


def _periods_as_text(frame: pd.DataFrame, spec) -> pd.DataFrame:
    """``frame`` with Period times as the text pandas writes for them (``2015Q1``): JSON cannot hold
    a Period, so a served model would fail on them after forecasting."""
    if isinstance(frame[spec.time_col].dtype, pd.PeriodDtype):
        return frame.assign(**{spec.time_col: frame[spec.time_col].astype(str)})
    return frame


def input_example(history: pd.DataFrame, spec, lookback: int, horizon: int) -> pd.DataFrame:
    """What ``predict`` takes, from the fitted ``history`` (wide, observed rows): its last ``lookback``
    rows in the training format (``id, time, value`` rows if it was long, the covariate series'
    rows too; of a ragged panel, each series' own last ``lookback`` rows). With known-future
    covariates ``horizon`` more rows end it with their targets blanked, the future rows predict needs.
    Periods are written as text (``2015Q1``, ``2015-01-05/2015-01-11``), which MLflow can store.
    """
    from ssm_ts.pipelines.forecasting.series_ids import restore_ids
    from ssm_ts.pipelines.forecasting.spans import series_spans

    rows = lookback + (horizon if spec.future_covariates else 0)
    # each series' own last lookback rows: the series of a ragged panel end at different rows
    start = min(len(history) - rows, int(series_spans(history, spec.targets).last.min()) + 1 - lookback)
    example = history.iloc[max(0, start) :]
    example = example.reset_index(drop=True)
    example.attrs = {}
    if spec.periods:
        # Periods as the text pandas writes (2015Q1): what JSON carries them as, and what predict reads
        example[spec.time_col] = example[spec.time_col].astype(str)
    if spec.future_covariates:
        example.loc[example.index[-horizon:], spec.targets] = float("nan")
    if spec.long_format:
        # every input is a series of a long table, covariates too: without their rows the example
        # was refused by the model it describes, and logging the model failed the fit
        long = example.melt(
            id_vars=spec.time_col,
            value_vars=spec.input_columns,
            var_name=spec.id_col,
            value_name=spec.value_col,
        )[[spec.id_col, spec.time_col, spec.value_col]]
        long[spec.id_col] = restore_ids(long[spec.id_col].to_numpy(), spec.id_dtype)  # 1, as given, not "1"
        present = long[spec.value_col].notna().to_numpy()
        if present.all():
            return long
        # a ragged panel: each series' own last rows, none outside its span
        return long[present].groupby(spec.id_col, sort=False).tail(rows).reset_index(drop=True)
    return example


def forecast_signature(
    example: pd.DataFrame, forecast: pd.DataFrame, horizon: int | None = None, intervals: bool = False
):
    """The signature of ``example -> forecast``: the output's columns and types as inferred, and no
    input schema. MLflow enforces an input schema by dropping the columns it does not name, so a
    DataFrame whose columns all differ would arrive empty and be forecast silently from the stored
    history; without one, ``predict`` sees the columns as given and names the missing ones. (The
    input example logged beside it shows the expected input.) Period times are described as the
    text a served model returns for them (MLflow has no Period type).

    ``horizon``: declare the optional parameter ``n`` (forecast steps, default the horizon), so a served
    model can be asked ``{"dataframe_split": ..., "params": {"n": 48}}``. ``intervals``: declare
    ``level`` (a list of percents, default ``[]``) and ``interval_method`` (default ``""``) too, for a
    model with conformal calibration: ``"params": {"level": [80, 95]}``.
    """
    from mlflow.models import infer_signature
    from mlflow.types.schema import ParamSchema, ParamSpec

    forecast = forecast.astype(
        {c: str for c in forecast.columns if isinstance(forecast[c].dtype, pd.PeriodDtype)}
    )
    with warnings.catch_warnings():
        # its hint about integer columns and missing values: the inputs are untyped, and integer
        # outputs (time steps) are never missing
        warnings.filterwarnings("ignore", message="Hint: Inferred schema contains integer column")
        signature = infer_signature(
            example, forecast, params=None if horizon is None else {"n": int(horizon)}
        )
    signature.inputs = None
    if intervals and signature.params is not None:
        # declared by hand: infer_signature cannot type an empty list, and a null default is not allowed
        extra = [ParamSpec("level", "double", [], shape=(-1,)), ParamSpec("interval_method", "string", "")]
        signature.params = ParamSchema([*signature.params.params, *extra])
    return signature


_MODEL_CODE = """# MLflow models-from-code entry point written by ssm-ts: builds the forecaster pyfunc.
import mlflow

from ssm_ts.tracking.pyfunc_forecast import ForecastPyfunc

mlflow.models.set_model(ForecastPyfunc())
"""


def write_model_code(directory: str | os.PathLike) -> str:
    """Write the models-from-code script into ``directory``; return its path for ``log_model``."""
    path = Path(directory) / "forecast_pyfunc_model.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_MODEL_CODE)
    return str(path)
