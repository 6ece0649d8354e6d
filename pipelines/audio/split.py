"""Train / validation / test splits of a file list: Speech Commands lists, a file-name rule, split folders
(:mod:`.split_folders`), or fractions. Byte-identical copies of a recording (:mod:`.same_content`) go to
one split where the split is drawn at random, and are warned of where the user's assignment parts them."""

from __future__ import annotations

import posixpath
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch

from ssm_ts.errors import ConfigError, DataError, DataFileNotFoundError
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from .same_content import copies_apart, identical_groups, recordings
from .split_folders import SPLIT_FOLDERS, folder_parts, has_split_folders

SPLIT_METHODS = ("auto", "lists", "rule", "fractions", "fsdd", "folders")
VALIDATION_LIST = "validation_list.txt"
TESTING_LIST = "testing_list.txt"
# Free Spoken Digit Dataset: <digit>_<speaker>_<index>; the official test split is index 0-4.
FSDD_TEST_PATTERN = r"^\d+_[A-Za-z]+_[0-4]\.\w+$"
# the usual slip: a glob ('take0*' matches every name holding 'take', as 0* may be empty; '*.wav' no regex)
NOT_GLOBS = (
    "The patterns are regular expressions searched in file names, not globs: '^take0' matches names that "
    "start with take0, '_[0-4]\\.wav$' those ending _0.wav to _4.wav"
)

NEEDS_THREE_FILES = (
    "training needs at least 3, one each for the train, validation and test splits. Add recordings, or "
    "cut a long one into pieces (e.g. 'sox long.wav piece.wav trim 0 10 : newfile : restart' writes "
    "10-second files piece001.wav, ...)"
)

# what puts a file in its split, and how to keep a recording's copies in one, by the split method (warning)
COPIES_APART_FIX = {
    "lists": (f"{VALIDATION_LIST} and {TESTING_LIST} put each file in its split: list every copy of a "
              "recording in the same list (or in neither)"),
    "rule": ("test_pattern and val_pattern put each file in its split by its name: rename the copies so "
             "that they match the same pattern"),
    "fsdd": "the recording index in each name puts it in its split: rename the copies to one index",
    "folders": "each file's top-level folder puts it in its split: move every copy of a recording into one",
    "fractions": ("copies are kept in one split unless the folder holds fewer distinct recordings than "
                  "splits, as here: add recordings"),
}  # fmt: skip
SHOWN_COPIES = 5

SplitMethod = Literal["auto", "lists", "rule", "fractions", "fsdd", "folders"]


@dataclass(frozen=True)
class FileSplit:
    """Files of each split (paths, sorted)."""

    train: list[Path]
    val: list[Path]
    test: list[Path]


def _read_list(root: Path, name: str) -> set[str]:
    path = root / name
    if not path.is_file():
        raise DataFileNotFoundError(
            f"split list {path} not found: split='lists' needs {VALIDATION_LIST} and {TESTING_LIST} in the "
            "data folder (Speech Commands layout); use split='fractions' otherwise"
        )
    # relative paths as Speech Commands writes them; ./word/x.wav (as find writes them) and word//x.wav too
    # utf-8-sig: a byte order mark (Notepad writes one) is no part of the first entry
    lines = (line.strip().replace("\\", "/") for line in path.read_text(encoding="utf-8-sig").splitlines())
    return {_comparable(posixpath.normpath(line)) for line in lines if line}


def _comparable(name: str) -> str:
    """A relative path in Unicode's composed form (NFC): macOS writes ``canción.wav`` decomposed (``o`` and
    a combining accent), a list typed or written elsewhere composed, and the two never matched."""
    return unicodedata.normalize("NFC", name)


def _warn_of_listed_files_missing(root: Path, listed: dict[str, set[str]], found: set[str]) -> None:
    """Names in the split lists that are no audio file of the folder (a typo, a file since deleted or
    converted to another format): their split lacks them, and one warning names them."""
    missing = {name: sorted(names - found) for name, names in listed.items()}
    count = sum(len(names) for names in missing.values())
    if not count:
        return
    shown = "; ".join(
        f"{name}: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}"
        for name, names in missing.items()
        if names
    )
    warn_on_rank_zero(
        f"{count} file(s) named in the split lists of {root} are not among its audio files ({shown}): their "
        "split lacks them. Check the names (paths relative to the folder, as in the Speech Commands lists), "
        "or remove the lines",
        stacklevel=None,  # the user's line
    )


def _check_lists_disjoint(root: Path, val_names: set[str], test_names: set[str]) -> None:
    """A file named by both lists would sit in the validation and the test split: the epoch chosen
    on validation would be chosen on test audio."""
    both = sorted(val_names & test_names)
    if both:
        raise DataError(
            f"{len(both)} file(s) are in both {VALIDATION_LIST} and {TESTING_LIST} of {root}: "
            f"{', '.join(both[:10])}{' ...' if len(both) > 10 else ''}; a file belongs to one split: remove "
            "each from one of the lists"
        )


def _fraction_counts(n: int, fractions: tuple[float, ...]) -> list[int]:
    """Files per part: ``round(f * n)``, the last part the rest, and at least one in every part with
    a share above zero while ``n`` allows (0.1 of five files rounds to none)."""
    counts = [round(f * n) for f in fractions[:-1]]
    counts.append(n - sum(counts))
    wanted = [i for i, f in enumerate(fractions) if f > 0]
    for i in wanted:
        while counts[i] < 1:
            donor = max(range(len(counts)), key=lambda j: counts[j])
            if counts[donor] <= 1:
                return counts  # fewer files than parts: the caller reports the empty part
            counts[donor] -= 1
            counts[i] += 1
    return counts


def _fraction_split(
    files: list[Path], fractions: tuple[float, ...], seed: int, copies: list[list[Path]]
) -> list[list[Path]]:
    """``files`` in seeded random parts of ``fractions``, counted in recordings: a file and its
    byte-identical copies (``copies``, :func:`.same_content.identical_groups`) are one, put in one part.
    Without copies, a seeded permutation of ``files`` cut by :func:`_fraction_counts`; file by file too
    when there are fewer recordings than parts to fill (copies in two parts are warned of)."""
    units = recordings(files, copies)
    if len(units) < sum(f > 0 for f in fractions):
        units = [[file] for file in files]
    order = torch.randperm(len(units), generator=torch.Generator().manual_seed(seed)).tolist()
    start, parts = 0, []
    for count in _fraction_counts(len(units), fractions):
        parts.append(sorted(file for i in order[start : start + count] for file in units[i]))
        start += count
    return parts


def _warn_of_copies_apart(result: FileSplit, copies: list[list[Path]], root: Path, method: str) -> None:
    """Copies of one recording in two splits, where the user's lists, names or folders put them (the
    split stays the user's), or split file by file as too few recordings to fill every split: their
    validation and test scores are measured on training audio."""
    apart = copies_apart(copies, {"train": result.train, "validation": result.val, "test": result.test}, root)
    if not apart:
        return
    shown = "; ".join(apart[:SHOWN_COPIES])
    more = f"; and {len(apart) - SHOWN_COPIES} more" if len(apart) > SHOWN_COPIES else ""
    warn_on_rank_zero(
        f"{len(apart)} recording(s) under {root} lie in more than one split as byte-identical copies "
        f"under other names: {shown}{more}. Validation and test scores on them are measured on audio the "
        f"model trained on. With split={method!r}, {COPIES_APART_FIX[method]}; or delete the extra copies",
        stacklevel=None,  # the user's line: split_files' caller, or their fit
    )


def split_files(
    files: list[Path],
    root: Path,
    method: SplitMethod = "auto",
    *,
    test_pattern: str | None = None,
    val_pattern: str | None = None,
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
    seed: int = 0,
    copies_together: bool = True,
) -> FileSplit:
    """Split ``files`` (under ``root``) into train / val / test.

    Methods:
        ``"lists"``: Speech Commands ``validation_list.txt`` / ``testing_list.txt`` (paths relative to root).
        ``"rule"``: file names matching the regex ``test_pattern`` are test (``val_pattern`` likewise, else a
        seeded ``fractions[1] / (fractions[0] + fractions[1])`` share of the rest is validation).
        ``"fsdd"``: the rule with the FSDD pattern (recording index 0-4 is test).
        ``"folders"``: by the top-level folder of each file: ``train/``, ``validation/`` (or ``valid/``,
        ``val/``, ``dev/``; without one, a seeded share of train as for ``"rule"``) and ``test/``.
        ``"fractions"``: a seeded random split by ``fractions`` (train, val, test).
        ``"auto"``: ``"lists"`` when both list files exist, else ``"fractions"`` (with a warning when the
        files lie in train and test folders: ``"folders"`` keeps them apart).

    Byte-identical copies under other names (:func:`.same_content.identical_groups`: sizes compared
    first, only files of one size hashed) are one recording to the random parts: ``"fractions"`` counts
    recordings and puts every copy of one in its split, as does the seeded validation share of
    ``"rule"`` and ``"folders"``; a folder without copies gets the split it had before copies counted.
    Where the user's lists, names or folders put copies in different splits, they stay there, with a
    warning naming them; so do copies split file by file as too few recordings to fill every split.
    ``copies_together=False`` splits copies as other recordings, without that warning, as ssm-ts did
    before it kept them together: the split a fit made then was drawn (:mod:`.split_record`).

    Raises:
        ConfigError: bad method, pattern or fractions. DataError: a split comes out empty.
    """
    if method not in SPLIT_METHODS:
        raise ConfigError(f"unknown split {method!r}; expected one of {SPLIT_METHODS}")
    if len(fractions) != 3 or any(f < 0 for f in fractions) or abs(sum(fractions) - 1.0) > 1e-6:
        raise ConfigError(
            f"split fractions must be three non-negative numbers summing to 1, got {list(fractions)}"
        )
    if method == "auto":
        has_lists = (root / VALIDATION_LIST).is_file() and (root / TESTING_LIST).is_file()
        method = "lists" if has_lists else "fractions"
        if not has_lists and has_split_folders(files, root):
            warn_on_rank_zero(
                f"{root} holds train/ and test/ folders, and split='auto' splits its files at random: test "
                "recordings are trained on. split='folders' (CLI: --data.split folders) keeps each folder's "
                "files in its split",
                stacklevel=None,  # the user's line
            )
    if method == "fractions" and len(files) < 3:
        raise DataError(f"{root} holds {len(files)} audio file(s); {NEEDS_THREE_FILES}")
    copies = identical_groups(files) if copies_together else []
    asked = method
    if method == "fsdd":
        method, test_pattern = "rule", FSDD_TEST_PATTERN
    if method == "lists":
        val_names, test_names = _read_list(root, VALIDATION_LIST), _read_list(root, TESTING_LIST)
        _check_lists_disjoint(root, val_names, test_names)
        rel = {f: _comparable(f.relative_to(root).as_posix()) for f in files}
        listed = {VALIDATION_LIST: val_names, TESTING_LIST: test_names}
        _warn_of_listed_files_missing(root, listed, set(rel.values()))
        val = [f for f in files if rel[f] in val_names]
        test = [f for f in files if rel[f] in test_names]
        train = [f for f in files if rel[f] not in val_names and rel[f] not in test_names]
        result = FileSplit(train, val, test)
    elif method == "folders":
        train, val, test, outside = folder_parts(files, root)
        if outside:
            names = ", ".join(f.relative_to(root).as_posix() for f in outside[:10])
            raise DataError(
                f"split='folders' splits {root} by its top-level folders {', '.join(SPLIT_FOLDERS['train'])} / "
                f"{', '.join(SPLIT_FOLDERS['val'])} / {', '.join(SPLIT_FOLDERS['test'])}; {len(outside)} file(s) "
                f"are in none of them: {names}{' ...' if len(outside) > 10 else ''}. Move them into one, or "
                "remove them"
            )
        if not val:
            share = fractions[1] / max(fractions[0] + fractions[1], 1e-12)
            train, val = _fraction_split(train, (1.0 - share, share), seed, copies)
        result = FileSplit(train, val, test)
    elif method == "rule":
        if not test_pattern:
            raise ConfigError("split='rule' needs test_pattern, a regex matched against file names")
        test_re = _compiled("test_pattern", test_pattern)
        val_re = _compiled("val_pattern", val_pattern) if val_pattern else None
        names = {f: _comparable(f.name) for f in files}  # a pattern's accents match in either form
        test = [f for f in files if test_re.search(names[f])]
        rest = [f for f in files if not test_re.search(names[f])]
        if val_re is not None:
            val = [f for f in rest if val_re.search(names[f])]
            train = [f for f in rest if not val_re.search(names[f])]
        else:
            share = fractions[1] / max(fractions[0] + fractions[1], 1e-12)
            train, val = _fraction_split(rest, (1.0 - share, share), seed, copies)
        result = FileSplit(train, val, test)
    else:
        train, val, test = _fraction_split(files, tuple(fractions), seed, copies)
        result = FileSplit(train, val, test)
    for name in ("train", "val", "test"):
        if not getattr(result, name):
            detail = "check the split lists, pattern or fractions"
            if asked == "fsdd":
                detail = (
                    "split='fsdd' takes FSDD's file names, <digit>_<speaker>_<index>.wav, with index 0-4 as "
                    f"test ({FSDD_TEST_PATTERN}); split='fractions' or 'rule' split other folders"
                )
            elif method == "rule":
                matched = f"test_pattern {test_pattern!r} matched {len(result.test)}"
                if val_pattern:
                    matched += f", val_pattern {val_pattern!r} {len(result.val)} of the rest"
                detail = f"{matched}. {NOT_GLOBS}"
            raise DataError(
                f"the {name} split of {root} is empty (split={asked!r}, {len(files)} files); {detail}"
            )
    _warn_of_copies_apart(result, copies, root, asked if asked == "fsdd" else method)
    return result


def _compiled(setting: str, pattern: str) -> re.Pattern:
    """``pattern`` as a regex, or a ConfigError naming the setting: ``*.wav`` is a glob."""
    try:
        return re.compile(_comparable(pattern))
    except re.error as err:
        raise ConfigError(f"{setting} {pattern!r} is not a regular expression ({err}). {NOT_GLOBS}") from err
