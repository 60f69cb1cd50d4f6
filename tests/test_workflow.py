"""Sweeps and wandb as users run them: multirun with real DDP on CPU, and an interrupted run resumed."""

import signal
import subprocess
import time

import pytest

from .conftest import BIN, read_results, run_cli

QUICK = ["debug=limit", "callbacks.progress_bar=null", "data.num_workers=0"]


def wandb_run_ids(run_dir):
    """The ids of the wandb runs written offline under a run directory (offline-run-<time>-<id>)."""
    return [path.name.rsplit("-", 1)[1] for path in sorted((run_dir / "wandb").glob("offline-run-*"))]


@pytest.mark.slow
def test_ddp_multirun_writes_one_directory_and_one_wandb_run_per_job(tmp_path):
    run_cli(
        "emotion-train", "-m", "trainer=ddp_cpu", "logger=wandb", "model.loss.polarity_weight=0,1", "seed=0,1",
        f"paths.runs_dir={tmp_path}", *QUICK, cwd=tmp_path,
    )  # fmt: skip
    run_dirs = sorted(p for p in (tmp_path / "train").iterdir() if p.is_dir())
    assert len(run_dirs) == 4
    ids = []
    for run_dir in run_dirs:
        assert {"test/emotion_acc", "test/polarity_acc"} <= set(read_results(run_dir))
        assert (run_dir / "train_ddp_process_1.log").exists()  # a second DDP process ran this job
        ids += wandb_run_ids(run_dir)
        assert ids[-1] == (run_dir / "logger_run_id.txt").read_text()
    assert len(ids) == 4 and len(set(ids)) == 4  # one wandb run per job, none launched twice


@pytest.mark.slow
def test_an_interrupted_run_resumes_into_the_same_wandb_run(tmp_path):
    args = ["logger=wandb", "trainer=cpu", "trainer.max_epochs=3", "trainer.limit_train_batches=8",
            "trainer.limit_val_batches=2", "trainer.limit_test_batches=2", f"paths.runs_dir={tmp_path}",
            *QUICK[1:]]  # fmt: skip
    process = subprocess.Popen([str(BIN / "emotion-train"), *args], cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 300
    while not list(tmp_path.glob("train/*/checkpoints/last.ckpt")) and time.monotonic() < deadline:
        assert process.poll() is None, "training ended before it could be interrupted"
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    (run_dir,) = [p.parents[1] for p in tmp_path.glob("train/*/checkpoints/last.ckpt")]
    assert not (run_dir / "results.json").exists()

    result = run_cli("emotion-train", *args, cwd=tmp_path)
    assert "Restoring states from the checkpoint" in result.stdout + result.stderr
    assert "test/emotion_acc" in read_results(run_dir)
    ids = wandb_run_ids(run_dir)
    assert len(ids) == 2 and len(set(ids)) == 1  # two sessions, one wandb run
