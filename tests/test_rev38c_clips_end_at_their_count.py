"""Under DDP a process short of a validation or test clip takes an empty one (length 0, weighing nothing:
``EvaluationShard``). That item was ``clips[len(clips)]``, which the clips then answered, so that Python's
iteration of them (``list(clips)``, ``for codes, length in clips``), which stops at the first index that
raises ``IndexError``, gave one clip too many, an empty one. The empty item is now an index of its own
(``EMPTY``), and ``clips[len(clips)]`` raises as it did before."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from torch.utils.data import DataLoader

from ssm_ts.pipelines.audio import AudioDataModule
from ssm_ts.pipelines.audio.evaluation_shards import EvaluationShard

RATE = 8000


@pytest.fixture
def clips(tmp_path):
    for seed, (name, seconds) in enumerate((("t_a.wav", 0.5), ("s_a.wav", 0.5), ("v_a.wav", 0.6))):
        sf.write(tmp_path / name, np.random.default_rng(seed).uniform(-0.5, 0.5, int(seconds * RATE)), RATE)
    module = AudioDataModule(
        str(tmp_path), RATE, clip_seconds=0.25, split="rule", val_pattern="^v_", test_pattern="^s_"
    )
    module.setup("fit")
    return module.datasets["val"]  # three clips: 2000, 2000 and 800 samples


def test_the_clips_iterate_as_many_as_they_count(clips):
    assert [int(length) for _, length in clips] == [2000, 2000, 800]  # was [2000, 2000, 800, 0]
    with pytest.raises(IndexError):
        clips[len(clips)]


def test_a_process_short_of_a_clip_still_scores_an_empty_one(clips):
    for rank, lengths in ((0, [2000, 800]), (1, [2000, 0])):
        loader = DataLoader(clips, batch_size=1, sampler=EvaluationShard(clips, 2, rank))
        assert [int(n) for _, batch in loader for n in batch] == lengths
