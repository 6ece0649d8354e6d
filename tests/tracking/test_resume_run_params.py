"""How a resumed run's parameters are compared with the ones the run logged
(:func:`ssm_ts.tracking.logger.check_resumed_run`): by value, not text, so a list given where the
run logged a tuple, or ``0`` where it logged ``0.0``, is neither refused nor tagged (it was refused:
"(0.1, 0.5, 0.9) in the run, [0.1, 0.5, 0.9] now"), and is left out of the parameters logged again
(MLflow would refuse the other text). A free setting whose nested keys appear or go
(``trainer_options`` None then, a dict now) leaves a ``resumed.<n>.<setting>`` tag; it left none."""

from __future__ import annotations

import pytest
from lightning.pytorch.loggers import MLFlowLogger

from ssm_ts.errors import ConfigError
from ssm_ts.tracking.logger import check_resumed_run, log_params, make_mlflow_logger
from ssm_ts.tracking.resume_settings import same_logged_value, same_setting

FREE = {"forecaster.max_epochs", "forecaster.trainer_options"}


@pytest.fixture
def run(tmp_path, monkeypatch):
    """A run as a Forecaster fit of an older version logged it: its settings under forecaster.*, the task's
    unprefixed."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    first = make_mlflow_logger("resume-params")
    settings = {"quantiles": (0.1, 0.5, 0.9), "weight_decay": 0.0, "max_epochs": 1, "trainer_options": None}
    log_params(first, {"forecaster": settings})
    # the task's, unprefixed, as Lightning logged them before ssm-ts's logger left its copy out
    MLFlowLogger.log_hyperparams(
        first, {"weight_decay": 0.0, "quantiles": (0.1, 0.5, 0.9), "model_options": None}
    )
    return first.run_id, settings


def _resume(run_id: str, params: dict, **options):
    logger = make_mlflow_logger("resume-params", run_id=run_id)
    return logger, check_resumed_run(logger, run_id, params, FREE, **options)


def test_a_value_in_another_form_is_no_change_and_is_not_logged_again(run):
    run_id, settings = run
    now = {**settings, "quantiles": [0.1, 0.5, 0.9], "weight_decay": 0}
    task = {"weight_decay": 0, "quantiles": [0.1, 0.5, 0.9], "model_options": None}
    logger, kept = _resume(run_id, {**task, "forecaster": now})
    assert kept == {}
    # both raised MLflow's "Changing param values is not allowed" before
    log_params(logger, {"forecaster": now})
    logged = logger.experiment.get_run(run_id)
    assert logged.data.params["forecaster.quantiles"] == "(0.1, 0.5, 0.9)"
    assert logged.data.params["weight_decay"] == "0.0"
    assert not any(tag.startswith("resumed.") for tag in logged.data.tags)


def test_free_nested_settings_that_appear_or_go_leave_a_tag(run):
    run_id, settings = run
    options = {"limit_train_batches": 2, "enable_progress_bar": False}
    logger, kept = _resume(run_id, {"forecaster": {**settings, "trainer_options": options}})
    assert kept == {"forecaster.trainer_options": ("None", str(options))}
    log_params(logger, {"forecaster": {**settings, "trainer_options": options}})
    logged = logger.experiment.get_run(run_id).data
    assert logged.tags["resumed.1.forecaster.trainer_options"] == str(options)
    assert logged.params["forecaster.trainer_options"] == "None"  # the run's value; no nested params
    assert not any(k.startswith("forecaster.trainer_options.") for k in logged.params)

    # a run that logged nested values: one more key, then none
    logger = make_mlflow_logger("resume-params")
    log_params(logger, {"forecaster": {**settings, "trainer_options": {"limit_train_batches": 2}}})
    nested_run = logger.run_id
    more = {"limit_train_batches": 2, "limit_val_batches": 1}
    for n, now in enumerate([more, None, {}], start=1):
        _, kept = _resume(nested_run, {"forecaster": {**settings, "trainer_options": now}})
        assert kept == {"forecaster.trainer_options": ("{'limit_train_batches': '2'}", str(now))}
        tags = logger.experiment.get_run(nested_run).data.tags
        assert tags[f"resumed.{n}.forecaster.trainer_options"] == str(now)
    _, kept = _resume(nested_run, {"forecaster": {**settings, "trainer_options": {"limit_train_batches": 3}}})
    assert kept == {"forecaster.trainer_options.limit_train_batches": ("2", "3")}  # one value, as before


def test_real_changes_are_still_refused_and_the_hint_names_the_front_ends_settings(run):
    run_id, settings = run
    with pytest.raises(
        ConfigError, match=r"forecaster.quantiles: \(0.1, 0.5, 0.9\) in the run, \[0.1, 0.9\] now"
    ):
        _resume(run_id, {"forecaster": {**settings, "quantiles": [0.1, 0.9]}})
    # a setting that was None and now holds nested values differs as a whole
    with pytest.raises(ConfigError, match=r"model_options: None in the run, \{'d_model': 32\} now") as err:
        _resume(run_id, {"model_options": {"d_model": 32}}, free_hint=["max_epochs", "trainer_options"])
    assert "may differ: max_epochs, trainer_options)" in str(err.value)
    with pytest.raises(ConfigError, match=r"weight_decay: 0.0 in the run, 0.1 now") as err:
        _resume(run_id, {"weight_decay": 0.1})
    assert "may differ" not in str(err.value)  # no runtime setting of the CLI's among these params


def test_same_setting_compares_values_not_their_form():
    assert same_setting([0.1, [1, 2]], (0.1, (1, 2))) and same_setting(0, 0.0)
    assert not same_setting(True, 1) and not same_setting([1, 2], [1, 2, 3]) and not same_setting("1", 1)
    assert same_logged_value("(0.8, 0.1, 0.1)", [0.8, 0.1, 0.1]) and same_logged_value("1.0", 1)
    assert same_logged_value("date", "date") and not same_logged_value("None", "date")
    assert not same_logged_value("0.001", 0.01) and not same_logged_value("[1, 2]", "[1, 2]x")
