"""A ``--trainer.callbacks`` EarlyStopping or ModelCheckpoint monitoring a metric the task does not log
(``--trainer.callbacks.monitor val_los``): Lightning stops the fit at its first validation with a
traceback; the command says it in one line, naming the option, the closest metric and the others."""

from __future__ import annotations

import difflib
import re

# Lightning's messages: EarlyStopping's RuntimeError and ModelCheckpoint's MisconfigurationException
_EARLY_STOPPING = re.compile(
    r"conditioned on metric `(?P<name>[^`]*)` which is not available.*following: (?P<logged>.*)$"
)
_CHECKPOINT = re.compile(
    r"ModelCheckpoint\(monitor='(?P<name>[^']*)'\)` could not find the monitored key in the returned "
    r"metrics: \[(?P<logged>[^\]]*)\]"
)


def unknown_monitor_text(err: BaseException) -> str | None:
    """The one-line error for ``err`` when it is Lightning's refusal of a monitored metric no one logs
    (``None`` otherwise): the callback, the metric, the closest logged one and the option that sets it."""
    text = str(err)
    for callback, pattern in (("EarlyStopping", _EARLY_STOPPING), ("ModelCheckpoint", _CHECKPOINT)):
        found = pattern.search(text)
        if found is None:
            continue
        name = found["name"]
        logged = [m for m in re.findall(r"[`']([^`']+)[`']", found["logged"]) if m not in ("epoch", "step")]
        close = difflib.get_close_matches(name, logged, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return (
            f"trainer.callbacks: {callback} monitors {name!r}, a metric this task does not log{hint}; "
            f"set --trainer.callbacks.monitor (or monitor: in the config) to one it logs: {', '.join(logged)}"
        )
    return None
