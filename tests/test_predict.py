"""emotion-predict: one row per input, good or bad, as CSV or JSON Lines."""

import csv
import json
from pathlib import Path

import pytest

from emotion.predict import predict
from emotion.taxonomy import MIKELS, POLARITIES

from .conftest import compose_config, run_cli
from .trained import image_folder, trained_checkpoint


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory) -> Path:
    return trained_checkpoint(tmp_path_factory.getbasetemp())


def predict_in_process(ckpt: Path, out: Path, *overrides: str) -> list[dict]:
    predict(compose_config("predict", [f"ckpt={ckpt}", f"out={out}", "num_workers=0", *overrides]))
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_predict_over_a_folder_writes_a_row_per_image_and_an_error_row_per_bad_file(ckpt, tmp_path):
    good, bad = image_folder(tmp_path / "photos")
    out = tmp_path / "predictions.csv"
    run_cli("emotion-predict", f"ckpt={ckpt}", f"inputs=[{tmp_path / 'photos'}]", f"out={out}", cwd=tmp_path)
    with out.open(newline="") as f:
        rows = {row["path"]: row for row in csv.DictReader(f)}
    assert sorted(rows) == sorted(str(path) for path in good + bad)
    for path in good:
        row = rows[str(path)]
        top = [float(row[f"top_{rank}_prob"]) for rank in (1, 2, 3)]
        assert row["error"] == "" and row["emotion"] == row["top_1"] in MIKELS.emotions
        assert float(row["emotion_prob"]) == top[0] and top == sorted(top, reverse=True) and sum(top) <= 1 + 1e-5
        assert row["polarity"] in POLARITIES and 0.5 <= float(row["polarity_prob"]) <= 1
    for path in bad:
        assert rows[str(path)]["error"] and rows[str(path)]["emotion"] == "", path


def test_globs_missing_files_and_json_lines_whatever_the_batch_size(ckpt, tmp_path):
    good, (cut, _) = image_folder(tmp_path / "photos")
    inputs = f"inputs=[{tmp_path / 'photos'}/*.jpg,{tmp_path / 'missing.png'}]"
    one_by_one = predict_in_process(ckpt, tmp_path / "one.jsonl", inputs, "batch_size=1", "top_k=2")
    batched = predict_in_process(ckpt, tmp_path / "all.jsonl", inputs, "batch_size=64", "top_k=2")
    assert [row["path"] for row in batched] == sorted(str(p) for p in [*good, cut]) + [str(tmp_path / "missing.png")]
    assert "No such file" in batched[-1]["error"] and batched[-1]["emotion"] is None
    assert set(batched[0]) == {"path", "emotion", "emotion_prob", "polarity", "polarity_prob", "error"} | {
        f"top_{rank}{suffix}" for rank in (1, 2) for suffix in ("", "_prob")
    }
    for single, batch in zip(one_by_one, batched, strict=True):
        assert single["emotion"] == batch["emotion"] and single["polarity"] == batch["polarity"]
        if batch["emotion"] is not None:
            assert single["emotion_prob"] == pytest.approx(batch["emotion_prob"], abs=1e-5)
