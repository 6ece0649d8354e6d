"""A :class:`~ssm_ts.tasks.classification.ClassificationTask` and its
:class:`~ssm_ts.pipelines.sensor.SensorDataModule` made to agree at ``setup``: the task built from
the data when it is not yet, channels matched by name, classes checked, and for a fit the training
split's scaler and class weights kept by the task."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.sensor import SensorDataModule, transposed_hint, warn_if_transposed
from ssm_ts.pipelines.sensor.layout import one_recording_hint
from ssm_ts.rank_zero_warnings import warn_on_rank_zero
from ssm_ts.wording import counted

if TYPE_CHECKING:
    from ssm_ts.pipelines.sensor import SeriesSet
    from ssm_ts.tasks.classification import ClassificationTask


def match_datamodule(task: ClassificationTask, datamodule: SensorDataModule, stage: str) -> None:
    """Build ``task`` from ``datamodule`` (its channels, classes and channel names) when it is not
    built, reorder the data's channels to the task's names, and check channels and classes; at
    ``stage`` ``"fit"`` give the task the training split's scaler (unless a checkpoint holds one)
    and class weights. Called by ``ClassificationTask.setup``."""
    if task.net is None:
        if datamodule.classes is None:
            raise ConfigError(
                "the classes are unknown: fit on labelled data or load a checkpoint (--ckpt_path)"
            )
        task._build(datamodule.n_channels, datamodule.classes, datamodule.channel_names)
    elif stage == "fit" and task.hparams.get("channel_names") is None:
        names = datamodule.channel_names  # a model built from n_channels and classes alone
        if names is not None and len(names) == task.hparams.n_channels:
            task._set_channel_names(names)
    # by name where both the model and the files name their channels (a CSV's columns in another order)
    datamodule.match_channels(task.hparams.get("channel_names"))
    if datamodule.n_channels != task.hparams.n_channels:
        data = datamodule.train_set or datamodule.test_set or datamodule.predict_set
        option = _data_option(datamodule, stage)
        fitted_data = (
            " With --ckpt_path, leave out --config and --data.path to use the data the model was fitted on "
            "(a config's data.path wins over the checkpoint's)."
        )
        raise DataError(
            f"{data.source}: {counted(datamodule.n_channels, 'channel')}, but the model was trained on "
            f"{task.hparams.n_channels}. Give recordings with the training channels ({option})."
            + (fitted_data if option == "--data.path" else "")
            + transposed_hint(data.lengths, task.hparams.n_channels, data.source)
            + one_recording_hint(len(data), datamodule.n_channels, task.hparams.n_channels)
        )
    if stage in ("test", "predict"):
        _warn_of_matching_by_position(
            task, datamodule.test_set if stage == "test" else datamodule.predict_set
        )
    if datamodule.classes is None:
        datamodule.set_classes(task.classes)
    elif list(datamodule.classes) != task.classes:
        raise DataError(
            f"the data's classes {datamodule.classes} differ from the model's {task.classes}; "
            "fit a new model for a different label set."
        )
    if stage == "fit" and not bool(task.scaler_fitted):
        task.set_scaler(datamodule.scaler)
    if stage == "fit" and datamodule.train_set is not None:
        task.set_class_weights(datamodule.train_set)
        # (n, length, channels) files train silently on "channels" of a few steps otherwise. Shown at
        # the user's fit (on the command line as ssm-ts's one line), not Lightning's call of setup
        warn_if_transposed(datamodule.train_set.values, datamodule.train_set.source, stacklevel=None)


def _data_option(datamodule: SensorDataModule, stage: str) -> str:
    """The option that named the file of ``stage``'s recordings: ``--data.test_path`` for a test on
    its own file, ``--data.predict_path`` for a predict on one, else ``--data.path``."""
    if stage == "predict" and datamodule.predict_path is not None:
        return "--data.predict_path"
    if stage in ("test", "predict") and datamodule.test_path:  # predict reads the test file without its own
        return "--data.test_path"
    return "--data.path"


def _warn_of_matching_by_position(task: ClassificationTask, data: SeriesSet | None) -> None:
    """Warn when ``data`` names its channels (a CSV's columns) but ``task`` was fitted without names
    (on a ``.ts``, ``.arff`` or ``.npy`` file): they are taken by position, in the file's order, which
    no check can confirm; as ``SSMClassifier.predict`` warns of ``X`` with names."""
    n = task.hparams.n_channels
    if data is None or task.hparams.get("channel_names") is not None or data.channel_names is None or n < 2:
        return
    if data.n_channels != n:  # an error names the counts
        return
    warn_on_rank_zero(
        f"{data.source}: the model was fitted without channel names (e.g. on a .ts, .arff or .npy file), so the "
        f"channels {list(data.channel_names)} are taken by position, in that order, as its channels 1 to {n}; "
        "give them in the order of the training file's dimensions.",
        UserWarning,
        stacklevel=None,
    )
