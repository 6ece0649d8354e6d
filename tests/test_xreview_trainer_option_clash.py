"""A ``trainer_options`` entry that a front end sets from a setting of its own (``max_epochs``,
``max_time``, ``accelerator``) is refused when the front end is built, naming the setting to use: it
was a ``TypeError`` ("build_trainer() got multiple values for keyword argument 'max_epochs'") from
deep inside ``fit``, after the data had been read."""

from __future__ import annotations

import pytest

from ssm_ts import Forecaster, WaveformGenerator
from ssm_ts.errors import ConfigError


@pytest.mark.parametrize(
    ("option", "value"), [("max_epochs", 2), ("max_time", "00:00:10:00"), ("accelerator", "cpu")]
)
@pytest.mark.parametrize("front_end", [Forecaster, WaveformGenerator])
def test_a_trainer_option_of_a_front_end_setting_names_the_setting(front_end, option, value):
    with pytest.raises(ConfigError) as error:
        front_end(trainer_options={option: value, "limit_train_batches": 5})
    message = str(error.value)
    assert f"trainer_options[{option!r}]" in message
    assert f"{front_end.__name__}({option}={value!r})" in message and "not in trainer_options" in message


def test_the_forecaster_fit_is_refused_before_reading_anything(ett, tmp_path):
    with pytest.raises(ConfigError, match=r"Forecaster\(max_epochs=3\)"):
        Forecaster(log_to_mlflow=False, out_dir=str(tmp_path), trainer_options={"max_epochs": 3})
    # the other Trainer arguments are still the user's
    fc = Forecaster(
        model="nlinear",
        lookback=24,
        horizon=6,
        max_epochs=1,
        log_to_mlflow=False,
        out_dir=str(tmp_path),
        trainer_options={"limit_train_batches": 2, "enable_progress_bar": False},
    )
    fc.fit(ett[["date", "OT"]].iloc[:400], target="OT", time_col="date")
    assert fc.metrics_["val_loss"] > 0
