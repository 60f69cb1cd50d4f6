"""Shared helpers: the synthetic data generated once per session, configs composed as the CLI does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from emotion import CONFIG_DIR
from emotion.checkpoints import read_checkpoint

BIN = Path(sys.executable).parent

# quiet, offline, quick: what every test run shares
FAST = ["trainer=cpu", "logger=none", "callbacks.progress_bar=null", "data.num_workers=0"]


@pytest.fixture(scope="session", autouse=True)
def offline_environment(tmp_path_factory):
    """Generated data in a session folder; wandb offline; no stray downloads into the user's caches."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EMOTION_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        patch.setenv("WANDB_MODE", "offline")
        patch.setenv("TORCH_HOME", str(tmp_path_factory.mktemp("torch_home")))
        yield


def compose_config(name: str, overrides: list[str]) -> DictConfig:
    with initialize_config_dir(CONFIG_DIR, version_base="1.3"):
        return compose(name, overrides=overrides)


def compose_train(run_dir: Path, *overrides: str) -> DictConfig:
    """The training config for a run in `run_dir`, as `emotion-train` would compose it."""
    return compose_config("train", [f"paths.run_dir={run_dir}", *FAST, *overrides])


def run_cli(command: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run an installed entry point (emotion-train, emotion-eval) and fail with its output if it fails."""
    result = subprocess.run([str(BIN / command), *args], cwd=cwd, capture_output=True, text=True, env=os.environ)
    assert result.returncode == 0, (
        f"{command} {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    )
    return result


def read_results(run_dir: Path) -> dict[str, float]:
    return json.loads((run_dir / "results.json").read_text())


def only_run_dir(runs_dir: Path) -> Path:
    """The single run directory under runs_dir/<run.name>/."""
    (run_dir,) = [p.parent for p in runs_dir.glob("*/*/config.yaml")]
    return run_dir


# A small training that stops and resumes quickly: a 0.4M-parameter timm test network, 30 steps an epoch
# (1,920 synthetic training images, batches of 64), its data drawn in the training process.
TINY = [*FAST, "backbone=timm", "backbone.name=test_resnet", "trainer.max_epochs=3", "callbacks.model_summary=null"]
STEPS_PER_EPOCH = 30


@pytest.fixture(scope="session")
def uninterrupted(tmp_path_factory) -> Path:
    """The run directory of the TINY training, run from start to end without a break."""
    runs_dir = tmp_path_factory.mktemp("uninterrupted")
    run_cli("emotion-train", *TINY, f"paths.runs_dir={runs_dir}", cwd=runs_dir)
    return only_run_dir(runs_dir)


def start_cli(command: str, *args: str, cwd: Path) -> subprocess.Popen:
    """An entry point started in the background, its output (stdout and stderr together) kept for reading."""
    return subprocess.Popen([str(BIN / command), *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=os.environ)  # fmt: skip


def wait_for(folder: Path, pattern: str, process: subprocess.Popen, timeout: float = 300) -> Path:
    """The first file matching `pattern` under `folder`, waiting while `process` still runs."""
    deadline = time.monotonic() + timeout
    while not (found := sorted(folder.glob(pattern))):
        assert process.poll() is None, f"ended before {pattern} appeared:\n{process.stdout.read()[-3000:]}"
        assert time.monotonic() < deadline, f"no {pattern} under {folder} after {timeout} s"
        time.sleep(0.05)
    return found[0]


def assert_trained_alike(run_dir: Path, reference_dir: Path) -> None:
    """Same results.json and same final weights, to the bit."""
    assert read_results(run_dir) == read_results(reference_dir)
    weights, reference = (read_checkpoint(d / "checkpoints/last.ckpt")["state_dict"] for d in (run_dir, reference_dir))
    assert weights.keys() == reference.keys()
    assert all(torch.equal(weights[k], reference[k]) for k in weights), "the final weights differ"
