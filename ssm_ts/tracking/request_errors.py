"""Errors a served ssm-ts model answers with HTTP 400 and its reason, for every pyfunc model."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

from ssm_ts.errors import ConfigError, DataError


class _RequestError(MlflowException):
    """A request the model cannot answer. MLflow's scoring server answers any other exception with
    "Encountered an unexpected error while evaluating the model" (the reason only in a stack trace);
    an MlflowException with INVALID_PARAMETER_VALUE becomes a 400 answer carrying this message."""

    def __init__(self, message: str):
        super().__init__(message, error_code=INVALID_PARAMETER_VALUE)


class RequestDataError(_RequestError, DataError):
    """A bad request value (a DataError in-process, HTTP 400 when served)."""


class RequestSettingError(_RequestError, ConfigError):
    """A setting out of range (a ConfigError in-process, HTTP 400 when served)."""


@contextlib.contextmanager
def answered_as_bad_request() -> Iterator[None]:
    """Inside a pyfunc's ``predict``: ssm-ts's DataError / ConfigError leave as the matching request
    error, so a served model answers 400 naming the problem and Python callers still catch ssm-ts's."""
    try:
        yield
    except (ConfigError, DataError) as err:
        if isinstance(err, MlflowException):
            raise
        raise (RequestSettingError if isinstance(err, ConfigError) else RequestDataError)(str(err)) from err
