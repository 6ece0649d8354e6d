"""Fixtures of the tracking tests: pyfunc models that need no fit."""

from __future__ import annotations

import pytest

from ssm_ts import WaveformGenerator
from ssm_ts.tasks.waveform import WaveformTask, save_waveform_export
from ssm_ts.tracking.pyfunc_audio import WaveformPyfunc


@pytest.fixture
def audio(tmp_path) -> WaveformPyfunc:
    """The audio pyfunc over a tiny untrained generator at 8 kHz (no fit needed for request checks)."""
    save_waveform_export(WaveformTask(preset="tiny", sample_rate=8000), tmp_path / "export")
    model = WaveformPyfunc()
    model.generator = WaveformGenerator.load(str(tmp_path / "export"))
    return model
