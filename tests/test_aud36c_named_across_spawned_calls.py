"""Under ``ddp_spawn`` each trainer call starts processes of its own, each given a pickled copy of the
data module and setting it up anew: the validation of the best weights after a fit named a damaged
validation file the fit had named already. The data module now carries a record of the files named in
shared memory, which a started process receives by handle (``multiprocessing``'s pickler, as spawning
sends it), so a later call's processes name only files (or versions of them) no earlier one named."""

from __future__ import annotations

import pickle
import warnings
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import numpy as np
import soundfile as sf
from torch.utils.data import DataLoader

from ssm_ts.pipelines.audio import AudioDataModule
from tests.test_aud36_damaged_validation_file import RATE, _damaged_flac


def _folder(folder: Path) -> Path:
    for seed, name in enumerate(("t_a.wav", "t_b.wav", "s_a.wav")):  # train, and a test file
        sf.write(folder / name, np.random.default_rng(seed).uniform(-0.5, 0.5, RATE // 2), RATE)
    _damaged_flac(folder / "v_take.flac", "cut")  # validation: its clips from about 1.5 s fail
    return folder


def _validate_in_a_started_process(module: AudioDataModule) -> list[str]:
    """A trainer call under ddp_spawn: the module as a started process receives it, set up and validated."""
    sent = pickle.loads(ForkingPickler.dumps(module))
    sent.setup("validate")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        list(DataLoader(sent.datasets["val"], batch_size=4))
    return [str(w.message) for w in caught if "v_take.flac" in str(w.message)]


def test_a_damaged_file_named_by_a_fit_is_not_named_again_by_the_next_call(tmp_path):
    folder = _folder(tmp_path)
    module = AudioDataModule(
        str(folder),
        RATE,
        clip_seconds=0.25,
        split="rule",
        val_pattern="^v_",
        test_pattern="^s_",
        on_bad_file="skip",
    )
    fit, validate = _validate_in_a_started_process(module), _validate_in_a_started_process(module)
    assert len(fit) == 1 and "on_bad_file='skip'" in fit[0] and validate == []
    # a file saved anew (repaired, then damaged again) is another: named again
    _damaged_flac(folder / "v_take.flac", "middle")
    assert len(_validate_in_a_started_process(module)) == 1
