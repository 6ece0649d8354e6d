"""A fit that ``max_time`` stopped, resumed with the same ``max_time`` (the command line keeps it from the
checkpoint), trains nothing: Lightning's ``Timer`` counts the time trained before the resume too and ends
the fit at its start. It said nothing, and the command succeeded; one warning now says why nothing was
trained and what to give instead, at the user's fit call."""

from __future__ import annotations

import warnings

import pandas as pd
import torch

from ssm_ts import Forecaster

TINY = {"d_model": 4, "d_state": 4, "n_layers": 1}


def test_a_resume_whose_max_time_is_used_up_says_so(shared_data, tmp_path):
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"]).iloc[:160]

    def fit(resume: bool) -> Forecaster:
        forecaster = Forecaster(model="s4d", lookback=16, horizon=4, max_epochs=10_000, model_options=TINY,
                                max_time="00:00:00:01", patience=None, log_to_mlflow=False, out_dir=str(tmp_path),
                                trainer_options={"limit_val_batches": 1, "enable_progress_bar": False})  # fmt: skip
        return forecaster.fit(frame, time_col="date", target="OT", resume=resume)

    fit(resume=False)
    (last,) = tmp_path.glob("fits/*/checkpoints/last.ckpt")
    step = torch.load(last, weights_only=True)["global_step"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(resume=True)
    said = [(w.filename, str(w.message)) for w in caught if "is used up already" in str(w.message)]
    assert len(said) == 1 and said[0][0] == __file__, said
    assert "max_time 0:00:01" in said[0][1] and "--trainer.max_time" in said[0][1]
    assert torch.load(last, weights_only=True)["global_step"] == step  # nothing trained, as before
