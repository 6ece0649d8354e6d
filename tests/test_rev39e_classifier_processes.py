"""A classifier refuses, at setup, what it cannot run on several (DDP) processes, naming the fix: predict
(under ``ddp`` each process wrote its share of the predictions under every recording's id, under
``ddp_spawn`` ``write_predictions`` failed on no predictions, torch.cat([])) and a closed-form fit (torch's
"DistributedDataParallel is not needed when a module doesn't have any parameter that requires a
gradient"). A stand-in trainer without a world size is one process."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.sampling import processes
from ssm_ts.tasks.classification import ClassificationTask
from ssm_ts.tasks.classification_processes import refuse_several_processes

TINY = {"d_model": 4, "n_layers": 1, "d_state": 4}


def task_on(world_size: int, **settings) -> ClassificationTask:
    task = ClassificationTask(n_channels=1, classes=["a", "b"], **settings)
    task._trainer = SimpleNamespace(world_size=world_size, global_rank=0)  # no data module: built already
    return task


def test_predict_on_several_processes_is_refused_naming_one_device():
    with pytest.raises(ConfigError, match=r"predicts in one process; this trainer runs 2") as err:
        task_on(2, model_options=TINY).setup("predict")
    assert "ssm-ts classify predict --trainer.devices 1 (Python: Trainer(devices=1))" in str(err.value)


def test_a_closed_form_fit_on_several_processes_is_refused_naming_one_device():
    task = task_on(2, model="random_features", model_options={"n_kernels": 4})
    with pytest.raises(
        ConfigError, match=r"'random_features' is fitted in closed form in one process"
    ) as err:
        task.setup("fit")
    assert "ssm-ts classify fit --trainer.devices 1 (Python: Trainer(devices=1))" in str(err.value)
    for stage in ("validate", "test"):  # scored once over the processes (evaluation_shards)
        task.setup(stage)


def test_what_several_processes_can_run_is_left_alone():
    task_on(2, model_options=TINY).setup("fit")  # an encoder trains under DDP
    task_on(1, model_options=TINY).setup("predict")
    task_on(1, model="random_features", model_options={"n_kernels": 4}).setup("fit")


def test_a_trainer_without_a_world_size_is_one_process():
    # was: AttributeError ('types.SimpleNamespace' object has no attribute 'world_size')
    assert processes(SimpleNamespace(trainer=SimpleNamespace(global_rank=3))) == (1, 0)
    assert processes(SimpleNamespace(trainer=None)) == (1, 0)
    assert processes(SimpleNamespace(trainer=SimpleNamespace(world_size=2, global_rank=1))) == (2, 1)


def test_a_launcher_can_ask_before_it_starts_the_processes():
    task = ClassificationTask(n_channels=1, classes=["a", "b"], model_options=TINY)  # no trainer yet
    with pytest.raises(ConfigError, match="predicts in one process; this trainer runs 4"):
        refuse_several_processes(task, "predict", world_size=4)
    refuse_several_processes(task, "predict")  # no trainer: one process
