"""Shared helpers: the synthetic data generated once per session, configs composed as the CLI does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from emotion import CONFIG_DIR

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
