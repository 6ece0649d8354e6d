"""Lossy files normalised to 0 dBFS decode slightly beyond full scale (Vorbis overshoot): no clipping
warning for that, while a gain error or a clipped source, encoded the same way, still warns.

Every Ogg Vorbis made from a peak-normalised spoken digit was named "beyond full scale ... a gain
error?" (peaks 1.01-1.11 on a few samples in a thousand), hiding the files that were really clipped.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import soundfile as sf

from ssm_ts.pipelines.audio import index_audio, read_audio

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture(scope="module")
def lossy_digits(shared_data, tmp_path_factory):
    """Six spoken digits (espeak, 1 s at 16 kHz) peak-normalised to 0 dBFS as Ogg Vorbis in ``normal/``;
    in ``odd/``, one of them 1.5x too loud (``loud.ogg``) and one clipped at full scale 4x too loud
    before encoding (``clipped.ogg``), beside two normal ones."""
    folder = tmp_path_factory.mktemp("lossy")
    (folder / "normal").mkdir()
    (folder / "odd").mkdir()
    spoken = sorted((shared_data / "audio" / "espeak-digits" / "seven").glob("*.wav"))[:6]
    for i, path in enumerate(spoken):
        wave, rate = sf.read(path)
        wave = wave / np.abs(wave).max()
        sf.write(folder / "normal" / f"take{i}.ogg", wave, rate, format="OGG", subtype="VORBIS")
        if i < 2:
            sf.write(folder / "odd" / f"take{i}.ogg", wave, rate, format="OGG", subtype="VORBIS")
    sf.write(folder / "odd" / "loud.ogg", 1.5 * wave, rate, format="OGG", subtype="VORBIS")
    sf.write(folder / "odd" / "clipped.ogg", np.clip(4 * wave, -1, 1), rate, format="OGG", subtype="VORBIS")
    return folder


def test_lossy_overshoot_at_0_dbfs_is_not_named_clipped(lossy_digits):
    files = sorted((lossy_digits / "normal").glob("*.ogg"))
    peaks = [float(np.abs(sf.read(path, dtype="float32")[0]).max()) for path in files]
    assert max(peaks) > 1.0  # the decoder does overshoot
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails
        index_audio(files, 16000)
        for path in files:
            read_audio(path)


def test_gain_errors_and_clipped_sources_in_lossy_files_still_warn(lossy_digits):
    files = sorted((lossy_digits / "odd").glob("*.ogg"))
    with pytest.warns(UserWarning, match="peak beyond full scale") as record:
        index_audio(files, 16000)
    message = " ".join(str(w.message) for w in record)
    assert "2 audio file(s)" in message and "clipped.ogg (peak" in message and "loud.ogg (peak" in message
    assert "take" not in message
    for name in ("loud.ogg", "clipped.ogg"):
        with pytest.warns(UserWarning, match=rf"{name} peaks at .*clipped to \[-1, 1\]"):
            read_audio(lossy_digits / "odd" / name)
