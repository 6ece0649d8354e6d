"""``~`` in the folders a Forecaster writes and reads (``out_dir``, ``save``, ``load``) names the home
folder, as the CSV readers already took it: before, ``save("~/m")`` and ``out_dir="~/runs"`` made a
folder literally named ``~`` in the working folder."""

from __future__ import annotations

import pandas as pd

from ssm_ts import Forecaster


def test_out_dir_save_and_load_read_a_leading_tilde_as_home(ett, tmp_path, monkeypatch):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir(), work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    model = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, out_dir="~/runs",
                       log_to_mlflow=False, trainer_options={"limit_train_batches": 2, "limit_val_batches": 1})  # fmt: skip
    model.fit(ett.iloc[:400], target="OT")
    assert model.out_dir_ is not None and model.out_dir_.resolve().is_relative_to(home.resolve())
    saved = model.save("~/models/ett")
    assert (home / "models" / "ett" / "config.json").is_file() and saved == home / "models" / "ett"
    assert not (work / "~").exists()
    loaded = Forecaster.load("~/models/ett")
    pd.testing.assert_frame_equal(loaded.predict(), model.predict())
