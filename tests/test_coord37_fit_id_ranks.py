"""Under strategy="ddp" (the user's script run once a process) every process of a Forecaster fit drew its own
fit id: rank 1 did not know the validation record rank 0 stored in the best checkpoint, validated the
restored weights alone and waited in a collective rank 0 never joined (a gloo 'Connection closed by peer'
and a TrainingError on rank 1 after training). Each process now takes rank 0's id when the fit sets up."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from lightning.pytorch.strategies import DDPStrategy

from ssm_ts.api.forecast_validation_callback import RecordValidation
from tests.gloo_pair import gloo_rank, run_pair


def _fit_id_of(rank: int, folder: str) -> None:
    with gloo_rank(rank, folder):
        record = RecordValidation()  # each process builds its own, as each run of the script does
        record.setup(SimpleNamespace(strategy=DDPStrategy()), None, "fit")
        Path(folder, f"rank{rank}").write_text(record.fit_id)


@pytest.mark.timeout(60)
def test_every_process_of_a_ddp_fit_has_rank_zero_s_fit_id(tmp_path):
    ids = run_pair(_fit_id_of, tmp_path)
    assert ids[0] == ids[1] and len(ids[0]) == 32


def test_one_process_keeps_its_own_id():
    record = RecordValidation()
    drawn = record.fit_id
    record.setup(SimpleNamespace(strategy=DDPStrategy()), None, "fit")  # no process group: unchanged
    assert record.fit_id == drawn
