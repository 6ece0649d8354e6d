"""A data folder's fingerprint counts the files the fit reads there, not what it writes into it: a fit run
inside its folder of recordings (``--out`` and ``mlflow.db`` there) can be resumed, while a changed, added
or removed data file is still refused. A fingerprint made before (no ``reads`` kept) hashed every file."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from ssm_ts.tracking.resume_settings import (
    data_fingerprint,
    datamodule_fingerprints,
    sort_resume_changes,
)


def _audio_folder(root: Path) -> Path:
    root.mkdir()
    for name in ("a.wav", "b.wav", "word/c.flac"):
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_bytes(name.encode() * 10)
    return root


def _write_fit_outputs(root: Path) -> None:
    """What ``ssm-ts audio fit --data.root .`` run in the folder writes there, and a note of the user's."""
    run = root / "outputs" / "1" / "run"
    (run / "checkpoints").mkdir(parents=True)
    (run / "checkpoints" / "last.ckpt").write_bytes(b"weights")
    (run / "samples").mkdir()
    (run / "samples" / "epoch001_sample0.wav").write_bytes(b"generated")  # a listening sample
    (run / "samples" / "spectrograms.png").write_bytes(b"png")
    (root / "mlflow.db").write_bytes(b"sqlite")
    (root / "mlruns" / "0").mkdir(parents=True)
    (root / "mlruns" / "0" / "meta.yaml").write_text("x")
    (root / "notes.txt").write_text("takes of Tuesday")


def _refusal(fingerprints: dict, root: Path, use: str = "audio", key: str = "data.root") -> str | None:
    """The reason a resume on ``root`` (as given at fit) is refused, or None."""
    _, refused = sort_resume_changes({}, fingerprints, use, {key: str(root)})
    return refused[key][2] if key in refused else None


def test_an_audio_fit_inside_its_folder_resumes_and_a_changed_recording_is_refused(tmp_path):
    root = _audio_folder(tmp_path / "takes")
    module = SimpleNamespace(hparams={"root": str(root), "extensions": (".wav", ".flac")}, root=root)
    fingerprints = datamodule_fingerprints(module)
    _write_fit_outputs(root)  # refused before: the fingerprint hashed the fit's own outputs
    assert _refusal(fingerprints, root) is None
    assert fingerprints["data.root"]["reads"]["suffixes"] == [".flac", ".wav"]  # kept for the check

    (root / "b.wav").write_bytes(b"edited")
    assert "was changed since the fit read it" in _refusal(fingerprints, root)
    (root / "b.wav").write_bytes(b"b.wav" * 10)
    (root / "word" / "d.wav").write_bytes(b"new take")  # an added recording, in a subfolder
    assert _refusal(fingerprints, root)
    (root / "word" / "d.wav").unlink()
    (root / "a.wav").unlink()
    assert _refusal(fingerprints, root)
    (root / "a.wav").write_bytes(b"a.wav" * 10)
    assert _refusal(fingerprints, root) is None
    (root / "validation_list.txt").write_text("a.wav\n")  # a split list decides what is trained on
    assert _refusal(fingerprints, root)


def test_a_classify_folder_counts_its_recording_files_at_the_top_only(tmp_path):
    folder = tmp_path / "recordings"
    folder.mkdir()
    for name in ("r1.csv", "r2.csv", "labels.csv"):
        (folder / name).write_text(f"time,x\n0,{len(name)}\n")
    module = SimpleNamespace(hparams={"path": str(folder)}, path=str(folder))
    fingerprints = datamodule_fingerprints(module)
    (folder / "mlflow.db").write_bytes(b"sqlite")
    (folder / "out").mkdir()
    (folder / "out" / "predictions.csv").write_text("id,label\n")  # read by no reader: not at the top
    assert _refusal(fingerprints, folder, "classify", "data.path") is None
    (folder / "r3.csv").write_text("time,x\n0,1\n")
    assert _refusal(fingerprints, folder, "classify", "data.path")


def test_a_fingerprint_made_before_reads_were_kept_still_compares_every_file(tmp_path):
    root = _audio_folder(tmp_path / "takes")
    old = {"data.root": {"path": str(root.resolve()), "sha256": data_fingerprint(root)}}  # as kept before
    assert _refusal(old, root) is None  # the same data: accepted
    (root / "notes.txt").write_text("x")
    assert "was changed since the fit read it" in _refusal(old, root)


def test_a_recording_changed_in_a_linked_subfolder_is_refused(tmp_path):
    # the audio reader follows linked folders; the fingerprint's walk (rglob, Python < 3.13) did not
    root = _audio_folder(tmp_path / "takes")
    elsewhere = tmp_path / "more"
    elsewhere.mkdir()
    (elsewhere / "e.wav").write_bytes(b"linked take")
    (root / "more").symlink_to(elsewhere, target_is_directory=True)
    module = SimpleNamespace(hparams={"root": str(root), "extensions": (".wav", ".flac")}, root=root)
    fingerprints = datamodule_fingerprints(module)
    assert _refusal(fingerprints, root) is None
    (elsewhere / "e.wav").write_bytes(b"edited take")
    assert "was changed since the fit read it" in _refusal(fingerprints, root)
