"""Real training on the synthetic data, evaluation of its checkpoint, and the FI command of the README."""

import csv
import subprocess

import pytest

from .conftest import BIN, only_run_dir, read_results, run_cli
from .test_data import add_bad_files, make_fi_tree

CHANCE = 1 / 8


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """Two epochs of the default assisted model, through the command line."""
    runs_dir = tmp_path_factory.mktemp("runs")
    args = ["trainer=cpu", "trainer.max_epochs=2", f"paths.runs_dir={runs_dir}", "callbacks.progress_bar=null"]
    run_cli("emotion-train", *args, cwd=runs_dir)
    return only_run_dir(runs_dir), args


def test_accuracy_rises_clearly_above_chance(trained_run):
    run_dir, _ = trained_run
    results = read_results(run_dir)
    assert results["test/emotion_acc"] > 3 * CHANCE
    assert results["test/polarity_acc"] > 0.8
    with (run_dir / "csv" / "metrics.csv").open() as f:
        val_acc = [float(row["val/emotion_acc"]) for row in csv.DictReader(f) if row["val/emotion_acc"]]
    assert val_acc[1] > val_acc[0]


def test_run_directory_holds_what_users_rely_on(trained_run):
    run_dir, _ = trained_run
    for name in ("config.yaml", "results.json", "splits.csv", "checkpoints/last.ckpt", "checkpoints/best.ckpt"):
        assert (run_dir / name).is_file(), name
    assert {"val/emotion_acc", "test/emotion_acc", "test/emotion_f1", "test/polarity_acc"} <= set(read_results(run_dir))


def test_eval_of_the_best_checkpoint_equals_the_training_run(trained_run):
    run_dir, _ = trained_run
    result = run_cli("emotion-eval", f"ckpt={run_dir / 'checkpoints' / 'best.ckpt'}", "trainer=cpu", cwd=run_dir)
    evaluated = read_results(run_dir / "eval" / "best")
    trained = read_results(run_dir)
    for name in ("test/emotion_acc", "test/emotion_f1", "test/polarity_acc", "test/loss"):
        assert evaluated[name] == pytest.approx(trained[name], abs=1e-6), name
    assert "emotion_acc" in result.stdout  # the printed table


def test_the_same_command_again_reports_the_finished_run(trained_run):
    run_dir, args = trained_run
    before = (run_dir / "checkpoints" / "last.ckpt").stat().st_mtime_ns
    result = run_cli("emotion-train", *args, cwd=run_dir)
    assert "finished already" in result.stdout
    assert (run_dir / "checkpoints" / "last.ckpt").stat().st_mtime_ns == before


def test_resume_never_refuses_a_run_directory_in_use(trained_run):
    run_dir, args = trained_run
    result = subprocess.run(
        [str(BIN / "emotion-train"), *args, "run.resume=never"], cwd=run_dir, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "run.resume=never" in result.stderr and str(run_dir) in result.stderr


def test_fi_command_of_the_readme_trains_on_a_folder_with_bad_files(tmp_path):
    root = make_fi_tree(tmp_path / "FI", per_class=12)
    bad = add_bad_files(root)
    out = tmp_path / "out"
    run_cli(
        "emotion-train",
        "data=fi",
        f"data.root={root}",
        "backbone=resnet18",
        "backbone.pretrained=false",
        "data.image_size=64",
        "trainer=cpu",
        "trainer.max_epochs=1",
        "logger=none",
        f"paths.runs_dir={out}",
        "data.num_workers=0",
        "callbacks.progress_bar=null",
        cwd=tmp_path,
    )
    run_dir = only_run_dir(out)
    assert {"test/emotion_acc", "test/emotion_f1", "test/polarity_acc"} <= set(read_results(run_dir))
    skipped = (run_dir / "skipped_images.csv").read_text()
    assert all(str(path) in skipped for path in bad.values())


@pytest.mark.slow
def test_make_train_default_reaches_the_published_targets(tmp_path):
    """What `make train` promises: test emotion accuracy >= 0.90, polarity accuracy >= 0.95."""
    run_cli("emotion-train", "trainer=cpu", f"paths.runs_dir={tmp_path}", "callbacks.progress_bar=null", cwd=tmp_path)
    results = read_results(only_run_dir(tmp_path))
    assert results["test/emotion_acc"] >= 0.90
    assert results["test/polarity_acc"] >= 0.95
