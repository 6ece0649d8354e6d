"""The audio pipeline: soundfile reader, splits, mu-law/linear codes, clips and the data module."""

from .datamodule import AudioDataModule, ClipDataset, load_clips
from .quantize import QUANTIZATIONS, Quantizer
from .reader import AUDIO_EXTENSIONS, AudioClip, find_audio_files, read_audio
from .split import FSDD_TEST_PATTERN, SPLIT_METHODS, FileSplit, split_files
from .writing import spectrogram_figure, write_spectrogram_sheet, write_wav

__all__ = [
    "AUDIO_EXTENSIONS",
    "FSDD_TEST_PATTERN",
    "QUANTIZATIONS",
    "SPLIT_METHODS",
    "AudioClip",
    "AudioDataModule",
    "ClipDataset",
    "FileSplit",
    "Quantizer",
    "find_audio_files",
    "load_clips",
    "read_audio",
    "spectrogram_figure",
    "split_files",
    "write_spectrogram_sheet",
    "write_wav",
]
