"""Objects in ``trainer_options`` as JSON (``class_path``/``init_args``) and back: a description is kept
only when building it gives an object of the same state; any other object is recorded by its class,
with why; descriptions are built by jsonargparse, checked against the class's signature."""

from __future__ import annotations

import json

import pytest
from lightning.pytorch.callbacks import (
    Callback,
    EarlyStopping,
    GradientAccumulationScheduler,
    LearningRateMonitor,
    ModelCheckpoint,
    Timer,
    TQDMProgressBar,
)
from lightning.pytorch.plugins import MixedPrecision
from lightning.pytorch.profilers import AdvancedProfiler, SimpleProfiler

from ssm_ts.api.resumable import ResumableEarlyStopping
from ssm_ts.api.trainer_objects import _same_state, build, describe, fit_trainer_options, json_trainer_options
from ssm_ts.errors import ConfigError


@pytest.mark.parametrize(
    ("callback", "init_args"),
    [
        (EarlyStopping("val_loss", patience=2), {"monitor": "val_loss", "patience": 2}),
        # kept as -0.01 (mode "min"): read back as given
        (EarlyStopping("val_loss", min_delta=0.01), {"monitor": "val_loss", "min_delta": 0.01}),
        (
            EarlyStopping("acc", min_delta=0.01, mode="max"),
            {"monitor": "acc", "min_delta": 0.01, "mode": "max"},
        ),
        (ResumableEarlyStopping("val_loss", patience=7), {"monitor": "val_loss", "patience": 7}),
        (LearningRateMonitor(logging_interval="step"), {"logging_interval": "step"}),
        (Timer("00:01:30:00", interval="epoch"), {"duration": {"seconds": 5400}, "interval": "epoch"}),
        (TQDMProgressBar(refresh_rate=5), {"refresh_rate": 5}),
        (GradientAccumulationScheduler({0: 2, 4: 1}), {"scheduling": {"0": 2, "4": 1}}),
        (ModelCheckpoint(monitor="val_loss", save_top_k=2), None),
    ],
)
def test_a_described_callback_rebuilds_with_the_same_state(callback, init_args):
    described = describe(callback)
    assert set(described) == {"class_path", "init_args"}, described
    assert json.loads(json.dumps(described)) == described
    if init_args is not None:
        assert described["init_args"] == init_args
    rebuilt = build(described)
    assert type(rebuilt) is type(callback) and _same_state(vars(rebuilt), vars(callback))


def test_the_class_path_is_the_shortest_import():
    assert describe(EarlyStopping("val_loss"))["class_path"] == "lightning.pytorch.callbacks.EarlyStopping"


class Collector(Callback):
    def __init__(self, log: list):
        self.entries = log  # kept under another name: cannot be read back


class WithFunction(Callback):
    def __init__(self, score=len):
        self.score = score


class Doubling(Callback):
    def __init__(self, factor: float = 1.0):
        self.factor = 2 * factor  # kept transformed: read back, it builds another object


def test_a_callback_that_cannot_be_described_is_recorded_by_class_with_why():
    class Local(Callback):
        pass

    assert describe(Collector([])) == {
        "class_path": f"{__name__}.Collector",
        "not_saved": "its settings cannot be read back: argument 'log' is not kept as an attribute",
    }
    assert "argument 'score' is builtin_function_or_method" in describe(WithFunction(max))["not_saved"]
    assert "defined inside a function" in describe(Local())["not_saved"]
    assert "differs in factor" in describe(Doubling(3.0))["not_saved"]


def test_what_objects_built_alike_differ_in_is_no_setting():
    # SimpleProfiler keeps its creation time: it was "not_saved" (differs in start_time), so a saved
    # model's refit ran without the profiler the fit had
    described = describe(SimpleProfiler(filename="perf", extended=False), "profiler")
    assert described == {
        "class_path": "lightning.pytorch.profilers.SimpleProfiler",
        "init_args": {"filename": "perf", "extended": False},
    }
    built = build(described, "profiler")
    assert type(built) is SimpleProfiler and (built.filename, built.extended) == ("perf", False)


def test_trainer_options_as_json_describe_callbacks_profilers_and_plugins():
    options = {
        "limit_train_batches": 5,
        "callbacks": EarlyStopping("val_loss"),  # one callback given alone: a list of one
        "profiler": AdvancedProfiler(filename="perf"),
        "plugins": [MixedPrecision("bf16-mixed", "cpu")],
    }
    described = json_trainer_options(options)
    assert described == {
        "limit_train_batches": 5,
        "callbacks": [
            {"class_path": "lightning.pytorch.callbacks.EarlyStopping", "init_args": {"monitor": "val_loss"}}
        ],
        "profiler": {
            "class_path": "lightning.pytorch.profilers.AdvancedProfiler",
            "init_args": {"filename": "perf"},
        },
        "plugins": [
            {
                "class_path": "lightning.pytorch.plugins.MixedPrecision",
                "init_args": {"precision": "bf16-mixed", "device": "cpu"},
            }
        ],
    }
    assert json_trainer_options(options) == described  # the same every time (no object addresses)
    built = fit_trainer_options(described, "Forecaster")
    assert [type(c) for c in built["callbacks"]] == [EarlyStopping]
    assert type(built["profiler"]) is AdvancedProfiler and built["profiler"].filename == "perf"
    assert [type(p) for p in built["plugins"]] == [MixedPrecision]


def test_each_fit_gets_new_objects_and_leaves_out_the_unsaved_with_a_warning():
    given = EarlyStopping("val_loss")
    options = {"callbacks": [given, {"class_path": f"{__name__}.Collector", "not_saved": "why"}]}
    with pytest.warns(UserWarning, match=r"Collector was not saved with this Forecaster \(why\)") as said:
        first = fit_trainer_options(options, "Forecaster")["callbacks"]
    assert said[0].filename == __file__
    with pytest.warns(UserWarning):
        second = fit_trainer_options(options, "Forecaster")["callbacks"]
    assert len(first) == len(second) == 1 and first[0] is not given and second[0] is not first[0]


@pytest.mark.parametrize(
    ("description", "message"),
    [
        (
            {"class_path": "os.system", "init_args": {"command": "true"}},
            r"does not correspond to a subclass of Callback",
        ),
        ({"class_path": "lightning.pytorch.callbacks.EarlyStoping"}, r"EarlyStoping"),
        (
            {"class_path": "lightning.pytorch.callbacks.EarlyStopping", "init_args": {"patience": "x"}},
            r"patience",
        ),
    ],
)
def test_a_description_that_cannot_be_built_is_a_clear_error(description, message):
    with pytest.raises(ConfigError, match=rf"trainer_options\['callbacks'\] .* cannot be built: .*{message}"):
        build(description)
