"""Data sets for ssm-ts: real series bundled in installed packages, and the standard benchmark sets.

Standard sets (ETT and the other long-horizon CSVs, UCR/UEA archive problems, spoken digits) are
read from a data home (an argument, or ``$SSM_TS_DATA_HOME``); a missing file is downloaded from
its public source and checked against its SHA-256 (:mod:`ssm_ts.data_fetch`). The data modules (so
the CLI and the shipped configs) take a standard set's name where they take a path:
``--data.path BasicMotions``, ``--data.root espeak-digits`` (:func:`resolve_data_path`).

``write_co2_csv`` needs no network: statsmodels bundles the weekly Mauna Loa atmospheric CO2
record (Keeling et al., March 1958 - December 2001, ppm). Weeks without a measurement are left
out of the file (real gaps in the time column), which the pipeline handles with a fill policy.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from ssm_ts.atomic import atomic_path
from ssm_ts.errors import DataError, DataFileNotFoundError


def write_co2_csv(path: str | os.PathLike) -> Path:
    """Write the weekly Mauna Loa CO2 series as ``date,co2`` rows (gaps kept); return the path."""
    from statsmodels.datasets import co2

    series = co2.load_pandas().data["co2"].dropna()
    frame = series.rename_axis("date").reset_index()
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    target = Path(path)
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False)
    return target


# --- standard data sets in the data home (see ssm_ts.data_fetch) -------------------------------
_ETT_URL = "https://raw.githubusercontent.com/zhouhaoyi/ETDataset/main/ETT-small/{}.csv"
_AUTOFORMER_NOTE = (
    "it is part of the Autoformer long-horizon collection (github.com/thuml/Autoformer, 'Get Started')"
)
_UEA_URL = "https://www.timeseriesclassification.com/aeon-toolkit/{}.zip"

FORECASTING_FILES = {
    "ETTh1": ("f18de3ad269cef59bb07b5438d79bb3042d3be49bdeecf01c1cd6d29695ee066", _ETT_URL.format("ETTh1")),
    "ETTm1": ("6ce1759b1a18e3328421d5d75fadcb316c449fcd7cec32820c8dafda71986c9e", _ETT_URL.format("ETTm1")),
    "exchange_rate": ("d55e7aa2641009814a18ba3279431b13f6d413b0eab195b9ff21988d8cf94e97", None),
    "national_illness": ("8594cecb98c6f2f9dc014eca11c4d5d1e38ad5ce6ed0592d4abe65b146fce395", None),
}

CLASSIFICATION_FILES = {
    "ArrowHead": ("a83c470aaf611a5f5284377cce27a5fc9f6292bc3d110257b0fd4905ced5ee72",
                  "5417dab42626d41df5e435bb22458c2df40dfad4bcd3b59559bbe72e20e84904"),
    "BasicMotions": ("8dc43cc6306cb679c888c01e26f91772ac4441a916da43bac8b79734a538b9d6",
                     "79213102bc6fca1a398ad98ce1185dff0208fa3d1465e687f48288946b0ff8dc"),
    "GunPoint": ("f842401779fd9800d247d8b33121a1a4643710a19b24917dbdd9a060ca8630d5",
                 "79332750788a6227b325b96bd0d70130c8eb707b9731f8d7dec62b7a7d36017e"),
    "ItalyPowerDemand": ("341269cb7e6cef96846b30e774580beec79addb93848ba360145219115a74b7c",
                         "26122451f87dd0387ef90b18bc8a86c041371b8a1c068004922b939971247144"),
    "JapaneseVowels": ("68a430eabd919cc77f40b1f5f3bc0dcafacc1486bca9260785aeb7d262cc78cd",
                       "b3d41d6a0ca3bcad3afb9ca7d4365382aa51341e2e58bae2a574babdda5b9462"),
    "PickupGestureWiimoteZ": ("4d303d9990df621c066fc454d62626e3721aed008462103500b86b1ac1ca92c8",
                              "a9109bce918e48ee0e924e9cf2fdfdc4de364a3d88ec5e8aa44399ff08b11361"),
}  # fmt: skip

AUDIO_FOLDERS = {
    "espeak-digits": "480 spoken-digit clips synthesised with espeak-ng and sox by make_digits.py, which comes with "
    "the project's shared data folder (there is no download)",
    "fsdd": "the Free Spoken Digit Dataset's recordings, github.com/Jakobovski/free-spoken-digit-dataset "
    "(its recordings/ folder; WAV works as well as FLAC)",
}


def _unknown(kind: str, name: str, known) -> DataError:
    return DataError(f"unknown {kind} data set {name!r}; available: {sorted(known)}")


def forecasting_csv(name: str, home: str | os.PathLike | None = None, download: bool = True) -> Path:
    """Path of a long-horizon CSV (``ETTh1``, ``ETTm1``, ``exchange_rate``, ``national_illness``) in the data home."""
    from ssm_ts.data_fetch import RemoteFile, fetch

    if name not in FORECASTING_FILES:
        raise _unknown("forecasting", name, FORECASTING_FILES)
    sha, url = FORECASTING_FILES[name]
    return fetch(
        RemoteFile(f"forecasting/{name}.csv", sha, url, source_note=_AUTOFORMER_NOTE), home, download
    )


def classification_files(
    name: str, home: str | os.PathLike | None = None, download: bool = True
) -> tuple[Path, Path]:
    """``(TRAIN, TEST)`` ``.ts`` paths of a UCR/UEA archive problem in the data home."""
    from ssm_ts.data_fetch import RemoteFile, fetch

    if name not in CLASSIFICATION_FILES:
        raise _unknown("classification", name, CLASSIFICATION_FILES)
    paths = []
    for split, sha in zip(("TRAIN", "TEST"), CLASSIFICATION_FILES[name], strict=True):
        file_name = f"{name}_{split}.ts"
        remote = RemoteFile(
            f"classification/{name}/{file_name}", sha, _UEA_URL.format(name), member=file_name
        )
        paths.append(fetch(remote, home, download))
    return paths[0], paths[1]


def audio_folder(name: str, home: str | os.PathLike | None = None) -> Path:
    """Folder of a spoken-digit audio set (``espeak-digits``, ``fsdd``) in the data home."""
    from ssm_ts.data_fetch import ENV_DATA_HOME, data_home

    if name not in AUDIO_FOLDERS:
        raise _unknown("audio", name, AUDIO_FOLDERS)
    folder = data_home(home) / "audio" / name
    if not folder.is_dir() or not any(folder.iterdir()):
        raise DataFileNotFoundError(
            f"audio folder {folder} not found or empty: it holds {AUDIO_FOLDERS[name]}; put the files there, "
            f"or set {ENV_DATA_HOME} (or pass home=) to a folder that has audio/{name}"
        )
    return folder


# --- a data module's path / root: a file or folder, or a standard data set's name ---------------
# A bare name (no folder, no suffix, e.g. ``ETTh1``, ``BasicMotions``, ``fsdd``) that is not an existing
# file or folder names a standard data set in the data home; an existing file or folder always wins.
DataUse = Literal["forecast", "classify", "audio"]


def _classification_folder(name: str, home: str | os.PathLike | None, download: bool) -> Path:
    train, _ = classification_files(name, home, download)
    return train.parent  # the problem's folder: SensorDataModule reads <name>_TRAIN / _TEST from it


def _standard_sets(use: DataUse) -> dict[str, Callable[[str, str | os.PathLike | None, bool], Path]]:
    """The standard data sets a use's data module can name, each with how to find it in the data home."""

    def folder(name: str, home: str | os.PathLike | None, download: bool) -> Path:
        return audio_folder(name, home)  # audio folders have no download

    if use == "forecast":
        return dict.fromkeys(FORECASTING_FILES, forecasting_csv)
    if use == "classify":  # UCR/UEA problems, and FSDD as spectrograms (format: fsdd)
        return {**dict.fromkeys(CLASSIFICATION_FILES, _classification_folder), "fsdd": folder}
    if use == "audio":
        return dict.fromkeys(AUDIO_FOLDERS, folder)
    raise ValueError(f"unknown use {use!r}; expected forecast, classify or audio")


def standard_data_sets(use: DataUse) -> list[str]:
    """Names a data module of ``use`` resolves through the data home (see :func:`resolve_data_path`)."""
    return sorted(_standard_sets(use), key=str.lower)


def _is_bare_name(value: str) -> bool:
    path = Path(value)
    return path.name == value and not path.suffix and value not in ("", ".", "..")


def _did_you_mean(text: str, names: list[str]) -> str:
    """`` (did you mean BasicMotions?)`` for a mistyped data set name ``text`` close to one of ``names``
    (case-insensitive), else ``""``."""
    by_lower = {name.lower(): name for name in names}
    close = difflib.get_close_matches(text.lower(), list(by_lower), n=2, cutoff=0.75)
    return f" (did you mean {' or '.join(by_lower[match] for match in close)}?)" if close else ""


def resolve_data_path(
    value: str | os.PathLike | None,
    use: DataUse,
    setting: str = "data.path",
    home: str | os.PathLike | None = None,
    download: bool = True,
) -> str | None:
    """What a data module reads for its ``path`` / ``root`` ``value``.

    An existing file or folder, or anything with a folder or a suffix (``some/file.csv``), is returned
    as given (a missing one is the reader's error, as before). A bare name that is no file or folder
    here (``ETTh1``, ``BasicMotions``, ``fsdd``, ``espeak-digits``; case-insensitive) is the standard
    data set of that name in the data home (``home``, else ``$SSM_TS_DATA_HOME``), downloaded and
    verified when missing where it has a public source.

    Raises:
        DataError: a bare name that is neither a file nor a known data set (the message lists them).
        DataFileNotFoundError: a known data set that is missing and cannot be downloaded.
    """
    if value is None:
        return None
    text = os.fspath(value)
    if Path(text).expanduser().exists() or not _is_bare_name(text):
        return text
    from ssm_ts.data_fetch import ENV_DATA_HOME, data_home

    sets = _standard_sets(use)
    name = next((known for known in sets if known.lower() == text.lower()), None)
    if name is None:
        raise DataError(
            f"{setting} {text}: no such file or folder in {Path.cwd()}, and not a standard data set"
            f"{_did_you_mean(text, standard_data_sets(use))}; "
            f"standard data sets (read from the data home {data_home(home)}, set by ${ENV_DATA_HOME}): "
            f"{', '.join(standard_data_sets(use))}. Pass a file or folder with its path, e.g. "
            f"{setting} ./{text} or {setting} path/to/{text}"
        )
    try:
        return str(sets[name](name, home, download))
    except DataFileNotFoundError as err:
        raise DataFileNotFoundError(
            f"{setting} {text} names the standard data set {name}, which is not in the data home: {err}. "
            f"Or pass your own data's path: {setting} path/to/data"
        ) from err


_WRITERS = {"co2": write_co2_csv}


def main(argv: list[str] | None = None) -> int:
    """``python -m ssm_ts.datasets NAME PATH``: write a bundled real data set to a CSV file."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ssm_ts.datasets", description=main.__doc__)
    parser.add_argument("name", choices=sorted(_WRITERS), help="data set to write")
    parser.add_argument("path", help="CSV file to write (folders are created)")
    args = parser.parse_args(argv)
    written = _WRITERS[args.name](args.path)
    print(f"wrote {written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
