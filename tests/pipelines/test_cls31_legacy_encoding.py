"""``.ts`` and ``.arff`` files saved in Windows' legacy encoding (Windows-1252, Notepad's "ANSI") are
read as that, as the CSV readers read them: read as UTF-8 with replacement, the class ``débout`` was
``d\\ufffdbout``, so a test file saved so had labels that "never occur in the training data"."""

from __future__ import annotations

import pytest

from ssm_ts.pipelines.sensor import read_series

TS = "@problemName posture\n@classLabel true débout assis\n@data\n1,2,3:débout\n4,5,6:assis\n"
ARFF = (
    "@relation posture\n@attribute t1 numeric\n@attribute t2 numeric\n@attribute class {débout,assis}\n"
    "@data\n1,2,débout\n3,4,assis\n"
)


@pytest.mark.parametrize(("suffix", "text"), [(".ts", TS), (".arff", ARFF)])
def test_a_windows_1252_file_reads_as_its_utf8_twin(tmp_path, suffix, text):
    (tmp_path / f"utf8{suffix}").write_text(text, encoding="utf-8")
    (tmp_path / f"ansi{suffix}").write_text(text, encoding="cp1252")
    utf8, ansi = read_series(tmp_path / f"utf8{suffix}"), read_series(tmp_path / f"ansi{suffix}")
    assert ansi.labels.tolist() == utf8.labels.tolist() == ["débout", "assis"]
