"""Where a warning about the user's data should point: the user's own line, however deep the library is.

A fixed ``stacklevel`` counts frames, so one warning raised by a reader that ``Forecaster.fit``,
``Forecaster.predict`` and a hand-built data module all reach, each through a different number of
ssm-ts, Lightning or scikit-learn frames, pointed at the user's line on one path and at a library line
on the others. :func:`user_stack_level` walks out to the first frame that belongs to none of them.
"""

from __future__ import annotations

import sys

# the packages between the user's call and ssm-ts's warning: ssm-ts itself, and the frameworks that call
# back into it (Lightning's fit, scikit-learn's search, MLflow's serving, Optuna's study, torch's loaders)
_LIBRARIES = (
    "ssm_ts",
    "lightning",
    "lightning_fabric",
    "pytorch_lightning",
    "torch",
    "sklearn",
    "joblib",
    "mlflow",
    "optuna",
    "jsonargparse",
)

# where a process or thread starts (a loader worker, ddp_spawn's processes): the stack has no user frame
_LAUNCHERS = ("multiprocessing", "threading", "concurrent", "runpy")


def _in(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == name or module.startswith(name + ".") for name in packages)


def user_stack_level(depth: int = 1) -> int:
    """:func:`warnings.warn`'s ``stacklevel``, for a call made ``depth`` frames below this function's
    caller (1: the caller warns itself), that shows the first frame outside ssm-ts and the frameworks
    that call it: the user's line.

    Through ssm-ts's command line (``ssm_ts.cli``), or where no such frame is (a data loader's worker,
    a process ``ddp_spawn`` started, a thread), the warning keeps ssm-ts's own line, the ``depth``
    caller's: the command line prints ssm-ts's warnings as one line without their source (in the
    processes it starts too), and a launcher's line would tell the user nothing."""
    frame = sys._getframe(depth)  # the frame whose line stacklevel 1 shows
    level = 1
    while frame is not None and _in(module := frame.f_globals.get("__name__", ""), _LIBRARIES):
        if _in(module, ("ssm_ts.cli",)):
            return 1
        frame, level = frame.f_back, level + 1
    if frame is None or _in(frame.f_globals.get("__name__", ""), _LAUNCHERS):
        return 1
    return level
