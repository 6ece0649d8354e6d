"""A checkpoint's settings as a command's defaults: whether the command's parser takes each one, and
which differ from the ones given."""

from __future__ import annotations

from typing import Any

# settings a task keeps in another form than given (forecast's quantiles, sorted with 0.5 added:
# saved_form): the same model either way, compared in the task's form
SAVED_IN_ANOTHER_FORM = frozenset({"model.quantiles"})


def has_option(parser: Any, key: str) -> bool:
    """Whether ``parser`` has the option ``key`` (``data.path``): a checkpoint from another version of
    a data module may hold settings this one lacks."""
    try:
        parser.get_default(key)
    except KeyError:
        return False
    return True


def settable(parser: Any, key: str) -> bool:
    """Whether a checkpoint's setting ``key`` can become a default: an option of ``parser``, and not the
    target of a link (the audio model's sample_rate follows data.sample_rate; it is set through that)."""
    if not has_option(parser, key):
        return False
    try:
        parser.set_defaults({key: parser.get_default(key)})
    except (KeyError, ValueError):
        return False
    return True


def comparable(value: Any) -> Any:
    """``value`` with tuples as lists and mappings as dicts, as a config and a checkpoint may hold it."""
    if hasattr(value, "as_dict"):  # a jsonargparse Namespace (a dict-typed option given in parts)
        value = value.as_dict()
    if isinstance(value, dict):
        return {str(k): comparable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [comparable(v) for v in value]
    return value


def saved_form(key: str, value: Any) -> Any:
    """``value`` of setting ``key`` (:func:`comparable`) as the task keeps it in its hyperparameters:
    forecast's quantiles sorted with 0.5 added (``[0.9, 0.1]`` trains as ``[0.1, 0.5, 0.9]``)."""
    value = comparable(value)
    if key in SAVED_IN_ANOTHER_FORM and isinstance(value, list):
        from ssm_ts.errors import SSMTSError
        from ssm_ts.tasks.forecasting import normalise_quantiles

        try:
            return normalise_quantiles(value)
        except SSMTSError:  # not levels the task takes: compared as given
            return value
    return value


def resume_conflicts(saved: dict[str, Any], config: Any) -> dict[str, tuple[Any, Any]]:
    """The settings (``model.lr``, ``data.path``) of ``saved`` (a checkpoint's) whose value in ``config``
    (the parsed fit config) differs, as the task keeps it (:func:`saved_form`): ``{key: (checkpoint's
    value, config's value)}``."""
    changed = {}
    for key, old in saved.items():
        new = config.get(key)
        if saved_form(key, new) != comparable(old):
            changed[key] = (old, new)
    return changed
