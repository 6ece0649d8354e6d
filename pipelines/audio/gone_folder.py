"""A fit's audio folder gone (moved or deleted) by the time the files found wrong in it are named after
the fit stopped on an error: said in one plain warning, in place of what reading it again would add (the
folder "not found", each file "missing"), a second error that hides why the fit stopped."""

from __future__ import annotations

from pathlib import Path

from ssm_ts.rank_zero_warnings import warn_on_rank_zero


def warn_of_gone_folder(root: Path, found: str) -> None:
    """One warning, at the user's line, that ``root`` is gone, then ``found``: what it leaves of the files
    found damaged or clipped before the fit stopped (unnamed, or named without reading them again)."""
    warn_on_rank_zero(
        f"the audio folder {root} is gone (moved or deleted since the fit started): {found}. The error that "
        "stopped the fit follows; to fit again, pass the folder where it is now (CLI: --data.root)",
        stacklevel=None,  # the user's fit, whose error follows
    )
