"""A fit's audio folder gone (moved or deleted) by the time the files found wrong in it are named after
the fit stopped on an error: said in one plain warning, in place of what reading it again would add (the
folder "not found", each file "missing"), a second error that hides why the fit stopped."""

from __future__ import annotations

from pathlib import Path

from ssm_ts.rank_zero_warnings import warn_on_rank_zero


def warn_of_gone_folder(root: Path, found: str, started_in: Path | None = None) -> None:
    """One warning, at the user's line, that ``root`` is gone, then ``found``: what it leaves of the files
    found damaged or clipped before the fit stopped (unnamed, or named without reading them again).
    ``started_in``: the working directory a relative ``root`` was given in; a folder still there is said
    to be out of reach from the working directory the fit changed to (``os.chdir``), not gone."""
    if started_in is not None and not root.is_absolute() and (started_in / root).is_dir():
        where = (
            f"the audio folder {root} is not found from the working directory {Path.cwd()}: it is in "
            f"{started_in}, the working directory when the fit started (changed since: os.chdir?)"
        )
        fix = f"to fit again, pass its full path ({started_in / root})"
    else:
        where = f"the audio folder {root} is gone (moved or deleted since the fit started)"
        fix = "to fit again, pass the folder where it is now (CLI: --data.root)"
    warn_on_rank_zero(
        f"{where}: {found}. The error that stopped the fit follows; {fix}",
        stacklevel=None,  # the user's fit, whose error follows
    )
