"""Splits named by folders: ``train/``, ``validation/`` and ``test/`` under the audio folder, the
layout Hugging Face's ``audiofolder`` reads (names in any case, and their usual variants)."""

from __future__ import annotations

from pathlib import Path

# the top-level folder names of each split (lower case)
SPLIT_FOLDERS: dict[str, tuple[str, ...]] = {
    "train": ("train", "training"),
    "val": ("validation", "valid", "val", "dev"),
    "test": ("test", "testing", "eval"),
}


def split_of(path: Path, root: Path) -> str | None:
    """``"train"``, ``"val"`` or ``"test"``: the split the top-level folder of ``path`` under ``root``
    names; ``None`` for a file directly in ``root`` or under another folder."""
    parts = path.relative_to(root).parts
    top = parts[0].lower() if len(parts) > 1 else None
    return next((split for split, names in SPLIT_FOLDERS.items() if top in names), None)


def has_split_folders(files: list[Path], root: Path) -> bool:
    """Whether ``files`` lie in a train folder and a test folder under ``root`` (a random split of them
    would put test recordings into training)."""
    found = {split_of(path, root) for path in files}
    return {"train", "test"} <= found


def folder_parts(files: list[Path], root: Path) -> tuple[list[Path], list[Path], list[Path], list[Path]]:
    """``(train, val, test, outside)``: ``files`` by the split their top-level folder names; ``outside``
    those in no split folder."""
    parts: dict[str | None, list[Path]] = {"train": [], "val": [], "test": [], None: []}
    for path in files:
        parts[split_of(path, root)].append(path)
    return parts["train"], parts["val"], parts["test"], parts[None]
