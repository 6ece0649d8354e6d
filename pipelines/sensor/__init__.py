"""The sensor classification pipeline: readers (UCR/UEA .ts, .arff, CSV, NumPy, FSDD audio as log-mel),
checked recordings with padding masks (and their sampling step, from the files' times), a train-only
per-channel scaler and ``SensorDataModule``; sliding windows over a continuous stream (``sliding_windows``)."""

from typing import Any

from .audio import log_mel, read_audio_clips, read_fsdd
from .csv_recording import read_csv_recording
from .labels import encode_labels
from .layout import LayoutWarning, transposed_hint, warn_if_transposed
from .readers import (
    find_archive_split,
    read_arff,
    read_csv_folder,
    read_csv_long,
    read_numpy,
    read_series,
    read_ts,
)
from .sampling_step import SamplingStepWarning, check_sampling_step
from .scaler import ChannelScaler, fit_channel_scaler
from .series import SeriesSet, channel_order, make_series_set, match_channels, pad_batch, require_labels
from .time_gaps import TimeGapWarning
from .windows import StreamWindows, sliding_windows

__all__ = [
    "ChannelScaler",
    "LayoutWarning",
    "SamplingStepWarning",
    "SensorDataModule",
    "SeriesSet",
    "StreamWindows",
    "TimeGapWarning",
    "channel_order",
    "check_sampling_step",
    "collate_recordings",
    "encode_labels",
    "find_archive_split",
    "fit_channel_scaler",
    "log_mel",
    "make_series_set",
    "match_channels",
    "pad_batch",
    "read_arff",
    "read_audio_clips",
    "read_csv_folder",
    "read_csv_long",
    "read_csv_recording",
    "read_fsdd",
    "read_numpy",
    "read_series",
    "read_ts",
    "require_labels",
    "sliding_windows",
    "stratified_split",
    "transposed_hint",
    "warn_if_transposed",
]

# the data module imports Lightning (seconds): loaded at first use, so SSMClassifier's random features
# and the readers run without it. Its names stay in __all__ (the documented names): a star import gives
# them too, and so loads Lightning, as importing SensorDataModule by name does; without them it would
# leave SensorDataModule undefined, a NameError at first use
_DATAMODULE_NAMES = ("SensorDataModule", "collate_recordings", "stratified_split")


def __getattr__(name: str) -> Any:
    if name in _DATAMODULE_NAMES:
        from . import datamodule

        return getattr(datamodule, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_DATAMODULE_NAMES))
