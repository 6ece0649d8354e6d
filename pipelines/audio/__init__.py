"""The audio pipeline: soundfile reader, splits, mu-law/linear codes, clips and the data module."""

from .datamodule import AudioDataModule, AudioFiles, ClipDataset, index_audio, load_clips
from .folder import AUDIO_EXTENSIONS, find_audio_files
from .quantize import QUANTIZATIONS, Quantizer
from .reader import (
    AudioClip,
    AudioHeader,
    audio_header,
    audio_info,
    read_audio,
    read_audio_window,
)
from .split import FSDD_TEST_PATTERN, SPLIT_METHODS, FileSplit, split_files
from .writing import spectrogram_figure, write_spectrogram_sheet, write_wav

__all__ = [
    "AUDIO_EXTENSIONS",
    "FSDD_TEST_PATTERN",
    "QUANTIZATIONS",
    "SPLIT_METHODS",
    "AudioClip",
    "AudioDataModule",
    "AudioFiles",
    "AudioHeader",
    "ClipDataset",
    "FileSplit",
    "Quantizer",
    "audio_header",
    "audio_info",
    "find_audio_files",
    "index_audio",
    "load_clips",
    "read_audio",
    "read_audio_window",
    "spectrogram_figure",
    "split_files",
    "write_spectrogram_sheet",
    "write_wav",
]
