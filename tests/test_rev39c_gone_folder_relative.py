"""A fit given its audio folder as a relative path (``takes``) that changed the working directory before it
stopped on an error was told the folder "is gone (moved or deleted since the fit started)": the folder is
where it was, out of reach from the new working directory. The report now says so, with the folder's full
path to pass; a folder really moved is still said to be gone."""

from __future__ import annotations

from tests.test_aud36c_named_across_spawned_calls import _folder
from tests.test_aud38_spawned_stop_names_found import _module, _started_process_validates, _stopped


def test_a_relative_folder_out_of_reach_after_a_chdir_is_not_said_to_be_gone(tmp_path, monkeypatch):
    (tmp_path / "takes").mkdir()
    _folder(tmp_path / "takes")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path)
    module = _module("takes")
    _started_process_validates(module, stop=True)  # a started process finds v_take.flac damaged, then stops
    monkeypatch.chdir(tmp_path / "elsewhere")
    [said] = _stopped(module)
    assert said.startswith(
        f"the audio folder takes is not found from the working directory {tmp_path / 'elsewhere'}: it is in "
        f"{tmp_path}, the working directory when the fit started (changed since: os.chdir?)"
    ), said  # was "the audio folder takes is gone (moved or deleted since the fit started)"
    assert said.endswith(f"to fit again, pass its full path ({tmp_path / 'takes'})"), said


def test_a_relative_folder_moved_is_still_gone(tmp_path, monkeypatch):
    (tmp_path / "takes").mkdir()
    _folder(tmp_path / "takes")
    monkeypatch.chdir(tmp_path)
    module = _module("takes")
    _started_process_validates(module, stop=True)
    (tmp_path / "takes").rename(tmp_path / "moved")
    [said] = _stopped(module)
    assert said.startswith("the audio folder takes is gone (moved or deleted since the fit started)"), said
