"""A resumed fit (``fit --ckpt_path``) continues the checkpoint's model on the checkpoint's data: the
checkpoint's model and data settings become the defaults, and a setting given with another value is
refused unless it leaves the training the same (:mod:`ssm_ts.tracking.resume_settings`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from ssm_ts.cli.checkpoint_defaults import comparable, has_option, settable
from ssm_ts.cli.option_spelling import option_argument
from ssm_ts.cli.resume_trainer import saved_trainer_settings
from ssm_ts.errors import ConfigError
from ssm_ts.tracking.resume_settings import (
    DATA_FILE_SETTINGS,
    FILLED_FROM_DATA,
    FINGERPRINT_KEY,
    RUNTIME_SETTINGS,
    plain_value,
    said_setting,
    same_training_setting,
    sort_resume_changes,
)


def saved_fit_settings(checkpoint: dict[str, Any], parser: Any) -> dict[str, Any]:
    """The model and data settings ``checkpoint`` was trained with (``{"model.lr": 0.01, ...}``) that
    ``parser`` (fit's) can take as defaults: not the ones the fit filled in from its data."""
    saved = {
        **{f"model.{k}": v for k, v in (checkpoint.get("hyper_parameters") or {}).items()},
        **{f"data.{k}": v for k, v in (checkpoint.get("datamodule_hyper_parameters") or {}).items()},
    }
    return {
        key: value
        for key, value in saved.items()
        if key not in FILLED_FROM_DATA and not key.rsplit(".", 1)[1].startswith("_") and settable(parser, key)
    }


def fit_defaults(
    saved: dict[str, Any], parser: Any, ckpt_path: Path, checkpoint: dict[str, Any]
) -> dict[str, Any]:
    """The defaults a resumed fit takes: the ``saved`` settings that differ from ``parser``'s own, and
    the fit's trainer budget and clipping (they may be given again, with other values)."""
    # only the ones that differ from the defaults: a default given again keeps the form the
    # fit logged it in (a tuple default is logged "(0.8, 0.1, 0.1)", a parsed one as a list)
    restored = {
        key: value for key, value in saved.items() if comparable(value) != comparable(parser.get_default(key))
    }
    restored.update(saved_trainer_settings(ckpt_path, parser, checkpoint))
    return restored


def add_new_settings(saved: dict[str, Any], given: dict[str, Any], parser: Any) -> None:
    """Add to ``saved`` the model and data settings of ``given`` (the parsed fit config, as a dict) new
    since the checkpoint's version (model.class_weight), at their default: the fit trained at that
    default, so another value is refused as a changed one would be."""
    for group in ("model", "data"):
        for name in given.get(group) or {}:
            key = f"{group}.{name}"
            if key not in saved and key not in FILLED_FROM_DATA and settable(parser, key):
                saved[key] = parser.get_default(key)


def check_resume_changes(
    changed: dict[str, tuple[Any, Any]],
    saved: dict[str, Any],
    checkpoint: dict[str, Any],
    config: Any,
    use: str,
    ckpt_path: str,
    parser: Any,
) -> None:
    """Refuse the ``changed`` settings (``{key: (checkpoint's, given)}``) of a fit resuming ``ckpt_path``
    that would train something else, naming each one (a ConfigError); name the accepted ones: runtime
    settings, a data path whose file has the content the fit started on."""
    fingerprints = checkpoint.get(FINGERPRINT_KEY) or {}
    current = {key: config.get(key) for key in DATA_FILE_SETTINGS if key in saved}
    accepted, refused = sort_resume_changes(changed, fingerprints, use, current)
    # a data path given as the fit read it whose data changed since: no option to drop
    data_changed = {key: refused.pop(key) for key in list(refused) if key not in changed}
    if refused:
        runtime = ", ".join(f"--{key}" for key in RUNTIME_SETTINGS if has_option(parser, key))
        listed = "; ".join(
            f"--{key}: {old!r} in the checkpoint, {new!r} now" + (f" ({reason})" if reason else "")
            for key, (old, new, reason) in refused.items()
        )
        also = (
            f". The data also changed since the fit read it: {_listed(data_changed)}" if data_changed else ""
        )
        raise ConfigError(
            f"--ckpt_path {ckpt_path} resumes a fit, but these settings differ from the ones it was "
            f"trained with: {listed}{also}. Resuming continues the checkpoint's model on its own data: drop "
            "these options (without --config the checkpoint's settings are used), or fit from scratch "
            f"into a new --out. Settings that only change how it runs may differ ({runtime}), and "
            "a data path may, to the same data moved elsewhere."
        )
    if data_changed:
        raise ConfigError(
            f"--ckpt_path {ckpt_path} resumes a fit, but the data it was trained on changed since: "
            f"{_listed(data_changed)}. Resuming continues the checkpoint's model on the data it started "
            f"on: restore that data (or pass {' / '.join(f'--{key}' for key in data_changed)} an unchanged "
            "copy of it), or fit the changed data from scratch into a new --out."
        )
    if accepted:  # as the command line takes them: --data.target "[OT]", not ['OT']; a text null as one
        unreadable: dict[str, str] = {}
        listed = ", ".join(
            f"--{key} {option_argument(use, key, old, unreadable)} -> {option_argument(use, key, new, unreadable)}"
            for key, (old, new) in accepted.items()
        )
        Console(stderr=True, soft_wrap=True).print(
            f"resuming with changed settings (the same training): {listed}{_why(unreadable)}",
            markup=False,
            highlight=False,
        )


def _listed(data_changed: dict[str, tuple[Any, Any, str]]) -> str:
    """``--data.root '.' (/data/takes was changed since the fit read it: ...)``: the data paths of a
    resume that are the fit's but whose data changed (``{key: (value, value, reason)}``)."""
    return "; ".join(f"--{key} {value!r} ({reason})" for key, (value, _, reason) in data_changed.items())


def _why(unreadable: dict[str, str]) -> str:
    """`` (why)`` for each text of a printed line no option reads back (:func:`option_argument`)."""
    return "".join(f" ({why})" for why in unreadable.values())


def check_resolved_settings(
    pending: dict[str, tuple[Any, Any]],
    then: dict[str, Any],
    now: dict[str, Any],
    ckpt_path: Any,
    use: str = "",
) -> set[str]:
    """The ``pending`` data settings (``{key: (checkpoint's, given)}``) of a fit resuming ``ckpt_path``
    that the data resolves as the fit did (``then``: the checkpoint's resolved values, ``now``: the
    data's): the same training. Any other is a ConfigError naming it, with what a ``None`` resolved to."""
    same, refused = set(), {}
    for key, (old, new) in pending.items():
        name = key.split(".", 1)[1]
        if same_training_setting(name, plain_value(old), plain_value(new), then, now):
            same.add(key)
        else:
            refused[key] = (said_setting(old, then.get(name)), said_setting(new, now.get(name)))
    if refused:
        listed = "; ".join(
            f"--{key}: {old} in the checkpoint, {new} now" for key, (old, new) in refused.items()
        )
        raise ConfigError(
            f"--ckpt_path {ckpt_path} resumes a fit, but these settings differ from the "
            f"ones it was trained with: {listed}. Resuming continues the checkpoint's model on its own "
            "data: drop these options (without --config the checkpoint's settings are used), pass the "
            "values they resolved to, or fit from scratch into a new --out."
        )
    unreadable: dict[str, str] = {}  # a text the option reads as another type: spelt as it reads back
    listed = ", ".join(
        f"--{key} {option_argument(use, key, pending[key][1], unreadable)}" for key in sorted(same)
    )
    Console(stderr=True, soft_wrap=True).print(
        f"resuming with the values the fit inferred, spelled out (the same training): {listed}{_why(unreadable)}",
        markup=False,
        highlight=False,
    )
    return same
