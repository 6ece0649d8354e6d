"""The notebooks are committed executed: every code cell ran, in order, without an error, no output names
a path on the machine that ran them, and the figures their text quotes are those their outputs show
(pytest re-executes them separately, via nbmake)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
# An absolute local path in an output: a POSIX home, temporary or work folder, or a Windows drive.
MACHINE_PATH = re.compile(r"(?<![\w.:/])/(home|tmp|work|root|Users|var/folders)/|\b[A-Z]:\\\\")


def output_text(output: dict) -> str:
    if output["output_type"] == "stream":
        return "".join(output["text"])
    data = output.get("data", {})
    return "".join("".join(v) if isinstance(v, list) else str(v)
                   for k, v in data.items() if not k.startswith("image/"))  # fmt: skip


def test_there_is_one_notebook_per_use():
    assert {p.stem for p in NOTEBOOKS} == {"forecasting", "audio_generation", "sensor_classification"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_executed_without_machine_paths(path: Path):
    # outputs belong in the repository only as small figures: a stored notebook stays under 512 KiB
    assert path.stat().st_size < 512 * 1024, f"{path.name} is {path.stat().st_size // 1024} KiB with outputs"
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in cells]
    assert None not in counts, (
        f"{path.name}: cells {[i for i, n in enumerate(counts) if n is None]} were not run"
    )
    assert counts == sorted(counts), f"{path.name}: cells were run out of order ({counts})"
    for index, cell in enumerate(cells):
        for output in cell["outputs"]:
            assert output["output_type"] != "error", f"{path.name}, code cell {index}: {output.get('ename')}"
            found = MACHINE_PATH.search(output_text(output))
            assert found is None, f"{path.name}, code cell {index} prints a machine path: {found.group(0)!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_valid_nbformat_with_cell_ids(path: Path):
    """nbformat 4.5 requires an ``id`` on every cell: a missing one is a warning now (Jupyter adds
    ids on the fly) and an error in future nbformat versions."""
    import nbformat

    cells = json.loads(path.read_text())["cells"]  # raw: nbformat.reads adds missing ids silently
    missing = [index for index, cell in enumerate(cells) if "id" not in cell]
    assert not missing, f"{path.name}: cells {missing} have no id (nbformat.validator.normalize adds them)"
    nbformat.validate(nbformat.reads(path.read_text(), as_version=nbformat.NO_CONVERT))


# The scores a notebook's stored outputs show, by the code cell that prints them: what today's API reports,
# so a notebook executed before a score was added (or renamed) fails here until it is re-executed.
STORED_SCORES = {
    # WaveformGenerator.metrics_: the validation score of the returned weights, then the test score
    ("audio_generation", "generator.metrics_.items()"): [
        "val_loss",
        "val_nll_bits",
        "test_loss",
        "test_nll_bits",
    ],
    # ssm-ts classify fit / test as read back from MLflow: accuracy, balanced accuracy and macro F1 per split
    ("sensor_classification", "run.data.metrics.items()"): [
        f"{split}_{name}" for split in ("train", "val", "test") for name in ("acc", "balanced_acc", "f1")
    ],
}


@pytest.mark.parametrize(("stem", "marker"), list(STORED_SCORES), ids=[stem for stem, _ in STORED_SCORES])
def test_stored_outputs_show_the_scores_the_api_reports(stem: str, marker: str):
    path = next(p for p in NOTEBOOKS if p.stem == stem)
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    printing = [c for c in cells if marker in "".join(c["source"])]
    assert len(printing) == 1, f"{path.name}: expected one code cell with {marker!r}, found {len(printing)}"
    shown = "".join(output_text(output) for output in printing[0]["outputs"])
    missing = [score for score in STORED_SCORES[stem, marker] if f"'{score}'" not in shown]
    assert not missing, (
        f"{path.name}: the stored output of the cell with {marker!r} lacks {missing}; re-execute it"
    )


# A figure the text quotes (``held 0.99 of the actuals``, ``about 4.8 °C wide``) is one an earlier cell's stored
# output shows, to the quoted decimals: re-executing a notebook that changes a figure fails here until its text
# says the new one. Figures that come from elsewhere are listed, each with where it comes from.
QUOTED_ELSEWHERE = {
    "audio_generation": {
        "6.86": "the unigram floor on the test clips, benchmarks/audio_nll.py",
        "5.50": "the bigram floor on the test clips, benchmarks/audio_nll.py",
        "0.2": "the prompt's length, 3200 samples at 16 kHz",
        "0.3": "the continuation's length, 0.5 s minus the prompt",
    },
    "forecasting": {"0.8": "the nominal coverage of the 10-90 % band", "0.80": "the same"},
    "sensor_classification": {
        "1.000": "GunPoint's test accuracy with 10 x 5-fold selection, benchmarks/classify_uea.py --select",
        "0.95": "the published DDTW test accuracy on JapaneseVowels",
        "0.98": "the published HIVE-COTE 2 test accuracy on JapaneseVowels",
        "0.5": "the rate for recordings at twice the sample rate",
        "0.02": "the training CSV's time step, as the next cell writes it",
        "0.01": "the test CSV's time step, as the next cell writes it",
    },
}
QUOTED_FIGURE = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")
SHOWN_NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")


def quoted_figures(markdown: str) -> list[str]:
    """The decimal figures of a markdown cell's prose (code spans and blocks hold settings, not results)."""
    prose = re.sub(r"`[^`]*`", "", re.sub(r"```.*?```", "", markdown, flags=re.S))
    return QUOTED_FIGURE.findall(prose)


def rounds_to(figure: str, shown: list[float]) -> bool:
    decimals = len(figure.split(".")[1])
    return any(abs(value - float(figure)) <= 0.5 * 10**-decimals + 1e-9 for value in shown)


def unshown_figures(cells: list[dict], elsewhere: dict[str, str]) -> list[str]:
    shown: list[float] = []
    unshown = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] == "code":
            text = "".join(output_text(output) for output in cell["outputs"])
            shown += [float(number) for number in SHOWN_NUMBER.findall(text)]
            continue
        for figure in quoted_figures("".join(cell["source"])):
            if figure not in elsewhere and not rounds_to(figure, shown):
                unshown.append(f"cell {index}: {figure}")
    return unshown


def test_the_quoted_figure_check_finds_a_stale_figure():
    """The check below can fail: a figure no output shows, or one an output shows only after the text."""

    def printing(text: str) -> dict:
        return {"cell_type": "code", "source": [], "outputs": [{"output_type": "stream", "text": [text]}]}

    cells = [
        printing("coverage 0.874\n"),
        {"cell_type": "markdown", "source": ["holds 0.87, 4.8 °C wide (`lr=3e-3`, ```x = 0.5```)"]},
        printing("width 4.786\n"),
        {"cell_type": "markdown", "source": ["about 4.8 °C wide"]},
    ]
    assert unshown_figures(cells, {}) == ["cell 1: 4.8"]
    assert unshown_figures(cells, {"4.8": "quoted from a benchmark"}) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_text_quotes_the_figures_the_outputs_show(path: Path):
    cells = json.loads(path.read_text())["cells"]
    unshown = unshown_figures(cells, QUOTED_ELSEWHERE.get(path.stem, {}))
    assert not unshown, (
        f"{path.name}: the text quotes figures no earlier output shows ({', '.join(unshown)}); after a "
        "re-execution, update the text to the new outputs (or list a figure from elsewhere in QUOTED_ELSEWHERE)"
    )
