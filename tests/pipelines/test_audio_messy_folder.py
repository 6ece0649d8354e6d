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


def test_a_float_file_loud_past_its_first_clip_warns_with_the_files_own_peak(tmp_path):
    # clips of a file at the training rate decode only their window: the warning gave the first
    # window's peak (1.02 for a file peaking at 2.27), or none when the first window was in range
    wave = np.concatenate([_tone(800, 16000, 0.5), _tone(800, 16000, 1.1), _tone(800, 16000, 4.0)])
    sf.write(tmp_path / "gain.wav", wave.astype(np.float32), 16000, subtype="FLOAT")
    audio, _ = index_audio([tmp_path / "gain.wav"], 16000)
    with pytest.warns(UserWarning, match=r"gain\.wav peaks at 4, beyond full scale") as record:
        ClipDataset(audio, 1600, Quantizer())[0]  # the first 0.1 s peak at 1.1
    assert len([w for w in record if "gain.wav" in str(w.message)]) == 1


def test_a_silent_file_is_named_once_and_leading_silence_is_not(tmp_path):
    # a recording of a muted input trained the model on silence without a word
    sf.write(tmp_path / "muted.wav", np.zeros(1600), 16000)
    sf.write(tmp_path / "pause_first.wav", np.concatenate([np.zeros(800), _tone(800, 16000)]), 16000)
    audio, _ = index_audio([tmp_path / "muted.wav", tmp_path / "pause_first.wav"], 16000)
    clips = ClipDataset(audio, 400, Quantizer())
    with pytest.warns(UserWarning, match=r"muted\.wav is silent: every sample is 0") as record:
        clips[0], clips[1]
        clips[0]
    silent = [str(w.message) for w in record if "is silent" in str(w.message)]
    assert len(silent) == 1 and "muted.wav" in silent[0]  # once, and not for the leading pause
