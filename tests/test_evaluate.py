"""emotion-eval: per-class scores, calibration and plots beside the test metrics; the checkpoint checks."""

import os
import shutil
from pathlib import Path

import pytest
import torch
from PIL import Image

from emotion.checkpoints import load_checkpoint
from emotion.evaluate import evaluate
from emotion.taxonomy import MIKELS

from .conftest import compose_config, read_results, run_cli
from .trained import trained_checkpoint

PLOTS = ("emotion_confusion", "polarity_confusion", "emotion_reliability", "polarity_reliability")


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory) -> Path:
    return trained_checkpoint(tmp_path_factory.getbasetemp())


def eval_config(ckpt: Path, out: Path, *overrides: str):
    return compose_config("eval", [f"ckpt={ckpt}", "trainer=cpu", f"paths.run_dir={out}", *overrides])


def mean(values) -> float:
    return sum(values) / len(values)


def test_eval_adds_per_class_scores_calibration_and_readable_plots(ckpt):
    result = run_cli("emotion-eval", f"ckpt={ckpt}", "trainer=cpu", cwd=ckpt.parent)
    eval_dir = ckpt.parent.parent / "eval" / "best"
    results = read_results(eval_dir)
    # the per-class F1 scores average to the macro F1 of emotion-train's metrics; the synthetic test
    # split is balanced, so the per-class recalls average to the accuracy
    f1 = [results[f"test/emotion_f1/{emotion}"] for emotion in MIKELS.emotions]
    recall = [results[f"test/emotion_recall/{emotion}"] for emotion in MIKELS.emotions]
    assert mean(f1) == pytest.approx(results["test/emotion_f1"], abs=1e-5)
    assert mean(recall) == pytest.approx(results["test/emotion_acc"], abs=1e-5)
    assert 0 < results["test/emotion_ece"] < 1 and 0 < results["test/polarity_ece"] < 1
    assert "precision" in result.stdout and "contentment" in result.stdout and "emotion_ece" in result.stdout
    for name in PLOTS:
        with Image.open(eval_dir / "plots" / f"{name}.png") as png:
            assert png.width >= 500 and png.height >= 400, name
            assert len(png.getcolors(maxcolors=1 << 20)) > 100, f"{name} looks blank"


def test_a_strong_polarity_gate_makes_every_emotion_agree_with_the_polarity_head(ckpt, tmp_path):
    results = evaluate(eval_config(ckpt, tmp_path, "polarity_gate=1000", "+trainer.limit_test_batches=2"))
    assert results["test/hierarchy_agreement"] == 1.0
    assert (tmp_path / "results.json").is_file() and (tmp_path / "plots" / "emotion_confusion.png").is_file()


def test_eval_on_another_dataset_splits_it_in_the_eval_directory(ckpt, tmp_path):
    synthetic = Path(os.environ["EMOTION_DATA_DIR"]) / "synthetic-v2"
    for emotion in MIKELS.emotions:  # ten images per class, in FI layout
        (tmp_path / "FI" / emotion).mkdir(parents=True)
        for image in sorted((synthetic / emotion).glob("*.jpg"))[:10]:
            shutil.copy(image, tmp_path / "FI" / emotion)
    out = tmp_path / "eval"
    results = evaluate(eval_config(ckpt, out, "data=fi", f"data.root={tmp_path / 'FI'}", "data.num_workers=0"))
    test_rows = [line for line in (out / "splits.csv").read_text().splitlines() if line.startswith("test,")]
    assert len(test_rows) == 8 * 2  # 15 % of each class
    assert results["test/emotion_recall/awe"] in (0.0, 0.5, 1.0)  # two test images of each class


def test_data_of_another_taxonomy_is_refused_naming_both(ckpt, tmp_path):
    overrides = ["data=fi", f"data.root={tmp_path}", "data.taxonomy=ekman"]
    with pytest.raises(ValueError, match=r"taxonomy 'mikels' \(8 classes.*taxonomy 'ekman' \(6 classes"):
        evaluate(eval_config(ckpt, tmp_path, *overrides))


def test_weights_for_another_class_count_are_refused(ckpt, tmp_path):
    checkpoint = torch.load(ckpt, weights_only=True)
    checkpoint["hyper_parameters"]["taxonomy"] = "ekman"
    torch.save(checkpoint, tmp_path / "edited.ckpt")
    with pytest.raises(ValueError, match=r"edited.ckpt: its weights do not fit .*'ekman' \(6 classes"):
        load_checkpoint(tmp_path / "edited.ckpt")


def test_a_file_that_is_not_a_checkpoint_says_so(ckpt, tmp_path):
    (tmp_path / "notes.ckpt").write_text("not a checkpoint")
    (tmp_path / "cut.ckpt").write_bytes(ckpt.read_bytes()[:5000])
    torch.save({"weights": torch.ones(3)}, tmp_path / "tensors.ckpt")
    for name in ("notes.ckpt", "cut.ckpt", "tensors.ckpt"):
        with pytest.raises(ValueError, match=rf"{name} is not a checkpoint"):
            load_checkpoint(tmp_path / name)
