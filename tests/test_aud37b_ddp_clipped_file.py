"""Under ``strategy="ddp"`` each process sets up its own data module (no record shared between them), and
an integer PCM file clipped at full scale was named by each process whose share of the clips put it over
the share (two lines for one file with 2 processes), and by none when no process's share alone did. As
damaged files are, it is now named at the epoch's end by rank 0 alone, from every process's counts summed
(the share and the seconds read are of all of them). One process still names it as it reads it, and a
DDP process stopped mid-epoch names what it counted (no collective: the others may be gone).

Two forked processes on gloo (as tests/test_aud37_ddp_damaged_training_file.py runs them), a collective's
timeout of a few seconds, so a process left alone in one fails the test instead of hanging it."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from ssm_ts.pipelines.audio import AudioDataModule
from tests.gloo_pair import gloo_rank, run_pair
from tests.test_aud37_clipped_named_across_spawned_calls import RATE, _folder

LOUD = "v_take.flac"  # the clipped validation file of _folder: 0.3 s, 6 clips of 0.05 s
# which processes read its clips: both (half each), or process 1 alone
READERS = {"both": (0, 1), "one": (1,)}


def _module(folder: str, world_size: int, rank: int) -> AudioDataModule:
    """A data module of ``folder`` set up in process ``rank`` of ``world_size``, as the waveform task's setup
    leaves it (:meth:`AudioDataModule.name_damaged_at_epoch_ends`)."""
    module = AudioDataModule(
        folder, RATE, clip_seconds=0.05, split="rule", val_pattern="^v_", test_pattern="^s_"
    )
    module.trainer = SimpleNamespace(world_size=world_size, global_rank=rank)
    module.setup("fit")
    module.name_damaged_at_epoch_ends()
    return module


def _loud_clips(module: AudioDataModule) -> list[int]:
    val = module.datasets["val"]
    return [item for item, (file, _) in enumerate(val.tiles) if val.waves.files[file].name == LOUD]


def _clipped(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "clipped at full scale" in str(w.message)]


def validate_share(rank: int, folder: str, case: str) -> None:
    with gloo_rank(rank, folder):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module = _module(folder, world_size=2, rank=rank)  # each process's own, as strategy="ddp" has
            val, loud = module.datasets["val"], _loud_clips(module)
            if rank in READERS[case]:
                for item in loud[rank::2] if case == "both" else loud:
                    val[item]
            module.name_found_bad("val")  # the validation epoch's end, every process
            module.name_found_bad("val")  # a later one: named already
            module.on_exception(KeyboardInterrupt())  # then stopped: named already, by rank 0
        Path(folder, f"rank{rank}").write_text("\n".join(_clipped(caught)))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", READERS)
def test_a_clipped_file_is_named_once_by_rank_0_under_ddp(tmp_path, case):
    folder = _folder(tmp_path)
    said = run_pair(validate_share, folder, case)
    # was: a warning from each process that read it (both: two lines; one: from process 1 alone)
    assert said[1] == "", said
    assert said[0].count("clipped at full scale") == 1, said
    assert f"{LOUD} is clipped at full scale" in said[0]
    # every clip read, by one process or two (0.15 s each: summed)
    assert "of the 0.3 s read from it so far" in said[0], said


def test_one_process_names_a_clipped_file_as_it_reads_it(tmp_path):
    module = _module(str(_folder(tmp_path)), world_size=1, rank=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module.datasets["val"][_loud_clips(module)[0]]
        [named] = _clipped(caught)  # not left to the epoch's end
        module.name_found_bad("val")
        module.on_exception(KeyboardInterrupt())
    assert _clipped(caught) == [named] and "of the 0.05 s read from it so far" in named


def test_a_ddp_process_stopped_mid_epoch_names_what_it_counted(tmp_path):
    module = _module(str(_folder(tmp_path)), world_size=2, rank=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module.datasets["val"][_loud_clips(module)[0]]
        assert _clipped(caught) == []  # left to rank 0 at the epoch's end
        module.on_exception(RuntimeError("out of memory"))
    assert len(_clipped(caught)) == 1


def test_a_ddp_predict_names_a_clipped_file_as_it_reads_it(tmp_path):
    """A predict has no epoch end to name it at: each process names what it reads, as before."""
    module = _module(str(_folder(tmp_path)), world_size=2, rank=1)  # a fit's setup
    module.name_damaged_at_epoch_ends("predict")  # a predict after the fit, in the same processes
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module.datasets["val"][_loud_clips(module)[0]]
    assert len(_clipped(caught)) == 1
