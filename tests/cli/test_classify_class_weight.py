"""``ssm-ts classify fit --model.class_weight balanced``: the class weights come from the training
split's labels only (not the validation or test recordings), live in the checkpoint with the
setting, and a resumed fit keeps them; a resume with another class_weight is refused like any
changed model setting, naming it."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils.class_weight import compute_class_weight

from ssm_ts import cli
from ssm_ts.pipelines.sensor import read_ts, stratified_split
from tests.cli_runs import classify_predict

# a tiny encoder on GunPoint (TRAIN: 24 of class "1", 26 of "2"), one epoch into ./out
FIT = [
    "classify", "fit", "--config", "classify_basicmotions_quick", "--data.path", "GunPoint",
    "--model.model_options", "{d_model: 8, n_layers: 1, d_state: 8}", "--model.class_weight", "balanced",
    "--trainer.max_epochs", "1", "--seed_everything", "0", "--out", "out",
]  # fmt: skip
RESUME = ["classify", "fit", "--ckpt_path", "last", "--trainer.max_epochs", "2", "--out", "out"]


def last_checkpoint(out) -> dict:
    return torch.load(next(out.rglob("last.ckpt")), map_location="cpu", weights_only=False)


def test_balanced_weights_from_the_training_split_kept_on_resume_and_a_change_refused(
    data_home, shared_data, capsys
):
    assert cli.main(FIT) == 0
    first = last_checkpoint(data_home / "out")
    assert first["hyper_parameters"]["class_weight"] == "balanced"
    # the training split of TRAIN (val_fraction 0.2, data.seed 0): not the validation or TEST recordings
    train = read_ts(shared_data / "classification" / "GunPoint" / "GunPoint_TRAIN.ts")
    fitted_on, _ = stratified_split(train, 0.2, 0)
    expected = compute_class_weight("balanced", classes=np.array(["1", "2"]), y=fitted_on.labels)
    np.testing.assert_allclose(first["state_dict"]["class_weights"].numpy(), expected)
    assert not np.allclose(expected, 1.0)

    # predict from the checkpoint (weights play no part in predictions, only in the objective)
    ckpt = next((data_home / "out").rglob("last.ckpt"))
    assert len(classify_predict(ckpt, "GunPoint", "predicted")) == 150  # into ./predicted

    # a resume without the option keeps the setting and its weights
    assert cli.main(RESUME) == 0, capsys.readouterr().err
    resumed = last_checkpoint(data_home / "out")
    assert resumed["global_step"] == 2 * first["global_step"]  # trained on
    assert resumed["hyper_parameters"]["class_weight"] == "balanced"
    np.testing.assert_allclose(resumed["state_dict"]["class_weights"].numpy(), expected)

    # another class_weight would train another objective: refused, the checkpoint left as it was
    before = ckpt.read_bytes()
    capsys.readouterr()
    assert cli.main([*RESUME, "--model.class_weight", "{'1': 2.0}"]) == 1
    err = capsys.readouterr().err
    assert "--model.class_weight: 'balanced' in the checkpoint, {'1': 2.0} now" in err, err
    assert "Traceback" not in err
    assert ckpt.read_bytes() == before
