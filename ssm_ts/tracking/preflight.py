"""Check an MLflow tracking URI before a fit starts, so a bad one is one clear error in seconds.

Without the check, MLflow retries an unreachable server for about four minutes (one that takes the
connection but never answers, for over fifteen) and an sqlite file it cannot open for about a hundred
seconds, then raises a connection or SQLAlchemy traceback.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

from ssm_ts.errors import ConfigError

CONNECT_TIMEOUT_S = 5.0
SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
FIX = (
    "pass another tracking_uri (CLI: --tracking_uri; or set MLFLOW_TRACKING_URI), e.g. "
    "sqlite:///mlflow.db in a writable folder, or turn logging off (CLI: --trainer.logger false; API: log_to_mlflow=False)"
)


# tracking URIs MLflow reads as names, not as paths of its file store
MLFLOW_NAMED_STORES = frozenset({"databricks", "databricks-uc", "uc"})


def check_tracking_uri(uri: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Raise :class:`ConfigError` naming ``uri`` and the fix when MLflow could not log to it:
    an http(s) server that does not accept connections, or gives no HTTP answer, within ``timeout``
    seconds, or an sqlite file that cannot be created or written, or is not an SQLite database, or
    MLflow's file store (``./mlruns``, ``file:...``), which MLflow 3 refuses unless
    ``MLFLOW_ALLOW_FILE_STORE=true``.
    Other schemes pass."""
    scheme = urlsplit(uri).scheme.lower()
    if scheme in ("http", "https"):
        _check_server(uri, scheme, timeout)
    elif scheme == "sqlite":
        _check_sqlite(uri)
    elif scheme == "file" or (not scheme and uri not in MLFLOW_NAMED_STORES) or len(scheme) == 1:
        _check_file_store(uri)  # a path (a one-letter scheme is a Windows drive, as MLflow reads it)


def check_experiment_name(name: str) -> None:
    """Raise :class:`ConfigError` for an experiment name MLflow refuses (empty, or longer than its
    limit), before a fit: MLflow refuses it only when the run is made, after the data is read."""
    from mlflow.utils.validation import MAX_EXPERIMENT_NAME_LENGTH

    if not isinstance(name, str) or not name or len(name) > MAX_EXPERIMENT_NAME_LENGTH:
        what = "empty" if not name else f"{len(name)} characters, over MLflow's {MAX_EXPERIMENT_NAME_LENGTH}"
        raise ConfigError(
            f"MLflow experiment name {name!r} is {what}; give a name (CLI: --experiment NAME; Python: "
            "experiment='NAME')."
        )


def check_experiment_not_deleted(name: str, uri: str) -> None:
    """Raise :class:`ConfigError` when the store at ``uri`` holds experiment ``name`` deleted (in its
    trash): MLflow keeps a deleted experiment's name until it is removed for good, so the fit's logger
    failed to create it again with an SQLAlchemy ``UNIQUE constraint failed: experiments.name`` traceback
    (an http server: ``RESOURCE_ALREADY_EXISTS``). A store that cannot be asked is left to the logger."""
    from mlflow.tracking import MlflowClient

    from ssm_ts.tracking.quick_requests import quick_requests

    try:
        with quick_requests():
            found = MlflowClient(tracking_uri=uri).get_experiment_by_name(name)
    except Exception:  # noqa: BLE001 - the logger reports the store's own error, as before
        return
    if found is None or found.lifecycle_stage != "deleted":
        return
    number = found.experiment_id
    raise ConfigError(
        f"MLflow experiment {name!r} (id {number}) of the store {uri} is deleted: MLflow keeps a deleted "
        "experiment's name until it is removed for good, so no run can be logged under it. With "
        f"MLFLOW_TRACKING_URI={uri} set, restore it (mlflow experiments restore --experiment-id {number}) or "
        f"remove it for good (mlflow gc --backend-store-uri {uri} --experiment-ids {number}); or log to another "
        "experiment (CLI: --experiment NAME; Python: experiment='NAME')."
    )


def unsupported_store_text(uri: str, reason: str) -> str:
    """The error for a tracking URI no MLflow store takes (``foo://x``; ``reason``: MLflow's message)."""
    scheme = urlsplit(uri).scheme
    if "unsupported URI" in reason and scheme:
        reason = f"no MLflow store takes URIs of the scheme '{scheme}:'"
    return f"MLflow cannot log to the tracking URI {uri!r} ({reason}); {FIX}."


def _check_file_store(uri: str) -> None:
    from mlflow.environment_variables import MLFLOW_ALLOW_FILE_STORE

    if not MLFLOW_ALLOW_FILE_STORE.get():
        # a database file given without its scheme (--tracking_uri runs.db): the sqlite URI of that file
        meant = f" (did you mean sqlite:///{uri}?)" if Path(uri).suffix in SQLITE_SUFFIXES else ""
        raise ConfigError(
            f"MLflow tracking URI {uri!r} is MLflow's file store{meant}, which MLflow 3 refuses (it is in "
            "maintenance mode); use sqlite:///mlflow.db (the default) or a server's http:// address. "
            "`mlflow migrate-filestore` copies existing runs into a database; MLFLOW_ALLOW_FILE_STORE=true "
            "keeps the file store."
        )


def _check_server(uri: str, scheme: str, timeout: float) -> None:
    parts = urlsplit(uri)
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as err:
        raise ConfigError(f"MLflow tracking URI {uri!r} has an invalid port ({err}); {FIX}.") from None
    if not parts.hostname:
        raise ConfigError(f"MLflow tracking URI {uri!r} names no host; {FIX}.")
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            pass
    except OSError as err:
        raise ConfigError(
            f"the MLflow tracking server {uri} is unreachable ({err.strerror or err}); start it "
            f"(on this machine: mlflow server --host 127.0.0.1 --port {port}) or check the address, or {FIX}."
        ) from None
    _check_server_answers(uri, parts.hostname, port, scheme, parts.path, timeout)


def _check_server_answers(uri: str, host: str, port: int, scheme: str, path: str, timeout: float) -> None:
    """Raise :class:`ConfigError` when the server at ``uri`` takes connections but gives no HTTP answer
    within ``timeout`` seconds (a hung process, or another service's port): MLflow waits 120 s for each
    request and retries it seven times, so the fit hung for many minutes, and Ctrl-C did not stop it.
    Any HTTP answer passes (MLflow reports a wrong server's errors itself); so do TLS errors."""
    import http.client
    import ssl

    if scheme == "https":
        context = ssl.create_default_context()
        context.check_hostname = False  # only whether it answers: certificates are MLflow's to check
        context.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path.rstrip("/") + "/health")  # MLflow's server answers 200 OK there
        connection.getresponse()
    except TimeoutError:
        raise ConfigError(
            f"the MLflow tracking server {uri} takes connections but did not answer within {timeout:g} s "
            f"(a hung server, or another service on port {port}?); restart it or check the address, or {FIX}."
        ) from None
    except (http.client.HTTPException, ConnectionError) as err:
        answer = str(err).strip()[:80]  # e.g. another service's greeting: 'SSH-2.0-OpenSSH_9.6'
        raise ConfigError(
            f"the MLflow tracking server {uri} does not answer as an HTTP server ({type(err).__name__}"
            f"{f': {answer!r}' if answer else ''}; another service on port {port}?); check the address, or {FIX}."
        ) from None
    except OSError:  # a TLS failure and the like: MLflow's own request names it
        pass
    finally:
        connection.close()


def sqlite_path(uri: str) -> Path | None:
    """The database file of an sqlite tracking URI, as written (``sqlite:///mlflow.db`` is relative
    to the working directory, ``sqlite:////abs/mlflow.db`` absolute); ``None`` for another scheme or
    an in-memory database."""
    if urlsplit(uri).scheme.lower() != "sqlite":
        return None
    path_text = uri.split("://", 1)[1][1:] if "://" in uri else ""  # sqlite:///rel or sqlite:////abs
    if not path_text or path_text.startswith(":memory:"):
        return None
    return Path(path_text.split("?", 1)[0])


def _check_sqlite(uri: str) -> None:
    path = sqlite_path(uri)
    if path is None:
        return
    if path.is_dir():
        raise ConfigError(f"the MLflow store {uri} is a folder, not a database file; {FIX}.")
    if path.exists():
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
        if head and head != SQLITE_MAGIC:
            raise ConfigError(f"the MLflow store {uri}: {path} is not an SQLite database; {FIX}.")
        if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            raise ConfigError(f"the MLflow store {uri} is read-only here ({path}); {FIX}.")
        return
    # MLflow creates missing folders: the nearest existing one must be writable.
    folder = path.parent.absolute()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(
            f"the MLflow store {uri} cannot be created: {folder} is not a writable folder (the "
            f"default store is mlflow.db in the working directory); {FIX}."
        )
