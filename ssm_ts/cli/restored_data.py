"""The data settings validate/test/predict took from the checkpoint, named after an error reading the
data: they may not fit another file given by --config or --data.path."""

from __future__ import annotations

from typing import Any

from ssm_ts.cli.checkpoint_defaults import comparable
from ssm_ts.errors import SSMTSError

# data settings of how the data is batched and loaded, never of how it is read
BATCHING_SETTINGS = frozenset({"batch_size", "eval_batch_size", "num_workers", "shuffle_seed", "seed"})

# data settings of validate/test/predict taken from the checkpoint (reset by each main call)
RESTORED_DATA_SETTINGS: dict[str, Any] = {}


def remember_restored_settings(defaults: dict[str, Any], before: dict[str, Any], config: Any) -> None:
    """Record in RESTORED_DATA_SETTINGS the checkpoint's data settings in effect: those of ``defaults``
    (the checkpoint's) that changed a default (``before``) and that ``config`` (parsed) did not override."""
    RESTORED_DATA_SETTINGS.update({
        key: value for key, value in defaults.items()
        if comparable(value) != comparable(before[key])
        and comparable(config.get(key)) == comparable(value)
    })  # fmt: skip


def restored_settings_hint(err: SSMTSError) -> str:
    """For an error reading the data: which of its settings came from the checkpoint, and how to
    override them (they may not fit another file given by --config or --data.path)."""
    from ssm_ts.errors import DataError

    # only the settings that say how the data is read: a batch size cannot be why a file fails
    restored = {
        key: value
        for key, value in RESTORED_DATA_SETTINGS.items()
        if key.rsplit(".", 1)[-1] not in BATCHING_SETTINGS
    }
    if not isinstance(err, DataError) or not restored:
        return ""
    listed = ", ".join(f"{key}={value!r}" for key, value in restored.items())
    first = next(iter(restored))
    return (
        f"\n(these data settings were the fit's, restored from the checkpoint: {listed}; for other data "
        f"override them, e.g. --{first} with the value for this file ('{{}}' for read_options: detection))"
    )
