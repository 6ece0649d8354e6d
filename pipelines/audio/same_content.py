"""Audio files of identical content under other names (``take1.wav`` and ``take1 (1).wav``, a file copied
into two sub-folders): a split keeps such copies together, or warns where the user's assignment puts them
apart (:mod:`.split`), as a copy in validation or test scores the model on audio it trained on.

"Identical" means byte-identical: the same bytes in both files. That rule is honest and cheap; a copy
re-encoded (WAV to FLAC), resampled, trimmed or with other metadata counts as another recording, as
finding those would take decoding and comparing every pair of recordings. Empty files (0 bytes) hold
no recording: they are no copies of each other (reading them for training names them). Links to one
file are no concern here: :func:`.folder.find_audio_files` lists each file once.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

# bytes hashed first of files of one size; the rest only where those match too (recordings differ within
# their first 4 KiB, an eighth of a second of 16 kHz 16-bit audio, unless it is digital silence): a folder
# of one-second clips, all of one size, is read an eighth (about 20 us a file from the page cache)
HEAD_BYTES = 4096
_CHUNK = 1024 * 1024


def identical_groups(files: Sequence[Path]) -> list[list[Path]]:
    """The groups of two or more of ``files`` with byte-identical content, each in the order of ``files``,
    the groups in the order of their first file.

    Sizes first (one ``stat`` each): only files whose sizes collide are read, their first
    :data:`HEAD_BYTES`, and to the end only where those match too. An empty file, or one that cannot be
    read, counts as unique (reading it for training names the error)."""
    by_size: dict[int, list[Path]] = defaultdict(list)
    for path in files:
        try:
            by_size[path.stat().st_size].append(path)
        except OSError:
            continue
    groups: list[list[Path]] = []
    for size, same_size in by_size.items():
        if len(same_size) < 2 or size == 0:
            continue
        for same_head in _same_digest(same_size, HEAD_BYTES):
            groups += [same_head] if size <= HEAD_BYTES else _same_digest(same_head, None)
    position = {path: i for i, path in enumerate(files)}
    return sorted(groups, key=lambda group: position[group[0]])


def _same_digest(files: list[Path], limit: int | None) -> list[list[Path]]:
    """``files`` grouped by the blake2b of their first ``limit`` bytes (all of them for ``None``):
    the groups of two or more, in the order of ``files``."""
    by_digest: dict[bytes, list[Path]] = defaultdict(list)
    for path in files:
        digest = _digest(path, limit)
        if digest is not None:
            by_digest[digest].append(path)
    return [group for group in by_digest.values() if len(group) > 1]


def _digest(path: Path, limit: int | None) -> bytes | None:
    """The blake2b of ``path``'s first ``limit`` bytes (all for ``None``); ``None`` when unreadable."""
    digest = hashlib.blake2b()
    left = limit
    try:
        with open(path, "rb") as stream:
            while left is None or left > 0:
                chunk = stream.read(_CHUNK if left is None else min(_CHUNK, left))
                if not chunk:
                    break
                digest.update(chunk)
                left = None if left is None else left - len(chunk)
    except OSError:
        return None
    return digest.digest()


def recordings(files: Sequence[Path], groups: Iterable[Sequence[Path]]) -> list[list[Path]]:
    """``files`` as recordings: each file alone, or with its copies among ``files`` (``groups``, as
    :func:`identical_groups` gives them), in the order of each recording's first file. Without copies,
    ``[[f] for f in files]``."""
    first_copy = {path: group[0] for group in groups for path in group}
    found: dict[Path, list[Path]] = {}
    for path in files:
        found.setdefault(first_copy.get(path, path), []).append(path)
    return list(found.values())


def copies_apart(
    groups: Iterable[Sequence[Path]], parts: Mapping[str, Sequence[Path]], root: Path
) -> list[str]:
    """The groups of copies whose files lie in more than one of ``parts`` (split name -> files), each as
    ``"a.wav (train) = b.wav (test)"``: its first file in each split (under ``root``), and how many
    copies it has when that leaves some out. Files in no part are left out."""
    part_of = {path: name for name, files in parts.items() for path in files}
    apart = []
    for group in groups:
        first_in: dict[str, Path] = {}
        for path in group:
            if path in part_of:
                first_in.setdefault(part_of[path], path)
        if len(first_in) > 1:
            shown = " = ".join(f"{_under(path, root)} ({name})" for name, path in first_in.items())
            apart.append(shown + (f" ({len(group)} copies)" if len(group) > len(first_in) else ""))
    return apart


def _under(path: Path, root: Path) -> str:
    """``path`` as ``word/take.wav`` under ``root`` (sub-folders may hold the same names), else whole."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
