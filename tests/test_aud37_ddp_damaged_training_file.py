"""With ``on_bad_file="skip"`` under DDP a training file found damaged as its clips were decoded was named
by each process that drew it (two lines for one file with 2 processes), and never by a process that did
not. As validation's are, the training files found damaged are now named at the training epoch's end by
rank 0 alone, from the items every process found: once, with the error of the clip that failed (a random
crop's window, found by another process, is decoded again from the sample it started at).

Two forked processes on gloo (as tests/test_aud36b_ddp_damaged_validation.py runs them), a collective's
timeout of a few seconds, so a process left alone in one fails the test instead of hanging it."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf

from ssm_ts.pipelines.audio import AudioDataModule
from tests.gloo_pair import gloo_rank, run_pair
from tests.test_aud36_damaged_validation_file import RATE, _damaged_flac

# which processes decode the damaged file's clips: both, or process 1 alone (process 0 draws none of it)
FINDERS = {"both": (0, 1), "one": (1,)}


def _folder(folder: Path) -> Path:
    """Training: a 3 s FLAC with 200 bytes zeroed halfway (the clips over them fail); a validation and a
    test file."""
    _damaged_flac(folder / "t_take.flac", "middle")
    for seed, name in enumerate(("v_a.wav", "s_a.wav")):
        sf.write(folder / name, np.random.default_rng(seed).uniform(-0.5, 0.5, RATE // 2), RATE)
    return folder


def train_share(rank: int, folder: str, case: str) -> None:
    with gloo_rank(rank, folder):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # each process's own data module, as strategy="ddp" starts them: no record shared
            module = AudioDataModule(folder, RATE, clip_seconds=0.25, crop="random", split="rule",
                                     val_pattern="^v_", test_pattern="^s_", on_bad_file="skip")  # fmt: skip
            module.trainer = SimpleNamespace(world_size=2, global_rank=rank)
            module.setup("fit")
            module.name_damaged_at_epoch_ends()  # the task's setup does so
            train = module.datasets["train"]
            if rank in FINDERS[case]:  # random windows of epochs 0, 1, ... until one fails
                for epoch in range(200):
                    train[(0, epoch)]
                    if train.found_bad[0]:
                        break
                assert train.found_bad[0], "no window of the damaged file failed"
            module.name_found_bad("train")  # the training epoch's end, every process
        said = [str(w.message) for w in caught if "t_take.flac" in str(w.message)]
        Path(folder, f"rank{rank}").write_text("\n".join(said))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", FINDERS)
def test_a_damaged_training_file_is_named_once_by_rank_0(tmp_path, case):
    folder = _folder(tmp_path)
    said = run_pair(train_share, folder, case)
    # was: a warning from each process that found it (both: two lines; one: from process 1 alone)
    assert said[1] == "", said
    assert said[0].count("skipped audio file") == 1, said
    assert "t_take.flac" in said[0] and "on_bad_file='skip'" in said[0]
    assert "failed in another process" not in said[0]  # the window that failed, decoded again for its error
