"""A resumed fit whose version has a setting the run's version did not (``model.class_weight``, new
in the classifier) continues the run: the run never logged it, and at its default it changes
nothing. The CLI's run logs its config's ``model.*`` section and, through Lightning, the task's
``model`` (the model's name, ``s4d1d``) as well; the section's new key was taken for ``model``
changing from one value to nested values, and every pre-``class_weight`` classify checkpoint was
refused ("model: s4d1d in the run, {'model': 's4d1d', ... now"). A setting that really went from
one value to nested ones (``None`` or ``"balanced"`` then, a dict now) is still refused, by its own
name. The Forecaster's and WaveformGenerator's runs follow the same rule."""

from __future__ import annotations

import pytest
from lightning.pytorch.loggers import MLFlowLogger

from ssm_ts.errors import ConfigError
from ssm_ts.tracking.logger import check_resumed_run, log_params, make_mlflow_logger
from ssm_ts.tracking.resume_settings import RUNTIME_SETTINGS

# a classify fit's params, as the CLI logs them (its config's model and data sections) and as
# Lightning logs the task's and data module's (unprefixed), before class_weight existed
TASK = {
    "model": "s4d1d",
    "n_channels": None,
    "classes": None,
    "model_options": {"d_model": 32, "n_layers": 2},
    "lr": 0.005,
    "label_smoothing": 0.0,
}
DATA = {"path": "bm_train.csv", "val_fraction": 0.2, "batch_size": 16, "num_workers": 0}


def _as_lightning_logged(logger, params: dict) -> None:
    """Log ``params`` unprefixed, as Lightning did in the runs of those versions (ssm-ts's logger leaves
    Lightning's copy out now)."""
    MLFlowLogger.log_hyperparams(logger, params)


def _run_without_class_weight() -> str:
    logger = make_mlflow_logger("resume-new-settings")
    log_params(logger, {"model": TASK, "data": DATA})  # the CLI's config section
    _as_lightning_logged(logger, {**TASK, **DATA})  # "model" = "s4d1d" beside "model.lr"
    return logger.run_id


def _resume(run_id: str, params: dict, accepted=RUNTIME_SETTINGS):
    logger = make_mlflow_logger("resume-new-settings", run_id=run_id)
    return logger, check_resumed_run(logger, run_id, params, accepted)


def test_a_setting_new_since_the_run_does_not_block_its_resume():
    run_id = _run_without_class_weight()
    now = {"model": {**TASK, "class_weight": None}, "data": DATA}
    logger, kept = _resume(run_id, now)  # was refused: "model: s4d1d in the run, {'model': ..."
    assert kept == {}
    # and the resumed fit logs it as the runs it starts do, beside the run's own params
    log_params(logger, now)
    logger.log_hyperparams({**TASK, "class_weight": None, **DATA})  # Lightning's call: no second copy
    params = logger.experiment.get_run(run_id).data.params
    assert params["model.class_weight"] == "None" and "class_weight" not in params
    assert params["model"] == "s4d1d" and params["model.model"] == "s4d1d"
    assert not any(tag.startswith("resumed.") for tag in logger.experiment.get_run(run_id).data.tags)

    # a nested new setting ({label: weight}) in the section is no change of "model" either
    _, kept = _resume(
        _run_without_class_weight(), {"model": {**TASK, "class_weight": {"1": 2.0}}, "data": DATA}
    )
    assert kept == {}


def test_a_setting_that_went_from_one_value_to_nested_ones_is_refused_by_its_own_name():
    logger = make_mlflow_logger("resume-new-settings")
    task = {**TASK, "class_weight": "balanced"}
    log_params(logger, {"model": task, "data": DATA})
    _as_lightning_logged(logger, {**task, **DATA})
    with pytest.raises(ConfigError) as err:
        _resume(logger.run_id, {"model": {**task, "class_weight": {"1": 2.0}}, "data": DATA})
    message = str(err.value)
    assert "(model.class_weight: balanced in the run, {'1': 2.0} now)" in message, message
    assert "s4d1d" not in message  # only the differing setting, not the whole model section

    # None then, nested now: refused, as before
    with pytest.raises(ConfigError, match=r"\(model.model_options: None in the run, \{'d_model': 8\} now\)"):
        none_run = make_mlflow_logger("resume-new-settings")
        log_params(none_run, {"model": {**TASK, "model_options": None}})
        _resume(none_run.run_id, {"model": {**TASK, "model_options": {"d_model": 8}}})
    # a changed value of the section is refused by name, the collision notwithstanding
    with pytest.raises(ConfigError, match=r"\(model.lr: 0.005 in the run, 0.01 now\)"):
        _resume(_run_without_class_weight(), {"model": {**TASK, "lr": 0.01}, "data": DATA})


def test_forecaster_and_waveform_runs_resume_with_a_new_setting():
    # a Forecaster run: the task's hparams unprefixed, its own settings under forecaster.*
    forecast = {"model": "nlinear", "lookback": 24, "model_options": None, "quantiles": (0.1, 0.5, 0.9)}
    settings = {"max_epochs": 1, "patience": 5, "trainer_options": None}
    logger = make_mlflow_logger("resume-new-settings")
    log_params(logger, {**forecast, "forecaster": settings, "data": {"source": "ETTh1.csv"}})
    now = {**forecast, "new_option": 3, "forecaster": {**settings, "new_setting": False},
           "data": {"source": "ETTh1.csv"}}  # fmt: skip
    _, kept = _resume(logger.run_id, now, {"forecaster.max_epochs", "forecaster.trainer_options"})
    assert kept == {}

    # a WaveformGenerator run: model.*, data.*, generator.* sections, and Lightning's unprefixed params
    task = {"preset": "tiny", "d_model": None, "sample_rate": 8000, "lr": 0.004}
    data = {"root": "digits", "sample_rate": 8000, "clip_seconds": 0.02}
    logger = make_mlflow_logger("resume-new-settings")
    log_params(logger, {"model": task, "data": data, "generator": {"max_epochs": 1}})
    _as_lightning_logged(logger, {**task, **data})
    now = {"model": {**task, "new_option": None}, "data": {**data, "new_option": 1},
           "generator": {"max_epochs": 1, "new_setting": None}}  # fmt: skip
    _, kept = _resume(logger.run_id, now)
    assert kept == {}
