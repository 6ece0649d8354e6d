"""A file whose first frames do not decode (a FLAC cut short within its first frame, as a short FSDD
recording copied halfway is) was let through the setup's first look, which stops at the first block of
sound and took a decode error for "decoding it names that": the fit started, and the file was named by
its first clip (with ``on_bad_file="raise"`` a fit stopped mid-epoch, one such file a run; the text said
"psf_fseek() failed", libsndfile's seek, where its decoder says it lost sync). No clip of it decodes, so
the setup now names it with the folder's unreadable files: one error naming each before training, or
(``skip``) one warning, and the file left out of its split."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ssm_ts.errors import DataError
from ssm_ts.pipelines.audio import AudioDataModule

RATE = 8000


def _cut_in_its_first_frame(path: Path) -> Path:
    """0.45 s of noise as FLAC (one frame: libsndfile's 4096 samples), its bytes cut in half."""
    sf.write(path, np.random.default_rng(3).uniform(-0.5, 0.5, 3600), RATE, format="FLAC")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


@pytest.fixture
def folder(tmp_path):
    for seed, name in enumerate(("t_a.wav", "t_b.wav", "v_a.wav", "s_a.wav")):
        sf.write(tmp_path / name, np.random.default_rng(seed).uniform(-0.5, 0.5, RATE // 2), RATE)
    _cut_in_its_first_frame(tmp_path / "t_cut.flac")
    return tmp_path


def _module(folder: Path, on_bad_file: str) -> AudioDataModule:
    return AudioDataModule(
        str(folder), RATE, clip_seconds=0.25, split="rule", val_pattern="^v_", test_pattern="^s_",
        on_bad_file=on_bad_file,
    )  # fmt: skip


def test_raise_names_it_before_training(folder):
    with pytest.raises(DataError, match=r"t_cut\.flac cannot be read \(.*lost sync.*\).*on_bad_file='skip'"):
        _module(folder, "raise").setup("fit")


def test_skip_leaves_it_out_at_setup_with_the_folders_unreadable_files(folder):
    module = _module(folder, "skip")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module.setup("fit")
        train = module.datasets["train"]
        items = [train[i] for i in range(len(train))]
    named = [str(w.message) for w in caught if "t_cut.flac" in str(w.message)]
    assert len(named) == 1 and named[0].startswith("skipped 1 unreadable audio file(s) of 5: t_cut.flac")
    assert [p.name for p in module.files.train] == ["t_a.wav", "t_b.wav"]
    assert all(int(length) > 0 for _, length in items)
