"""An OGG cut short before its first full page of audio (an interrupted copy) decodes no sample: it
was "holds no samples", which a 5 kB file plainly does not look like; it now says it holds none that
can be decoded, and that it may be cut short."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from ssm_ts.errors import DataError
from ssm_ts.pipelines.audio import read_audio


def test_an_ogg_cut_short_says_it_may_be_cut_short(tmp_path):
    whole = tmp_path / "whole.ogg"
    sf.write(whole, np.random.default_rng(0).uniform(-0.3, 0.3, 48000), 16000)
    data = whole.read_bytes()
    cut = tmp_path / "cut.ogg"
    cut.write_bytes(data[: int(len(data) * 0.3)])
    if sf.info(cut).frames != 0:
        pytest.skip("this libsndfile decodes part of the cut file")
    with pytest.raises(DataError) as caught:
        read_audio(cut)
    message = str(caught.value)
    assert (
        f"cut.ogg holds no samples that can be decoded, though it is {len(data) * 3 // 10} bytes" in message
    )
    assert "cut short (an interrupted copy or download?)" in message
