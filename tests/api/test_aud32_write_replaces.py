"""``gen.write(clips, folder)`` into a folder an earlier write used replaces its clips, as ``ssm-ts audio
generate`` does; the command says so, the API did not: a loop over temperatures into one folder kept
the last set alone without a word. Now a warning at the user's line names what was replaced."""

from __future__ import annotations

import warnings

import pytest
import torch

from ssm_ts import WaveformGenerator
from ssm_ts.tasks.waveform import WaveformTask, save_waveform_export


@pytest.fixture
def gen(tmp_path) -> WaveformGenerator:
    save_waveform_export(WaveformTask(preset="tiny", sample_rate=8000), tmp_path / "export")
    return WaveformGenerator.load(str(tmp_path / "export"))


def test_a_write_over_an_earlier_one_warns_at_the_users_line(gen, tmp_path):
    out = tmp_path / "samples"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the first write into a new folder replaces nothing: no warning
        gen.write(torch.zeros(3, 80), str(out))
    with pytest.warns(
        UserWarning, match=r"write replaced the 3 clip\(s\) of an earlier write in .*samples"
    ) as seen:
        paths = gen.write(torch.zeros(1, 40), str(out))
    assert seen[0].filename == __file__
    assert [p.name for p in paths] == ["sample_000.wav", "spectrograms.png"]
    assert sorted(p.name for p in out.iterdir()) == ["sample_000.wav", "spectrograms.png"]
