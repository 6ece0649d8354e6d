"""``benchmarks/classify_uea.py``'s encoder run tests the best checkpoint by its path: with ssm-ts's best
callback and the last-checkpoint writer both on the trainer, ``trainer.test(ckpt_path="best")`` made
Lightning warn that it had several checkpoint callbacks to choose the "best" from."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_encoder_benchmark_tests_its_best_checkpoint_without_lightnings_warning(
    shared_data, single_thread, monkeypatch
):
    spec = importlib.util.spec_from_file_location("classify_uea", REPO / "benchmarks" / "classify_uea.py")
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    tiny = {"d_model": 8, "n_layers": 1, "d_state": 8, "epochs": 2}
    monkeypatch.setattr(benchmark, "DEFAULT", {**benchmark.DEFAULT, **tiny})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        row = benchmark.run_encoder(
            "GunPoint", shared_data / "classification" / "GunPoint", seed=0, quick=True
        )
    assert not [w for w in caught if "ModelCheckpoint" in str(w.message)], [str(w.message) for w in caught]
    assert 0 <= row["test_acc"] <= 1 and row["epochs"] == 2
