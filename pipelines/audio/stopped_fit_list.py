"""The files ``ddp_spawn``'s processes found clipped or damaged before a fit stopped on an error, listed in
a file when there are more than a warning names (:data:`SHOWN`): the process that started them names
the first of each kind in its warnings and points to the list, where thousands of clipped files (a folder
recorded too loud) made thousands of warnings, one a file, in front of the error that stopped the fit.
The list is written in the fit's folder (its ``default_root_dir``, beside ``checkpoints/``), one tab-separated
row a file: ``kind`` (``clipped``, ``damaged``), ``file`` (under the audio folder), ``clipped_share`` (of
the frames read from it, in runs at full scale) and ``seconds_read`` (empty for a damaged file)."""

from __future__ import annotations

import csv
from pathlib import Path

from ssm_ts.atomic import atomic_path

from .folder import shown_path

SHOWN = 10  # files of each kind named in the warnings; past it, the rest in the list
LIST_NAME = "audio_files_found_before_the_stop.tsv"
CLIPPED_LIST_NAME = "audio_files_found_clipped.tsv"  # one process's, as found (:mod:`.clipped_pcm`)

Clipped = tuple[
    Path, int, int, float
]  # a file, its frames in full-scale runs, the frames read, their seconds


def write_found_list(
    folder: Path, root: Path, clipped: list[Clipped], damaged: list[Path], name: str = LIST_NAME
) -> Path | None:
    """Write every file of ``clipped`` and ``damaged`` (of the audio folder ``root``) to ``name`` (a fit
    that stopped: :data:`LIST_NAME`; one that goes on: :data:`CLIPPED_LIST_NAME`) in ``folder``: its
    path, or ``None`` when it cannot be written (the warnings then name every file)."""
    rows = [("kind", "file", "clipped_share", "seconds_read")]
    rows += [("clipped", shown_path(p, root), f"{c / r:.4f}", f"{s:.3f}") for p, c, r, s in clipped]
    rows += [("damaged", shown_path(p, root), "", "") for p in damaged]
    target = Path(folder).expanduser() / name
    try:
        with atomic_path(target) as written, open(written, "w", encoding="utf-8", newline="") as out:
            # a name holding a tab, a newline or a quote is quoted ("a\tb.wav"), as pd.read_csv(sep="\t")
            # reads it back: written as it was, it split its row in two or added a column
            csv.writer(out, delimiter="\t", lineterminator="\n").writerows(rows)
    except OSError:
        return None
    return target


def more_clipped_warning(
    clipped: int, shown: int, root: Path, listed: Path, by: str = " by the fit's processes before it stopped"
) -> str:
    """The warning after the first ``shown`` of ``clipped`` files named clipped, pointing to ``listed``;
    ``by``: who found them (``""``: the process that warns, as it read them)."""
    more = clipped - shown
    files = f"{more} more audio files of {root} were" if more > 1 else f"1 more audio file of {root} was"
    return (
        f"{files} found clipped at full scale{by}: all {clipped} are listed, with the share of each read in "
        "runs at its largest codes, "
        f"in {listed}. Record them again at a lower gain, or remove them"
    )
