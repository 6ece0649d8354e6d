"""Lightning's refusals to build a ``Trainer`` (a GPU setting on a machine without one, an unknown
strategy) as a :class:`~ssm_ts.errors.ConfigError` naming the setting and what works instead."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ssm_ts.errors import ConfigError, SSMTSError

# The Trainer settings that choose where and how a fit computes: the values that leave the choice to
# Lightning (or are its defaults), words by which its refusal names the setting, and the values that work
# on any machine. Lightning's messages about devices, strategy or precision also name the accelerator
# ("devices=0 is not valid using cpu accelerator"), so the accelerator is looked for last.
DEVICE_SETTINGS: dict[str, tuple[tuple[Any, ...], tuple[str, ...], tuple[Any, ...]]] = {
    "devices": ((None, "auto", 1, "1"), ("devices",), (1, "auto")),
    "num_nodes": ((None, 1), ("num_nodes",), (1,)),
    "strategy": ((None, "auto"), ("strategy", "deepspeed", "fsdp", "ddp"), ("auto",)),
    "precision": (
        (None, "32-true", 32, "32"),
        ("precision", "transformer_engine", "bitsandbytes"),
        ("32-true",),
    ),
    "accelerator": ((None, "auto"), ("accelerator", "gpu", "cuda", "mps", "tpu", "xla"), ("cpu", "auto")),
}


def python_spelling(key: str, value: Any) -> str:
    """A Trainer setting as the Python API takes it: ``accelerator='gpu'``."""
    return f"{key}={value!r}"


def _picks_gpus(devices: Any) -> bool:
    """``devices`` given as GPU indices: a list (``[0, 1]``) or Lightning's text of them (``"0,1"``)."""
    return isinstance(devices, list) or (isinstance(devices, str) and "," in devices)


def trainer_refusal(
    error: Exception, given: dict[str, Any], spell: Callable[[str, Any], str] = python_spelling
) -> ConfigError:
    """Lightning's refusal to build a ``Trainer`` (``error``: "No supported gpu backend found!" for
    ``accelerator="gpu"`` on a machine without one, an unknown strategy or precision, ...) as one
    :class:`ConfigError` naming the setting of ``given`` (the Trainer's arguments) it is about, with the
    values that work on any machine (``accelerator='cpu'``), spelled by ``spell(key, value)`` as the
    front end takes them (the CLI: ``--trainer.accelerator gpu``)."""
    reason = f"{type(error).__name__}: {error}".strip()
    text = str(error).lower()
    chosen = {
        key: given[key]
        for key, (free, _, _) in DEVICE_SETTINGS.items()
        if key in given
        and (not isinstance(given[key], (list, dict)) or key == "devices")
        and given[key] not in free
    }  # only the ones given a value of their own: "auto" is not what Lightning refused; a devices list
    # ([0, 1]: GPU indices) is one, refused on the CPU
    # the first one its message names; none: another option (gradient_clip_algorithm, an unknown one)
    key = next(
        (k for k, (_, words, _) in DEVICE_SETTINGS.items() if k in chosen and any(w in text for w in words)),
        None,
    )
    if key is None:
        return ConfigError(
            f"lightning.Trainer refused its settings ({reason}). Fix or remove the setting it names."
        )
    fixes = " or ".join(spell(key, value) for value in DEVICE_SETTINGS[key][2])
    note = " (auto: a GPU when there is one, else the CPU)" if key == "accelerator" else ""
    if key == "devices" and _picks_gpus(chosen[key]):
        note = f" (a list picks GPUs by index: with {spell('accelerator', 'gpu')} on a machine that has them)"
    return ConfigError(f"lightning.Trainer refused {spell(key, chosen[key])} ({reason}). Use {fixes}{note}.")


@contextmanager
def trainer_refusals(
    given: dict[str, Any], spell: Callable[[str, Any], str] = python_spelling
) -> Iterator[None]:
    """Around building a ``lightning.Trainer`` from the arguments ``given``: an error it raises (Lightning
    raises ValueError, TypeError, ModuleNotFoundError and its own MisconfigurationException) becomes
    :func:`trainer_refusal`'s ConfigError; ssm-ts's own errors pass as they are."""
    try:
        yield
    except SSMTSError:
        raise
    except Exception as error:  # noqa: BLE001 (see above: Lightning checks its arguments with many types)
        raise trainer_refusal(error, given, spell) from error
