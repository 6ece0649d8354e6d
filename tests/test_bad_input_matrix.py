"""The bad-input matrix: predictable mistakes across the three pipelines, the Python API's fit
paths (``Forecaster``, ``SSMClassifier``, ``WaveformGenerator``) and the CLI.

Each case either is handled (and the result checked) or raises the right ssm-ts error with a
message that names the problem. No case may end in a bare pandas/torch/soundfile traceback.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from ssm_ts import cli
from ssm_ts.api.classifier import SSMClassifier
from ssm_ts.api.forecaster import Forecaster
from ssm_ts.api.waveform import WaveformGenerator
from ssm_ts.errors import ConfigError, DataError, DataFileNotFoundError, SSMTSError
from ssm_ts.pipelines.audio import find_audio_files, load_clips, read_audio
from ssm_ts.pipelines.forecasting import ForecastDataModule, load_series
from ssm_ts.pipelines.sensor import make_series_set, read_ts, require_labels

GOOD_CSV = "date,a,b\n" + "".join(f"2020-01-{d:02d},{d},{2 * d}\n" for d in range(1, 21))
TONE = (0.5 * np.sin(2 * np.pi * 440 * np.arange(48000) / 48000)).astype(np.float32)
RNG = np.random.default_rng(0)


@dataclass(frozen=True)
class Case:
    run: Callable[[Path], object]  # gets a fresh folder, returns the result when handled
    error: type[Exception] | None = None  # None: must be handled
    message: str = ""  # regex the error message must match
    check: Callable[[object], bool] = lambda result: True


def csv(folder: Path, text: str, name: str = "data.csv", encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_text(text, encoding=encoding)
    return path


def edited(old: str, new: str) -> Callable[[Path], object]:
    return lambda d: load_series(csv(d, GOOD_CSV.replace(old, new)))


def wav(folder: Path, name: str, data: np.ndarray, rate: int, subtype: str | None = None) -> Path:
    sf.write(folder / name, data, rate, subtype=subtype)
    return folder / name


def raw_file(folder: Path, name: str, content: bytes) -> Path:
    (folder / name).write_bytes(content)
    return folder / name


def unsorted_csv(d: Path) -> Path:
    header, *rows = GOOD_CSV.strip().split("\n")
    return csv(d, "\n".join([header, *rows[::-1]]) + "\n")


def nan_recordings() -> np.ndarray:
    x = RNG.normal(size=(4, 2, 10))
    x[1, 0, 3] = np.nan
    return x


def datamodule(d: Path, **options) -> ForecastDataModule:
    module = ForecastDataModule(path=str(csv(d, GOOD_CSV)), **options)
    module.setup("fit")
    return module


def mixed_folder(d: Path) -> tuple[list, list]:
    wav(d, "good.wav", TONE, 16000)
    raw_file(d, "broken.wav", b"RIFF" + b"\x00" * 40)
    with pytest.warns(UserWarning, match="skipp"):
        return load_clips(find_audio_files(d), 16000, on_bad_file="skip")


def run_cli(args: list[str]) -> tuple[int, str]:
    """``(exit code, stderr)`` of the command line ``ssm-ts args``."""
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        try:
            code = cli.main(args)
        except SystemExit as stop:  # argument errors exit like any command-line tool
            code = int(stop.code)
    return code, errors.getvalue()


def config_file(d: Path, text: str) -> str:
    (d / "config.yaml").write_text(text)
    return str(d / "config.yaml")


# --- Python API inputs ------------------------------------------------------------------------------

SERIES = pd.DataFrame(
    {
        "date": pd.date_range("2020-01-01", periods=200, freq="h"),
        "load": np.sin(np.arange(200) / 6.0),
        "temp": np.cos(np.arange(200) / 9.0),
    }
)
RECORDINGS, LABELS = RNG.normal(size=(8, 2, 24)), np.array(list("abababab"))


def forecaster(**settings) -> Forecaster:
    """A small forecaster; every case below fails while reading the data, before any training."""
    return Forecaster("nlinear", lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False, **settings)


def classifier(**settings) -> SSMClassifier:
    return SSMClassifier(max_epochs=1, **settings)


def generator() -> WaveformGenerator:
    return WaveformGenerator(preset="tiny", max_epochs=1, log_to_mlflow=False)


def with_nan(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[50, "load"] = np.nan
    return frame


def corrupt_folder(d: Path) -> Path:
    for i in range(10):
        raw_file(d, f"{i}_speaker_{i}.wav", b"RIFF" + b"\x00" * 40)
    return d


def fitted_nan_classifier() -> np.ndarray:
    X = RECORDINGS.copy()
    X[2, 1, 5] = np.nan
    model = SSMClassifier(method="random_features", n_kernels=20, nan_policy="interpolate").fit(X, LABELS)
    return model.predict(X)


CASES: dict[str, Case] = {
    # --- forecasting CSV pipeline ---------------------------------------------------------------
    "csv empty file": Case(lambda d: load_series(csv(d, "")), DataError, "is empty"),
    "csv header only": Case(lambda d: load_series(csv(d, "date,a\n")), DataError, "no data rows"),
    "csv missing file": Case(
        lambda d: load_series(d / "nope.csv"), DataFileNotFoundError, "not found: .*nope.csv"
    ),
    "csv non-numeric target": Case(
        edited(",5,10", ",five,10"), DataError, r"column 'a' .*non-numeric.*row 4"
    ),
    "csv duplicated timestamps": Case(edited("2020-01-06", "2020-01-05"), DataError, "duplicate timestamps"),
    "csv unsorted timestamps": Case(
        lambda d: load_series(unsorted_csv(d)), DataError, "not sorted.*sort the rows"
    ),
    "csv gap in time": Case(edited("2020-01-07,7,14\n", ""), DataError, "missing.*2020-01-07.*fill="),
    "csv gap filled on request": Case(
        lambda d: load_series(csv(d, GOOD_CSV.replace("2020-01-07,7,14\n", "")), fill="interpolate")[0],
        check=lambda frame: len(frame) == 20 and frame["a"].iloc[6] == pytest.approx(7.0),
    ),
    "csv all-NaN column": Case(
        lambda d: load_series(
            csv(d, "date,a,b\n" + "".join(f"2020-01-{i:02d},{i},\n" for i in range(1, 21)))
        ),
        DataError,
        "column 'b' has no values",
    ),
    "csv inf value": Case(edited(",5,10", ",inf,10"), DataError, "column 'a' has inf"),
    "csv semicolon delimiter": Case(
        lambda d: load_series(csv(d, GOOD_CSV.replace(",", ";")))[0],
        check=lambda frame: list(frame.columns)[1:] == ["a", "b"],
    ),
    "csv utf-16 encoding": Case(
        lambda d: load_series(csv(d, GOOD_CSV, encoding="utf-16"))[0],
        check=lambda frame: list(frame.columns)[1:] == ["a", "b"],
    ),
    "csv no time column": Case(
        lambda d: load_series(csv(d, "a,b\n" + "".join(f"{i},{2 * i}\n" for i in range(20)))),
        DataError,
        "no time column",
    ),
    "csv unknown target": Case(lambda d: load_series(csv(d, GOOD_CSV), target="c"), DataError, "'c'"),
    "horizon longer than the data": Case(
        lambda d: datamodule(d, lookback=8, horizon=30), DataError, "horizon 30"
    ),
    "negative horizon": Case(lambda d: ForecastDataModule(path="x.csv", horizon=-1), ConfigError, "horizon"),
    # --- audio pipeline -----------------------------------------------------------------------------
    "audio corrupt file": Case(
        lambda d: read_audio(raw_file(d, "c.wav", b"RIFF" + b"junk" * 20)), DataError, "c.wav"
    ),
    "audio empty file": Case(lambda d: read_audio(raw_file(d, "e.wav", b"")), DataError, "e.wav"),
    "audio text named .flac": Case(
        lambda d: read_audio(raw_file(d, "t.flac", b"hello")), DataError, "t.flac"
    ),
    "audio folder without audio": Case(
        lambda d: find_audio_files(d), DataFileNotFoundError, "no audio files"
    ),
    "audio stereo mixed to mono": Case(
        lambda d: read_audio(wav(d, "s.wav", np.stack([TONE, -TONE * 0], 1), 16000)),
        check=lambda clip: clip.waveform.dim() == 1 and abs(float(clip.waveform.abs().max()) - 0.25) < 0.01,
    ),
    "audio 24-bit": Case(
        lambda d: read_audio(wav(d, "p.wav", TONE, 16000, "PCM_24")),
        check=lambda clip: abs(float(clip.waveform.abs().max()) - 0.5) < 1e-3,
    ),
    "audio float": Case(
        lambda d: read_audio(wav(d, "f.wav", TONE, 16000, "FLOAT")),
        check=lambda clip: abs(float(clip.waveform.abs().max()) - 0.5) < 1e-6,
    ),
    "audio 48 kHz resampled": Case(
        lambda d: read_audio(wav(d, "h.wav", TONE, 48000), sample_rate=16000),
        check=lambda clip: clip.sample_rate == 16000 and clip.waveform.numel() == 16000,
    ),
    "audio bad file skipped and counted": Case(mixed_folder, check=lambda result: len(result[1]) == 1),
    # --- sensor pipeline ----------------------------------------------------------------------------
    "sensor ragged channel counts": Case(
        lambda d: make_series_set([RNG.normal(size=(3, 10)), RNG.normal(size=(2, 10))], ["a", "b"]),
        DataError,
        "has 2 channels but recording 0 has 3",
    ),
    "sensor label vector wrong length": Case(
        lambda d: make_series_set(RNG.normal(size=(4, 2, 10)), ["a", "b", "a"]),
        DataError,
        "3 labels for 4 recordings",
    ),
    "sensor single class": Case(
        lambda d: require_labels(make_series_set(RNG.normal(size=(4, 2, 10)), ["a"] * 4)),
        DataError,
        "at least 2 classes",
    ),
    "sensor NaN without policy": Case(
        lambda d: make_series_set(nan_recordings(), list("abab")),
        DataError,
        "channel 0, time step 3.*nan_policy",
    ),
    "sensor NaN interpolated on request": Case(
        lambda d: make_series_set(nan_recordings(), list("abab"), nan_policy="interpolate"),
        check=lambda series: series is not None,
    ),
    "sensor series of length 1": Case(
        lambda d: make_series_set(RNG.normal(size=(4, 2, 1)), list("abab")),
        check=lambda series: series is not None,
    ),
    "sensor empty series": Case(
        lambda d: make_series_set([RNG.normal(size=(2, 0)), RNG.normal(size=(2, 5))], list("ab")),
        DataError,
        "empty",
    ),
    "sensor malformed .ts value": Case(
        lambda d: read_ts(
            csv(d, "@problemName x\n@classLabel true a b\n@data\n1,2,3:a\n1,zz,3:b\n", "bad.ts")
        ),
        DataError,
        "line 5.*not a number",
    ),
    # --- Python API: Forecaster.fit ---------------------------------------------------------------------
    "api forecaster data of the wrong type": Case(
        lambda d: forecaster().fit([1.0, 2.0, 3.0]), ConfigError, "CSV path or a pandas DataFrame, got list"
    ),
    "api forecaster missing file": Case(
        lambda d: forecaster().fit(d / "sales.csv"), DataFileNotFoundError, "not found: .*sales.csv"
    ),
    "api forecaster unknown target column": Case(
        lambda d: forecaster().fit(SERIES, target="sales"), DataError, r"\['sales'\] not found.*'load'"
    ),
    "api forecaster unknown time column": Case(
        lambda d: forecaster().fit(SERIES, time_col="when"), DataError, "time column 'when' not found"
    ),
    "api forecaster unknown covariate": Case(
        lambda d: forecaster().fit(SERIES, target="load", past_covariates=["rain"]), DataError, "'rain'"
    ),
    "api forecaster series too short": Case(
        lambda d: forecaster().fit(SERIES.iloc[:20]), DataError, "has 14 rows but one window needs 30"
    ),
    "api forecaster NaN target": Case(
        lambda d: forecaster().fit(with_nan(SERIES)), DataError, "'load'.*fill="
    ),
    "api forecaster batch size 0": Case(
        lambda d: forecaster(batch_size=0).fit(SERIES),
        ConfigError,
        "batch_size must be a whole number >= 1, got 0",
    ),
    "api forecaster unknown model": Case(
        lambda d: Forecaster("sarima", lookback=24, horizon=6, log_to_mlflow=False).fit(SERIES),
        ConfigError,
        "unknown forecasting model 'sarima'",
    ),
    # --- Python API: SSMClassifier.fit -------------------------------------------------------------------
    "api classifier X and y lengths differ": Case(
        lambda d: classifier().fit(RECORDINGS, LABELS[:5]), DataError, "5 labels for 8 recordings"
    ),
    "api classifier y missing": Case(lambda d: classifier().fit(RECORDINGS, None), DataError, "y is None"),
    "api classifier one class": Case(
        lambda d: classifier().fit(RECORDINGS, ["a"] * 8), DataError, "at least 2 classes"
    ),
    "api classifier text recordings": Case(
        lambda d: classifier().fit(np.array([["1", "x"]] * 8), LABELS), DataError, "must be numbers"
    ),
    "api classifier continuous y": Case(
        lambda d: classifier().fit(RECORDINGS, RNG.normal(size=8)), DataError, "y: Unknown label type"
    ),
    "api classifier NaN without policy": Case(
        lambda d: classifier().fit(np.where(RECORDINGS > 2.5, np.nan, RECORDINGS), LABELS),
        DataError,
        "NaN or inf.*nan_policy",
    ),
    "api classifier ragged channels": Case(
        lambda d: classifier().fit([np.zeros((2, 9)), np.zeros((3, 9))], ["a", "b"]),
        DataError,
        "has 3 channels but recording 0 has 2",
    ),
    "api classifier NaN interpolated on request": Case(
        lambda d: fitted_nan_classifier(), check=lambda predicted: predicted.shape == (8,)
    ),
    # --- Python API: WaveformGenerator.fit ---------------------------------------------------------------
    "api waveform missing folder": Case(
        lambda d: generator().fit(str(d / "digits")), DataFileNotFoundError, "not found: .*digits"
    ),
    "api waveform folder without audio": Case(
        lambda d: generator().fit(str(d)), DataFileNotFoundError, "no audio files"
    ),
    "api waveform file instead of folder": Case(
        lambda d: generator().fit(str(wav(d, "one.wav", TONE, 16000))),
        DataError,
        "one.wav is an audio file; pass a folder",
    ),
    "api waveform folder of the wrong type": Case(
        lambda d: generator().fit(16000), ConfigError, "must be a path .*got int"
    ),
    "api waveform only corrupt files": Case(
        lambda d: generator().fit(str(corrupt_folder(d))), DataError, r"\d_speaker_\d.wav"
    ),
    "api waveform zero-length clips": Case(
        lambda d: generator().fit(str(d), clip_seconds=0), ConfigError, "clip_seconds must be positive"
    ),
    # --- CLI ------------------------------------------------------------------------------------------
    "cli unknown config key": Case(
        lambda d: run_cli(["forecast", "fit", "--model.lookbak", "3"]),
        check=lambda result: result[0] == 2 and "model.lookbak" in result[1],
    ),
    "cli config file with an unknown key": Case(
        lambda d: run_cli(["forecast", "fit", "--config", config_file(d, "model:\n  lookbak: 3\n")]),
        check=lambda result: result[0] == 2 and "lookbak" in result[1],
    ),
    "cli classify config with an unknown trainer key": Case(
        lambda d: run_cli(["classify", "fit", "--config", config_file(d, "trainer:\n  max_epoch: 3\n")]),
        check=lambda result: result[0] == 2 and "max_epoch" in result[1],
    ),
    "cli unknown use": Case(
        lambda d: run_cli(["forcast", "fit"]), check=lambda result: result[0] == 2 and "forcast" in result[1]
    ),
}


def test_matrix_has_at_least_30_cases_across_pipelines_api_and_cli():
    assert len(CASES) >= 30
    areas = {name.split()[0] for name in CASES}
    assert {"csv", "audio", "sensor", "api", "cli"} <= areas
    assert {name.split()[1] for name in CASES if name.startswith("api")} == {
        "forecaster",
        "classifier",
        "waveform",
    }


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name, tmp_path, capsys):
    case = CASES[name]
    if case.error is None:
        result = case.run(tmp_path)
        assert case.check(result), f"{name}: handled, but the result is wrong: {result!r}"
        return
    with pytest.raises(case.error, match=case.message) as caught:
        case.run(tmp_path)
    assert isinstance(caught.value, SSMTSError)
