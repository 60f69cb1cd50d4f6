"""Resume anywhere: a run killed or stopped at any step, re-run with the same command, ends as if never stopped."""

import logging
import os
import random
import re
import signal

import pytest
import torch

from emotion.runs import resume_checkpoint

from .conftest import STEPS_PER_EPOCH, TINY, assert_trained_alike, read_results, run_cli, start_cli, wait_for


def resumed_at(output: str) -> int:
    """The step the re-run said it resumed from."""
    return int(re.search(r"Resuming from \S+ at step (\d+)", output).group(1))


@pytest.mark.slow
@pytest.mark.parametrize("where", ["mid_epoch", "epoch_end"])
def test_a_killed_run_resumes_where_it_stopped_and_ends_as_if_never_stopped(where, uninterrupted, tmp_path):
    every = random.randint(3, STEPS_PER_EPOCH // 2 - 1)  # periodic checkpoints from a random step on
    periodic = [f"callbacks.checkpoint.every_n_train_steps={every}"] if where == "mid_epoch" else []
    args = [*TINY, *periodic, f"paths.runs_dir={tmp_path}"]
    process = start_cli("emotion-train", *args, cwd=tmp_path)
    newest = f"step{every}.ckpt" if where == "mid_epoch" else "last.ckpt"  # last.ckpt: the end of the first epoch
    run_dir = wait_for(tmp_path, f"train/*/checkpoints/{newest}", process).parents[1]
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (run_dir / "results.json").exists()

    result = run_cli("emotion-train", *args, cwd=tmp_path)
    step = resumed_at(result.stdout + result.stderr)
    if where == "mid_epoch":
        assert step % STEPS_PER_EPOCH != 0, f"step {step} is an epoch's end"
    else:
        assert step == STEPS_PER_EPOCH
    assert_trained_alike(run_dir, uninterrupted)


@pytest.mark.slow
def test_sigterm_saves_after_the_step_and_exits_0_and_a_cut_checkpoint_is_passed_over(uninterrupted, tmp_path):
    args = [*TINY, f"paths.runs_dir={tmp_path}"]
    process = start_cli("emotion-train", *args, cwd=tmp_path)
    last = wait_for(tmp_path, "train/*/checkpoints/last.ckpt", process)  # the first epoch is done
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output[-3000:]
    assert "SIGTERM: saved" in output
    assert torch.load(last, weights_only=True)["global_step"] > STEPS_PER_EPOCH  # saved in the second epoch
    run_dir = last.parents[1]
    assert not (run_dir / "results.json").exists()

    os.truncate(last, last.stat().st_size // 2)  # as a kill while writing it would leave it
    result = run_cli("emotion-train", *args, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert f"Passing over an unreadable checkpoint: ckpt={last}" in output
    assert resumed_at(output) == STEPS_PER_EPOCH  # best.ckpt, from the first epoch's end
    assert_trained_alike(run_dir, uninterrupted)

    again = run_cli("emotion-train", *args, cwd=tmp_path)
    assert "finished already" in again.stdout and read_results(run_dir) == read_results(uninterrupted)


def test_resume_takes_the_newest_checkpoint_that_loads(tmp_path, caplog):
    checkpoints = tmp_path / "checkpoints"  # stand-ins with what resume reads
    checkpoints.mkdir()
    contents = {"state_dict": {}, "hyper_parameters": {}, "datamodule_hyper_parameters": {}, "global_step": 9}
    for age, name in enumerate(["last.ckpt", "step20.ckpt", "best.ckpt"]):  # newest first
        path = checkpoints / name
        torch.save(contents, path)
        os.utime(path, (1e9 - age, 1e9 - age))
    os.truncate(checkpoints / "last.ckpt", 100)

    with caplog.at_level(logging.WARNING):
        assert resume_checkpoint(tmp_path, "auto") == checkpoints / "step20.ckpt"
    assert str(checkpoints / "last.ckpt") in caplog.text
    assert resume_checkpoint(tmp_path / "new", "auto") is None
