"""``ssm-ts classify fit`` on the quick BasicMotions config, then ``ssm-ts classify predict`` on the
official TEST file: the predictions CSV has one row per test recording, an id, the predicted class,
one probability column per class (summing to one) and the true label."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ssm_ts import cli

REPO = Path(__file__).resolve().parents[2]
CLASSES = ["Badminton", "Running", "Standing", "Walking"]


def test_classify_fit_then_predict_writes_predictions_csv(shared_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # MLflow's default sqlite store and any stray output land here
    folder = shared_data / "classification" / "BasicMotions"
    out = tmp_path / "out"
    fit = ["classify", "fit", "--config", str(REPO / "configs" / "classify_basicmotions_quick.yaml")]
    fit += [
        "--data.path",
        str(folder),
        "--trainer.max_epochs",
        "6",
        "--seed_everything",
        "0",
        "--out",
        str(out),
    ]
    assert cli.main(fit) == 0
    ckpt = next(out.rglob("last.ckpt"))

    predicted_dir = tmp_path / "predicted"
    predict = [
        "classify",
        "predict",
        "--ckpt_path",
        str(ckpt),
        "--data.path",
        str(folder / "BasicMotions_TEST.ts"),
    ]
    assert cli.main([*predict, "--out", str(predicted_dir)]) == 0

    frame = pd.read_csv(predicted_dir / "predictions.csv")
    assert list(frame.columns) == ["id", "predicted", *(f"p_{c}" for c in CLASSES), "label"]
    assert len(frame) == 40 and frame["id"].is_unique
    probabilities = frame[[f"p_{c}" for c in CLASSES]].to_numpy()
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert (frame["predicted"] == np.array(CLASSES)[probabilities.argmax(axis=1)]).all()
    assert sorted(frame["label"].unique()) == CLASSES  # the TEST file's own labels, 10 of each
    assert (frame["predicted"] == frame["label"]).mean() >= 0.5  # chance is 0.25
