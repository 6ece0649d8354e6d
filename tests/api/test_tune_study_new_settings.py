"""A stored study made by an earlier ssm-ts, which had fewer Forecaster settings, continues after an
upgrade: a setting new since then trained the study's trials with its default, so the default now is
the same search, and another value is refused naming that. (Before, the new setting's default was
compared with the study's "nothing": every stored study was refused after an upgrade that added a
setting with a default other than None.)"""

from __future__ import annotations

import optuna
import pytest

from ssm_ts.api.tune_study import SETTINGS_KEY
from ssm_ts.api.tuning import tune_forecaster
from ssm_ts.errors import ConfigError

SMALL = dict(target="OT", time_col="date", model="nlinear", lookback=48, horizon=12, max_epochs=1,
             trainer_options={"limit_train_batches": 5}, log_to_mlflow=False)  # fmt: skip
SPACE = {"lr": [1e-3, 3e-3]}


def _as_stored_before(storage: str, *settings: str) -> None:
    """Make the stored study's record what a version without ``settings`` stored."""
    study = optuna.load_study(study_name="forecast-tune", storage=storage)
    record = {k: v for k, v in study.user_attrs[SETTINGS_KEY].items() if k not in settings}
    study.set_user_attr(SETTINGS_KEY, record)


def test_a_study_stored_before_a_setting_existed_continues_with_its_default(
    ett, single_thread, fits, tmp_path
):
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    kwargs = dict(sampler="grid", storage=storage, out_dir=str(tmp_path / "out"), **SMALL)
    tune_forecaster(ett, SPACE, n_trials=1, **kwargs)
    _as_stored_before(storage, "weight_decay", "ema_decay")  # defaults 0.0 and None

    with pytest.raises(ConfigError) as refused:
        tune_forecaster(ett, SPACE, n_trials=2, weight_decay=0.1, **kwargs)
    assert (
        "weight_decay: not in the study (made before this setting existed; its trials trained with the "
        "default 0.0), 0.1 now"
    ) in str(refused.value)
    assert len(fits) == 1

    result = tune_forecaster(ett, SPACE, n_trials=2, **kwargs)  # the defaults: the same search
    assert result.earlier_trials == 1 and len(fits) == 2
    assert result.trials["state"].tolist() == ["COMPLETE", "COMPLETE"]
