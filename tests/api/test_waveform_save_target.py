"""``WaveformGenerator.save`` replaces its folder whole: a folder of the user's own files, or a file, at
that path is refused before anything is moved; an earlier save (or a new folder) is written over."""

from __future__ import annotations

import pytest
import soundfile as sf

from ssm_ts import WaveformGenerator
from ssm_ts.errors import ConfigError
from ssm_ts.tasks.waveform import WaveformTask

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture(scope="module")
def generator() -> WaveformGenerator:
    gen = WaveformGenerator("tiny")
    gen.task_ = WaveformTask(preset="tiny", sample_rate=8000)
    return gen


def test_saving_into_a_folder_of_recordings_keeps_them(generator, tmp_path):
    # before: gen.save("my_wavs") replaced the folder with the model: every recording deleted
    takes = tmp_path / "my_wavs"
    (takes / "speaker1").mkdir(parents=True)
    sf.write(takes / "take1.wav", [0.0, 0.1, -0.1], 8000)
    sf.write(takes / "speaker1" / "take2.wav", [0.0, 0.1, -0.1], 8000)
    with pytest.raises(
        ConfigError, match=r"my_wavs holds files that are no saved model \(speaker1, take1.wav\)"
    ):
        generator.save(str(takes))
    assert sorted(p.name for p in takes.rglob("*.wav")) == ["take1.wav", "take2.wav"]


def test_saving_onto_a_file_keeps_it(generator, tmp_path):
    # before: the file was moved to a hidden .take.wav.<hex>.old and a model folder took its name
    take = tmp_path / "take.wav"
    sf.write(take, [0.0, 0.1, -0.1], 8000)
    with pytest.raises(ConfigError, match="take.wav is a file, not a folder"):
        generator.save(str(take))
    assert take.is_file() and sorted(p.name for p in tmp_path.iterdir()) == ["take.wav"]


def test_an_earlier_save_or_an_empty_folder_is_written_over(generator, tmp_path):
    (tmp_path / "empty").mkdir()
    for target in (tmp_path / "new" / "model", tmp_path / "empty", tmp_path / "new" / "model"):
        generator.save(str(target))
        assert WaveformGenerator.load(str(target)).sample_rate == 8000
