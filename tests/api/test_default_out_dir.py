"""Fits without ``out_dir`` write under ``outputs/`` in the working directory, a new folder each: their
checkpoints must outlive the process (WaveformGenerator used a temporary folder, left one per fit
in the system's temp folder, and lost them at the next reboot)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssm_ts import Forecaster, WaveformGenerator


@pytest.mark.parametrize(
    ("front_end", "folder"), [(Forecaster, "forecaster"), (WaveformGenerator, "waveform")]
)
def test_a_fit_without_out_dir_gets_a_new_folder_under_outputs(front_end, folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = front_end()
    first, second = model._fit_folder(resume=False), model._fit_folder(resume=False)
    assert first != second
    for path in (first, second):
        assert path.is_absolute() and path.parent == tmp_path / "outputs" / folder
    monkeypatch.chdir(Path("/"))
    assert model._fit_folder(resume=True) == second  # a resume finds it from any working directory
