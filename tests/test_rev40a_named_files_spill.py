"""The record of files named across processes, past its shared memory (:mod:`ssm_ts.pipelines.audio.named_files`,
a file of the temporary folder): a write a full disk cut short left bytes that shifted every later record (each
was read at the wrong place: files named again, counts lost); a temporary folder that cannot be written made a
copy of the record (``copy.deepcopy``) raise, and none usable made the data module's construction raise."""

from __future__ import annotations

import copy
import tempfile

from ssm_ts.pipelines.audio import named_files
from ssm_ts.pipelines.audio.named_files import NamedFiles


def _record(tmp_path, monkeypatch) -> tuple[NamedFiles, list]:
    monkeypatch.setattr(named_files, "file_version", lambda path: (str(path),))
    return NamedFiles(capacity=1), [tmp_path / f"{n}.wav" for n in "abcd"]


def test_a_record_after_a_cut_write_is_read_back(tmp_path, monkeypatch):
    record, (a, b, c, _) = _record(tmp_path, monkeypatch)
    assert record.first_time(a) and record.first_time(b, "found clipped", (3, 400, 0.05))  # b in the file
    with open(record.spill, "ab") as spill:
        spill.write(b"\x01" * 7)  # what a write cut short by a full disk leaves
    assert record.first_time(c, "found clipped", (9, 900, 0.1))
    assert record.numbers_of(c, "found clipped") == (9.0, 900.0, 0.1)  # was None: read 7 bytes off
    assert not record.first_time(c, "found clipped") and record.holds(b, "found clipped")


def test_a_temporary_folder_that_cannot_be_written_breaks_no_copy(tmp_path, monkeypatch):
    record, (a, b, c, d) = _record(tmp_path, monkeypatch)
    assert record.first_time(a) and record.first_time(b)  # b past the shared memory
    blocked = tmp_path / "a_file"
    blocked.write_text("")
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(blocked))  # a file: nothing made under it
    own = copy.deepcopy(record)  # raised NotADirectoryError
    assert own.holds(a) and own.first_time(c)  # its records past the shared memory are not kept
    assert record.holds(b) and record.first_time(d)  # the original's are
    own._removal()  # its file's removal: raised NotADirectoryError (printed at exit, "Exception ignored")


def test_no_usable_temporary_folder_breaks_no_record(tmp_path, monkeypatch):
    def none_usable() -> str:
        raise FileNotFoundError("No usable temporary directory found")

    monkeypatch.setattr(tempfile, "gettempdir", none_usable)
    monkeypatch.setattr(named_files, "file_version", lambda path: (str(path),))
    record = NamedFiles(capacity=1)  # raised FileNotFoundError
    assert record.first_time(tmp_path / "a.wav") and not record.first_time(tmp_path / "a.wav")
