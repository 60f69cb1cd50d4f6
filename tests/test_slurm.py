"""On a real single-node Slurm (`make test-slurm` brings it up and down): a job requeued through Hydra's submitit
launcher resumes where it stopped, and a 2-task DDP job runs under srun from the sbatch template."""

import re
import subprocess
from pathlib import Path

import pytest

from .conftest import TINY, assert_trained_alike, only_run_dir, read_results, start_cli, wait_for

pytestmark = pytest.mark.slurm

SBATCH_TEMPLATE = Path(__file__).resolve().parents[1] / "experiments/slurm/train.sbatch"


def restarts(job_id: str) -> int:
    """How often Slurm has requeued the job (its SLURM_RESTART_COUNT)."""
    job = subprocess.run(["scontrol", "show", "job", job_id], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Restarts=(\d+)", job).group(1))


def test_a_requeued_job_resumes_at_its_saved_step_and_ends_as_the_uninterrupted_run(uninterrupted, tmp_path):
    args = ["-m", "hydra/launcher=submitit_slurm", *TINY, "logger=wandb", f"paths.runs_dir={tmp_path}",
            "callbacks.checkpoint.every_n_train_steps=5"]  # fmt: skip
    process = start_cli("emotion-train", *args, cwd=tmp_path)
    run_dir = wait_for(tmp_path, "train/*/checkpoints/step5.ckpt", process).parents[1]
    (job_id,) = [path.name for path in (tmp_path / "train/.submitit").iterdir() if path.is_dir()]
    # what Slurm sends the job's tasks before its time limit (submitit's sbatch asks for USR2; both work)
    subprocess.run(["scancel", "--signal=USR1", job_id], check=True)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output[-3000:]

    assert restarts(job_id) >= 1
    log = (run_dir / "train.log").read_text()  # both sessions of the job
    saved = int(re.search(r"SIGUSR1: saved \S+ at step (\d+)", log).group(1))
    assert f"at step {saved}" in re.search(r"Resuming from .*", log).group(0)  # not from scratch
    assert_trained_alike(run_dir, uninterrupted)
    wandb_runs = sorted(path.name.rsplit("-", 1)[1] for path in (run_dir / "wandb").glob("offline-run-*"))
    assert wandb_runs == [(run_dir / "logger_run_id.txt").read_text()] * 2  # two sessions, one wandb run


def test_a_two_task_ddp_job_from_the_sbatch_template_writes_one_run_directory(tmp_path):
    sbatch = ["sbatch", "--wait", "--parsable", "--ntasks-per-node=2", "--cpus-per-task=1", str(SBATCH_TEMPLATE)]
    overrides = [
        "trainer=ddp_cpu",
        "debug=limit",
        *(a for a in TINY if not a.startswith("trainer=")),
        f"paths.runs_dir={tmp_path}",
    ]
    job = subprocess.run([*sbatch, *overrides], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    output = (tmp_path / f"slurm-{job.stdout.strip()}.out").read_text()
    assert job.returncode == 0, output[-3000:]
    assert "distributed_backend=gloo" in output
    assert "MEMBER: 1/2" in output and "MEMBER: 2/2" in output  # one process per Slurm task
    assert {"test/emotion_acc", "test/polarity_acc"} <= set(read_results(only_run_dir(tmp_path)))
