"""Where data sets live (the data home) and how a missing file is fetched and verified.

The data home is an explicit argument, else ``$SSM_TS_DATA_HOME``, else ``~/.cache/ssm-ts/data``.
A file that is present is checked against its SHA-256; a missing one is downloaded from its
canonical public source (with a progress bar) to a temporary name, verified, then renamed. With no
network, or no known source, the error names the file and where to put it.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ssm_ts.atomic import atomic_path
from ssm_ts.errors import DataError, DataFileNotFoundError

ENV_DATA_HOME = "SSM_TS_DATA_HOME"
DOWNLOAD_TIMEOUT_S = 30


def data_home(path: str | os.PathLike | None = None) -> Path:
    """The folder data sets are read from: ``path``, else ``$SSM_TS_DATA_HOME``, else ``~/.cache/ssm-ts/data``."""
    chosen = path or os.environ.get(ENV_DATA_HOME) or Path.home() / ".cache" / "ssm-ts" / "data"
    return Path(chosen).expanduser()


@dataclass(frozen=True)
class RemoteFile:
    """A data file: where it sits in the data home, where it comes from, and its SHA-256.

    ``member`` names the file inside a zip archive when ``url`` points at one.
    """

    relative_path: str
    sha256: str
    url: str | None = None
    member: str | None = None
    source_note: str = ""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(path: Path, remote: RemoteFile) -> Path:
    found = sha256_of(path)
    if found != remote.sha256:
        raise DataError(
            f"{path} does not match the published file (SHA-256 {found[:12]}..., expected {remote.sha256[:12]}...): "
            "it is corrupt or a different version; delete it and load again to re-download"
        )
    return path


def _download(url: str) -> bytes:
    from rich.progress import Progress

    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        buffer = io.BytesIO()
        with Progress(transient=True) as progress:
            task = progress.add_task(f"downloading {url.rsplit('/', 1)[-1]}", total=total)
            for block in iter(lambda: response.read(1 << 16), b""):
                buffer.write(block)
                progress.advance(task, len(block))
    return buffer.getvalue()


def fetch(remote: RemoteFile, home: str | os.PathLike | None = None, download: bool = True) -> Path:
    """Path of ``remote`` in the data home, downloading and verifying it if it is missing.

    Raises:
        DataFileNotFoundError: missing and not downloadable (no source, ``download=False``, no network).
        DataError: the file's checksum does not match.
    """
    target = data_home(home) / remote.relative_path
    if target.is_file():
        return _verify(target, remote)
    where = f"put it at {target} (or set {ENV_DATA_HOME} to a folder that has {remote.relative_path})"
    if remote.url is None:
        raise DataFileNotFoundError(
            f"{target.name} not found and has no direct download: {remote.source_note}; {where}"
        )
    if not download:
        raise DataFileNotFoundError(
            f"{target.name} not found and download=False: download {remote.url} and {where}"
        )
    try:
        payload = _download(remote.url)
    except (urllib.error.URLError, OSError) as err:
        raise DataFileNotFoundError(
            f"{target.name} not found and the download from {remote.url} failed ({err}); without a network, {where}"
        ) from err
    if remote.member:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            payload = archive.read(remote.member)
    with atomic_path(target) as tmp:
        tmp.write_bytes(payload)
        if sha256_of(tmp) != remote.sha256:
            raise DataError(
                f"the file downloaded from {remote.url} does not match its published SHA-256; not saved"
            )
    return target


def copy_into_home(source: Path, remote: RemoteFile, home: str | os.PathLike | None = None) -> Path:
    """Place a file the user fetched by hand into the data home, verified."""
    target = data_home(home) / remote.relative_path
    _verify(source, remote)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target
