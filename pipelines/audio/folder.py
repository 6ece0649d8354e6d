"""Finding a folder's audio files: recursive, through linked folders, each file once, hidden files
left out, and errors and warnings that say what the folder holds instead."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import soundfile as sf

from ssm_ts.errors import DataError, DataFileNotFoundError
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from .generated import SHEET, is_generated_clip
from .split import NEEDS_THREE_FILES

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg")


def find_audio_files(root: str | os.PathLike, extensions: tuple[str, ...] = AUDIO_EXTENSIONS) -> list[Path]:
    """Every audio file under ``root`` (recursive, into linked folders too), sorted for a reproducible
    order. Hidden files and folders below ``root`` (names starting with ``.``) are left out: macOS
    writes ``._take1.wav`` metadata beside ``take1.wav`` on shared drives, and those are no audio.

    Raises:
        DataFileNotFoundError: ``root`` is missing or holds no file with one of ``extensions`` (the
            message counts what it holds, and says how to read other formats soundfile reads).
        DataError: ``root`` is a file, not a folder.
    """
    root = Path(root)
    if root.is_file():
        if root.suffix.lower() in {e.lower() for e in extensions}:  # one long recording, most likely
            raise DataError(
                f"{root} is an audio file; pass a folder of them ({root.parent} holds this one): "
                + NEEDS_THREE_FILES
            )
        raise DataError(f"{root} is a file; pass the folder that holds the WAV/FLAC/OGG files")
    if not root.is_dir():
        raise DataFileNotFoundError(f"audio folder not found: {root}; pass a folder of WAV/FLAC/OGG files")
    wanted = tuple(dict.fromkeys(e.lower() for e in extensions))
    visible, hidden = _walk(root)
    files = sorted(p for p in visible if p.suffix.lower() in wanted)
    generated = [p for p in files if is_generated_clip(p)]
    if generated and len(generated) == len(files):
        raise DataFileNotFoundError(f"the audio files under {root} are {_generated_note(generated, root)}")
    if not files:
        raise DataFileNotFoundError(
            f"no audio files ({', '.join(sorted(wanted))}) found under {root}"
            + _what_it_holds(visible)
            + _hidden_audio_note(root, wanted)
        )
    if generated:
        warn_on_rank_zero(
            f"{len(generated)} clip(s) under {root}: {_generated_note(generated, root)}", stacklevel=None
        )
        left_out = set(generated)
        files = [p for p in files if p not in left_out]
    _warn_of_audio_left_out(visible, wanted, root)
    _warn_of_hidden_audio(hidden, wanted, root)
    return _each_file_once(files, root)


def shown_path(path: Path, folder: Path) -> str:
    """``path`` under ``folder`` as ``word/take.wav``: names of a folder's files, which sub-folders
    of the same file names (Speech Commands: ``<word>/<speaker>_nohash_0.wav``) leave ambiguous."""
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return str(path)


def _generated_note(generated: list[Path], root: Path) -> str:
    """Clips ssm-ts wrote (a fit run in the folder of recordings puts its outputs in it), left out."""
    folders = sorted({shown_path(p.parent, root) + "/" for p in generated})
    return (
        f"ssm-ts's own generated samples (sample_NNN.wav, epochNNN_sampleK.wav beside {SHEET}, in "
        f"{', '.join(folders[:3])}{', ...' if len(folders) > 3 else ''}), left out: a model's outputs are no "
        "training audio. Write outputs outside the audio folder (--out, out_dir=), or rename clips to train on them"
    )


def _each_file_once(files: list[Path], root: Path) -> list[Path]:
    """``files`` less those that are a link (symbolic or hard) to an earlier one, with a warning
    naming them: the same recording twice weighs it double, and in two splits it puts training audio
    into the validation or test score. Broken links stay: reading them names the missing target."""
    first: dict[tuple[int, int], Path] = {}
    kept, repeats = [], []
    for path in files:
        if not path.exists():
            kept.append(path)
            continue
        stat = path.stat()
        seen = first.setdefault((stat.st_dev, stat.st_ino), path)
        if seen == path:
            kept.append(path)
        else:
            repeats.append(f"{shown_path(path, root)} (= {shown_path(seen, root)})")
    if repeats:
        warn_on_rank_zero(
            f"{len(repeats)} audio file(s) under {root} are links to a file already listed, read once: "
            + ", ".join(repeats[:10])
            + (" ..." if len(repeats) > 10 else ""),
            stacklevel=None,  # the user's line
        )
    return kept


def visible_files(root: Path) -> list[Path]:
    """Files under ``root`` but hidden ones, following linked folders (``Path.rglob`` before Python
    3.13 leaves their files out) and entering each real folder once (a link back up is no loop)."""
    return _walk(root)[0]


def _walk(root: Path) -> tuple[list[Path], list[Path]]:
    """``(visible files, hidden files)`` under ``root`` as :func:`visible_files` walks it: the hidden
    ones are those of the folders it enters (``._take1.wav``, ``.take2.wav``), not hidden folders'."""
    found, hidden, seen = [], [], set()
    for folder, subfolders, names in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            subfolders[:] = []
            continue
        seen.add(real)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for n in names:
            if _is_file_or_broken_link(os.path.join(folder, n)):
                (hidden if n.startswith(".") else found).append(Path(folder) / n)
    return found, hidden


def _warn_of_hidden_audio(hidden: list[Path], wanted: tuple[str, ...], root: Path) -> None:
    """Hidden files with an audio ending beside the audio are left out: say so, naming them (macOS
    writes a ``._take1.wav`` of metadata beside each ``take1.wav`` on a shared drive; a ``.take2.wav``
    may be a recording someone hid), rather than leave them out without a word."""
    left_out = sorted(p for p in hidden if p.suffix.lower() in wanted)
    if not left_out:
        return
    names = [shown_path(p, root) for p in left_out]
    shown = ", ".join(names[:5]) + (f" ... and {len(names) - 5} more" if len(names) > 5 else "")
    apple = [p for p in left_out if p.name.startswith("._")]
    why = (
        "macOS '._' files are metadata written beside each file, not audio"
        if len(apple) == len(left_out)
        else "macOS '._' files are metadata, not audio; rename a recording without the leading dot to train on it"
    )
    warn_on_rank_zero(
        f"{len(left_out)} hidden file(s) under {root} are left out, their names start with '.': {shown} ({why})",
        stacklevel=None,  # the user's line
    )


def _is_file_or_broken_link(path: str) -> bool:
    """A file, or a link to nothing: a folder of links into a moved data set is no empty folder."""
    return os.path.isfile(path) or (os.path.islink(path) and not os.path.exists(path))


def _readable_suffixes() -> set[str]:
    """File endings of the formats soundfile reads: ``.wav``, ``.mp3`` (libsndfile 1.1+), ``.aiff``..."""
    formats = {name.lower() for name in sf.available_formats()}
    return {f".{name}" for name in formats} | ({".aif"} if "aiff" in formats else set())


def _warn_of_audio_left_out(files: list[Path], wanted: tuple[str, ...], root: Path) -> None:
    """Files of other audio formats beside those read (MP3s among WAVs) are left out: say how many
    and how to read them, as a folder of MP3s alone is told in its error."""
    others = _readable_suffixes() - set(wanted)
    counts = Counter(p.suffix.lower() for p in files if p.suffix.lower() in others).most_common()
    if not counts:
        return
    held = ", ".join(f"{n} {suffix}" for suffix, n in counts)
    every = (*wanted, *(suffix for suffix, _ in counts))
    warn_on_rank_zero(
        f"{sum(n for _, n in counts)} audio file(s) under {root} are not read, their endings are not in "
        f"extensions ({held}); extensions={every!r} (CLI: --data.extensions '[{', '.join(every)}]') "
        "reads them too",
        stacklevel=None,  # the user's line
    )


def _hidden_audio_note(root: Path, wanted: tuple[str, ...]) -> str:
    """For the no-audio error: the audio files left out as hidden (their name or a folder's starts
    with ``.``), as a folder copied from a Mac with its recordings in ``.takes/`` has."""
    hidden = [
        Path(folder, name)
        for folder, _, names in os.walk(root)  # hidden folders too: no visible file was audio
        for name in names
        if Path(name).suffix.lower() in wanted
    ]
    if not hidden:
        return ""
    return (
        f" ({len(hidden)} hidden audio file(s), such as {shown_path(hidden[0], root)}, are left out: a name or "
        "folder starting with '.' is hidden. macOS '._' files are metadata, not audio; rename real "
        "recordings or their folder without the dot)"
    )


def _what_it_holds(files: list[Path]) -> str:
    """The end of the no-audio error: the folder's files by extension, and how to read those that
    soundfile reads (MP3, AIFF, ...)."""
    if not files:
        return ": it holds no files; check the folder"
    counts = Counter(p.suffix.lower() or "(no extension)" for p in files)
    held = ", ".join(f"{n} {suffix}" for suffix, n in counts.most_common(5))
    more = ", ..." if len(counts) > 5 else ""
    readable = _readable_suffixes()
    other = [suffix for suffix in counts if suffix in readable]
    if not other:
        return f": it holds {held}{more} file(s); check the folder or the extensions"
    listed = ", ".join(other)
    return (
        f": it holds {held}{more} file(s). {listed} files are read with extensions={tuple(other)!r} "
        f"(CLI: --data.extensions '[{listed}]')"
    )
