"""The list of files found clipped or damaged before a fit stopped
(:mod:`ssm_ts.pipelines.audio.stopped_fit_list`): a file name holding a tab or a newline (allowed on
Linux and macOS) split its row or added a column, so ``pd.read_csv(sep="\\t")`` failed on the whole list;
such names are quoted now. A fit folder that cannot be written leaves the warnings naming every file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ssm_ts.pipelines.audio.stopped_fit_list import LIST_NAME, write_found_list


def test_names_with_tabs_newlines_and_quotes_read_back_as_written(tmp_path):
    root = tmp_path / "takes"
    names = ["plain.wav", "tab\there.wav", "new\nline.wav", 'say "hi".wav']
    clipped = [(root / n, 650, 1000, 0.05) for n in names]
    listed = write_found_list(tmp_path / "fit", root, clipped, [root / "bad\tone.wav"])
    assert listed == tmp_path / "fit" / LIST_NAME
    table = pd.read_csv(listed, sep="\t", keep_default_na=False)
    assert list(table.columns) == ["kind", "file", "clipped_share", "seconds_read"]
    assert table["file"].tolist() == [*names, "bad\tone.wav"]  # was a ParserError: 5 fields, not 4
    assert table["kind"].tolist() == ["clipped"] * 4 + ["damaged"]
    assert table["clipped_share"].tolist()[:4] == ["0.6500"] * 4 and table["seconds_read"].iloc[-1] == ""
    assert listed.read_text().splitlines()[1] == "clipped\tplain.wav\t0.6500\t0.050"  # plain names as before


def test_a_fit_folder_that_cannot_be_written_gives_none(tmp_path):
    blocked = tmp_path / "a_file"
    blocked.write_text("")  # a file where the fit's folder would be made: no list, no crash
    assert write_found_list(blocked / "fit", tmp_path, [(tmp_path / "a.wav", 1, 2, 0.1)], []) is None
    assert not Path(blocked).is_dir()
