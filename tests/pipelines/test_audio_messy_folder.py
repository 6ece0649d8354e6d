"""Audio folders as a new user hands them over, beyond those of test_audio_folder_inputs: bad files
found by loader worker processes, float files loud only past their first clip, links to files of the
same folder, silent recordings and files of the same name in different sub-folders."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from torch.utils.data import DataLoader

from ssm_ts.errors import DataError
from ssm_ts.pipelines.audio import ClipDataset, Quantizer, index_audio

pytestmark = pytest.mark.usefixtures("single_thread")


def _tone(n: int, rate: int, amplitude: float = 0.5) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * 440.0 * np.arange(n) / rate)


def _damaged_flac(path, rate: int = 16000) -> None:
    """A FLAC whose header reads but whose frames do not decode."""
    sf.write(path, _tone(rate // 2, rate), rate)
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 400] = bytes(range(256)) + bytes(144)
    path.write_bytes(bytes(data))


def test_a_file_bad_only_when_decoded_in_a_loader_worker_is_a_data_error_naming_it(tmp_path):
    # --data.num_workers 2: torch re-raised the worker's BadAudioFileError as a RuntimeError holding
    # the worker's traceback from inside soundfile (the class takes a path and a problem, not a string)
    _damaged_flac(tmp_path / "damaged.flac")
    audio, _ = index_audio([tmp_path / "damaged.flac"], 16000)
    loader = DataLoader(ClipDataset(audio, 8000, Quantizer()), batch_size=1, num_workers=1)
    with pytest.raises(DataError) as err:
        next(iter(loader))
    message = str(err.value)
    assert message.startswith("audio file ") and "damaged.flac cannot be read" in message
    assert "on_bad_file='skip'" in message and "Traceback" not in message and "\n" not in message

