"""What ``ssm-ts`` says when the MLflow tracking server goes away during a fit: one error naming the
server and the command that resumes the fit once it is back, not three chained tracebacks (urllib3,
requests, MLflow) after MLflow's retries."""

from __future__ import annotations

from ssm_ts.cli.interrupted import interrupted_text


def lost_server_reason(error: BaseException) -> str | None:
    """The connection failure (``Connection refused``, a timeout) under an MLflow request's ``error``;
    ``None`` when ``error`` is not one (another MLflow error says what it is itself)."""
    from mlflow.exceptions import MlflowException
    from requests.exceptions import ConnectionError, Timeout

    if not isinstance(error, MlflowException):
        return None
    cause = error.__cause__ or error.__context__
    while cause is not None and not isinstance(cause, ConnectionError | Timeout):
        cause = cause.__cause__ or cause.__context__
    if cause is None:
        return None
    text = str(cause)
    for known in ("Connection refused", "Read timed out", "Name or service not known", "Connection reset"):
        if known in text:
            return known
    return type(cause).__name__


def lost_server_text(uri: str, reason: str, use: str) -> str:
    """The error of a fit whose tracking server at ``uri`` stopped answering (``reason``), once
    :func:`remember_interrupted_fit` recorded it: what is kept and the command that resumes the fit."""
    # "is marked FAILED" if the server answered Lightning's finalize after all, else "may still show RUNNING"
    resume = interrupted_text(use, stopped="stopped", run_state="is marked FAILED")
    return (
        f"the MLflow tracking server {uri} stopped answering during the fit ({reason}). "
        f"{resume[0].upper()}{resume[1:]} (once the server answers again)"
    )
