"""Property tests of the UCR/UEA ``.ts`` reader: any input gives a well-formed SeriesSet or an ssm-ts error.

Inputs are random text, generated ``.ts`` files (declared or undeclared labels, ragged dimensions,
missing values, garbage numbers) and real archive files from the shared data with random edits.
No other exception (IndexError, UnicodeError, OSError, numpy errors) may reach the user.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssm_ts.errors import SSMTSError
from ssm_ts.pipelines.sensor import read_arff, read_series, read_ts
from ssm_ts.pipelines.sensor.series import SeriesSet

PROPERTY_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
# Small real files of each kind: univariate, multivariate, unequal lengths.
REAL_FILES = (
    "ItalyPowerDemand/ItalyPowerDemand_TRAIN.ts",
    "BasicMotions/BasicMotions_TRAIN.ts",
    "JapaneseVowels/JapaneseVowels_TRAIN.ts",
)
NAN_POLICIES = st.sampled_from(["error", "zero", "interpolate"])


def check_well_formed(series: SeriesSet, nan_policy: str, declared: list[str] | None = None) -> None:
    """What every caller of a reader relies on."""
    assert len(series) >= 1 and len(series.ids) == len(series)
    channels = series.values[0].shape[0]
    for values in series.values:
        assert values.dtype == np.float64 and values.ndim == 2
        assert values.shape[0] == channels and values.shape[1] >= 1
        assert np.isfinite(values).all(), f"nan_policy={nan_policy} left non-finite values"
    if series.labels is not None:
        assert series.labels.shape == (len(series),)
        if declared:
            assert set(series.labels) <= set(declared)


def read_or_ssm_error(path: Path, nan_policy: str, declared: list[str] | None = None) -> SeriesSet | None:
    try:
        series = read_ts(path, nan_policy=nan_policy)
    except SSMTSError as err:
        assert path.name in str(err), f"the message does not name the file: {err}"
        return None
    check_well_formed(series, nan_policy, declared)
    return series


@pytest.fixture(scope="module")
def real_excerpts(shared_data) -> list[tuple[list[str], list[str]]]:
    """(header lines, first data lines) of each real file: small enough for many examples."""
    excerpts = []
    for name in REAL_FILES:
        lines = (shared_data / "classification" / name).read_text().splitlines()
        start = next(i for i, line in enumerate(lines) if line.lower().startswith("@data")) + 1
        excerpts.append((lines[:start], lines[start : start + 6]))
    return excerpts


# ---------------------------------------------------------------- arbitrary text


@PROPERTY_SETTINGS
@given(text=st.text(max_size=400), nan_policy=NAN_POLICIES, data_header=st.booleans())
def test_arbitrary_text_reads_or_raises_ssm_ts_error(tmp_path_factory, text, nan_policy, data_header):
    path = tmp_path_factory.mktemp("ts") / "random.ts"
    path.write_text(("@data\n" if data_header else "") + text, encoding="utf-8", errors="surrogatepass")
    read_or_ssm_error(path, nan_policy)


@PROPERTY_SETTINGS
@given(content=st.binary(max_size=300), nan_policy=NAN_POLICIES)
def test_arbitrary_bytes_read_or_raise_ssm_ts_error(tmp_path_factory, content, nan_policy):
    path = tmp_path_factory.mktemp("ts") / "bytes.ts"
    path.write_bytes(b"@classLabel true a b\n@data\n" + content)
    read_or_ssm_error(path, nan_policy)


# ---------------------------------------------------------------- generated .ts files

GARBAGE = st.sampled_from(
    ["", "?", "NaN", "inf", "-inf", "1e999", "abc", "1,2", "--1", "0x1F", " ", "1 2", "∞"]
)
VALUE = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32).map(repr),
    st.integers(-1000, 1000).map(str),
    GARBAGE,
)


CLEAN_VALUE = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False, width=32).map(repr), st.integers(-1000, 1000).map(str), st.just("?")
)


@st.composite
def ts_files(draw) -> tuple[str, list[str] | None]:
    """A ``.ts`` text. Half are clean (well-formed values, declared labels, some ``?``), the others
    may be ragged, mislabelled, or hold garbage numbers, so both outcomes are exercised."""
    clean = draw(st.booleans())
    labelled = draw(st.booleans())
    declared = draw(
        st.lists(st.sampled_from(["1", "2", "a", "b", "x y"]), min_size=int(clean), max_size=3, unique=True)
    )
    header = ["@problemName generated", "@missing true"]
    header.append(f"@classLabel true {' '.join(declared)}" if labelled else "@classLabel false")
    header.append("@data")
    n_dims = draw(st.integers(1, 3))
    cases = []
    for _ in range(draw(st.integers(int(clean), 5))):
        dims = n_dims + (0 if clean else draw(st.sampled_from([0, 0, 0, -1, 1])))  # sometimes ragged
        if clean:  # every channel of a clean case has the same length (ragged cases are an error)
            length = draw(st.integers(1, 6))
            fields = [
                ",".join(draw(st.lists(CLEAN_VALUE, min_size=length, max_size=length))) for _ in range(dims)
            ]
        else:
            fields = [",".join(draw(st.lists(VALUE, max_size=6))) for _ in range(max(dims, 0))]
        if labelled:
            if clean:  # "x y" declares two classes, "x" and "y": not a label a clean file uses
                labels = [label for label in declared if " " not in label] or ["1"]
            else:
                labels = [*declared, "zz", ""]
            fields.append(draw(st.sampled_from(labels) if declared else st.text(max_size=3)))
        cases.append(":".join(fields))
    return "\n".join(header + cases) + "\n", (declared if labelled else None)


@PROPERTY_SETTINGS
@given(generated=ts_files(), nan_policy=NAN_POLICIES)
def test_generated_ts_files_read_or_raise_ssm_ts_error(tmp_path_factory, generated, nan_policy):
    text, declared = generated
    path = tmp_path_factory.mktemp("ts") / "generated.ts"
    path.write_text(text, encoding="utf-8")
    read_or_ssm_error(path, nan_policy, declared)


# ---------------------------------------------------------------- mutated real files

EDITS = st.sampled_from(
    ["delete", "insert", "replace", "drop_line", "duplicate_line", "truncate", "swap_label", "drop_dimension"]
)


def mutate(lines: list[str], edit: str, where: int, char: str) -> list[str]:
    lines = list(lines)
    i = where % len(lines)
    line = lines[i]
    j = where % (len(line) + 1)
    if edit == "delete":
        lines[i] = line[:j] + line[j + 1 :]
    elif edit == "insert":
        lines[i] = line[:j] + char + line[j:]
    elif edit == "replace":
        lines[i] = line[:j] + char + line[j + 1 :]
    elif edit == "drop_line":
        del lines[i]
    elif edit == "duplicate_line":
        lines.insert(i, line)
    elif edit == "truncate":
        lines[i] = line[:j]
        del lines[i + 1 :]
    elif edit == "swap_label" and ":" in line:
        lines[i] = line.rsplit(":", 1)[0] + ":" + char
    elif edit == "drop_dimension" and line.count(":") >= 2:
        fields = line.split(":")
        del fields[where % (len(fields) - 1)]
        lines[i] = ":".join(fields)
    return lines


@PROPERTY_SETTINGS
@given(
    which=st.integers(0, len(REAL_FILES) - 1),
    edits=st.lists(
        st.tuples(
            EDITS, st.integers(0, 10_000), st.sampled_from([":", ",", "?", "@", "x", "-", "\x00", "é", " "])
        ),
        min_size=1,
        max_size=4,
    ),
    nan_policy=NAN_POLICIES,
)
def test_mutated_real_files_read_or_raise_ssm_ts_error(
    tmp_path_factory, real_excerpts, which, edits, nan_policy
):
    header, body = real_excerpts[which]
    lines = header + body
    for edit, where, char in edits:
        lines = mutate(lines, edit, where, char) or ["@data"]
    path = tmp_path_factory.mktemp("ts") / "mutated.ts"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read_or_ssm_error(path, nan_policy)  # edits may reach the @classLabel line: labels not compared


# ---------------------------------------------------------------- not a file


def test_a_folder_or_missing_path_is_an_ssm_ts_error(tmp_path):
    folder = tmp_path / "folder.ts"
    folder.mkdir()
    for path in (folder, tmp_path / "missing.ts"):
        with pytest.raises(SSMTSError, match="folder.ts|missing.ts"):
            read_ts(path)
        with pytest.raises(SSMTSError, match="folder.ts|missing.ts"):
            read_series(path, format="ts")


def test_unmodified_real_excerpts_read(tmp_path, real_excerpts):
    """The mutation test's starting points are valid files (else it would test nothing)."""
    for header, body in real_excerpts:
        path = tmp_path / "excerpt.ts"
        path.write_text("\n".join(header + body) + "\n", encoding="utf-8")
        series = read_ts(path, nan_policy="interpolate")
        declared = next(line.split()[2:] for line in header if line.lower().startswith("@classlabel"))
        check_well_formed(series, "interpolate", declared)
        assert len(series) == len(body)


# ---------------------------------------------------------------- the .arff sibling (UEA relational layout)


@PROPERTY_SETTINGS
@given(
    edits=st.lists(
        st.tuples(EDITS, st.integers(0, 10_000), st.sampled_from(["'", ",", "?", "\\n", "@", "x", "%"])),
        min_size=1,
        max_size=4,
    ),
    nan_policy=NAN_POLICIES,
)
def test_mutated_real_arff_reads_or_raises_ssm_ts_error(tmp_path_factory, shared_data, edits, nan_policy):
    lines = (
        (shared_data / "classification" / "BasicMotions" / "BasicMotions_TRAIN.arff").read_text().splitlines()
    )
    start = next(i for i, line in enumerate(lines) if line.lower().startswith("@data")) + 1
    lines = lines[: start + 3]
    for edit, where, char in edits:
        lines = mutate(lines, edit, where, char) or ["@data"]
    path = tmp_path_factory.mktemp("arff") / "mutated.arff"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        series = read_arff(path, nan_policy=nan_policy)
    except SSMTSError as err:
        assert path.name in str(err), f"the message does not name the file: {err}"
        return
    check_well_formed(series, nan_policy)
