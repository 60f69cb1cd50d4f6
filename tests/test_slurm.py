"""On a real single-node Slurm (`make test-slurm` brings it up and down): a job requeued mid-training, through Hydra's
submitit launcher or by the sbatch template itself, resumes where it stopped; a 2-task DDP job runs under srun."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import BIN, TINY, assert_trained_alike, only_run_dir, read_results, start_cli, wait_for

pytestmark = pytest.mark.slurm

SBATCH_TEMPLATE = Path(__file__).resolve().parents[1] / "experiments/slurm/train.sbatch"


def restarts(job_id: str) -> int:
    """How often Slurm has requeued the job (its SLURM_RESTART_COUNT)."""
    job = subprocess.run(["scontrol", "show", "job", job_id], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Restarts=(\d+)", job).group(1))


def sbatch(*args: str, cwd: Path) -> subprocess.Popen:
    """`sbatch --wait` from a shell with the venv active: it prints the job id, then waits for the job's end."""
    command = ["sbatch", "--wait", "--parsable", "--time=5", "--cpus-per-task=1", *args]
    activated = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    return subprocess.Popen(command, cwd=cwd, env=activated, stdout=subprocess.PIPE, text=True)


def requeue_mid_training(process: subprocess.Popen, runs_dir: Path) -> Path:
    """Signal the job as Slurm does before its time limit, once it has trained a few steps; it must be requeued,
    resume from the step it saved (not from scratch) and finish. Returns its run directory."""
    run_dir = wait_for(runs_dir, "train/*/checkpoints/step5.ckpt", process).parents[1]
    running = subprocess.run(["squeue", "-h", "-t", "RUNNING", "-o", "%A"], capture_output=True, text=True)
    (job_id,) = running.stdout.split()
    subprocess.run(["scancel", "--signal=USR1", job_id], check=True)  # to the job's tasks, as the time limit's is
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output[-3000:]
    assert restarts(job_id) >= 1
    log = (run_dir / "train.log").read_text()  # both sessions of the job
    saved = re.search(r"SIGUSR1: saved \S+ at step (\d+)", log).group(1)
    assert re.search(rf"Resuming from \S+ at step {saved}\b", log), log[-3000:]
    return run_dir


REQUEUED = [*TINY, "callbacks.checkpoint.every_n_train_steps=5"]


def test_a_job_requeued_through_submitit_resumes_at_its_saved_step_and_ends_alike(uninterrupted, tmp_path):
    args = ["-m", "hydra/launcher=submitit_slurm", *REQUEUED, "logger=wandb", f"paths.runs_dir={tmp_path}"]
    process = start_cli("emotion-train", *args, cwd=tmp_path)
    run_dir = requeue_mid_training(process, tmp_path)
    assert_trained_alike(run_dir, uninterrupted)
    wandb_runs = sorted(path.name.rsplit("-", 1)[1] for path in (run_dir / "wandb").glob("offline-run-*"))
    assert wandb_runs == [(run_dir / "logger_run_id.txt").read_text()] * 2  # two sessions, one wandb run


def test_a_job_of_the_sbatch_template_requeues_itself_and_resumes_alike(uninterrupted, tmp_path):
    process = sbatch(str(SBATCH_TEMPLATE), *REQUEUED, f"paths.runs_dir={tmp_path}", cwd=tmp_path)
    run_dir = requeue_mid_training(process, tmp_path)
    assert_trained_alike(run_dir, uninterrupted)


def test_a_two_task_ddp_job_of_the_sbatch_template_reads_slurm_and_writes_one_run_directory(tmp_path):
    # trainer=multinode takes its node and device counts from Slurm; here on CPUs, over gloo
    on_cpu = ["trainer.accelerator=cpu", "trainer.precision=32-true", "trainer.sync_batchnorm=false"]
    tiny = [a for a in TINY if not a.startswith("trainer=")]
    process = sbatch("--ntasks-per-node=2", str(SBATCH_TEMPLATE), "trainer=multinode", *on_cpu, "debug=limit", *tiny,
                     f"paths.runs_dir={tmp_path}", cwd=tmp_path)  # fmt: skip
    job_id = process.stdout.readline().strip()
    process.communicate(timeout=300)
    output = (tmp_path / f"slurm-{job_id}.out").read_text()
    assert process.returncode == 0, output[-3000:]
    assert "distributed_backend=gloo" in output
    assert "MEMBER: 1/2" in output and "MEMBER: 2/2" in output  # one process per Slurm task
    assert {"test/emotion_acc", "test/polarity_acc"} <= set(read_results(only_run_dir(tmp_path)))
