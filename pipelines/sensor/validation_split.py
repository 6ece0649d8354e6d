"""What ``validate`` tells when it cuts a stream otherwise than the fit did: the stream settings that
decide which windows are held out (kept in a checkpoint's ``fit_split``), and the warning naming
those that differ with the fit's values to pass. ``ssm-ts classify validate --ckpt_path`` takes them
from the checkpoint; one given again with another value (``--data.group_col null``, a ``--config``
of other windows), or a ``SensorDataModule`` built without them in Python, splits other windows."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

# the stream settings that decide a fit's validation windows (SensorDataModule.stream's keys)
SPLIT_STREAM_SETTINGS = ("window", "step", "label_col", "group_col", "label_rule")


def _cli_value(value: Any) -> str:
    """``value`` as the command line takes it (``None`` is ``null``; a column name with a space quoted)."""
    return "null" if value is None else shlex.quote(str(value))


def _listed(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join(filter(None, (", ".join(names[:-1]), names[-1])))


def other_stream_message(fit: Mapping[str, Any], now: Mapping[str, Any], also: bool = False) -> str:
    """The warning for a validation whose stream settings ``now`` (``SensorDataModule.stream``) differ
    from the fit's in ``fit`` (``{setting: the fit's value}``, those that differ only), naming each
    and the options that bring back the fit's split, on the command line and in Python; ``also``: it
    follows the warning about another ``val_fraction`` or ``seed``."""
    given = ", ".join(f"data.{key} {_cli_value(now[key])}" for key in fit)
    fitted = ", ".join(f"data.{key} {_cli_value(value)}" for key, value in fit.items())
    if fit.get("group_col") is not None and now["group_col"] is None:  # the groups left out
        why = (
            f"it held out whole {fit['group_col']!r} groups, and this split holds out windows at random, "
            "windows of the groups the model was trained on among them"
        )
    else:
        why = (
            "this validation split holds other windows than the fit's, which may be windows the model "
            "was trained on or overlap them"
        )
    options = " ".join(f"--data.{key} {_cli_value(value)}" for key, value in fit.items())
    python = ", ".join(f"{key}={value!r}" for key, value in fit.items())
    return (
        f"{'Also v' if also else 'v'}alidating on {given}, but the fit cut its stream with {fitted}: {why}, so "
        "its scores are not the fit's validation scores and may be optimistic. Leave "
        f"{_listed(['--data.' + key for key in fit])} out (on the command line and in the --config) to "
        f"take the fit's from the checkpoint, or pass {options} (SensorDataModule({python}) in Python)."
    )


def random_windows_message(val_fraction: float, closed_form: bool) -> str:
    """The warning of a fit whose ``val_fraction`` holds out windows of one stream at random (no
    ``group_col``). ``closed_form``: the fit's model is fitted in closed form (``random_features``),
    which picks no epoch: its validation split only scores, and takes windows from the ridge's fit."""
    start = (
        f"data.val_fraction={val_fraction:g} holds out windows of one stream at random: they overlap, or "
        "neighbour, training windows, so "
    )
    if not closed_form:
        return start + (
            "the validation loss that picks the best epoch is optimistic. Name the subject or session "
            "column (--data.group_col subject) to hold out whole ones, or fit with --data.val_fraction 0."
        )
    return start + (
        "the validation scores (val_acc, val_loss) are optimistic. Random features pick no epoch: the "
        "split only scores them, and its windows are left out of the ridge's fit. Name the subject or "
        "session column (--data.group_col subject) to hold out whole ones (the ridge penalty is then "
        "chosen over the training subjects too), or fit with --data.val_fraction 0 to fit the ridge on "
        "every window."
    )
