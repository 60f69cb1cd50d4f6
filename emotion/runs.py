"""Run directories: a pure function of the run's name and overrides, so the same command finds its run again."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from lightning.pytorch.utilities import rank_zero_only
from omegaconf import DictConfig, OmegaConf, read_write

from emotion.checkpoints import read_checkpoint

log = logging.getLogger(__name__)

RESUME_MODES = ("auto", "never")
_MAX_NAME = 120


def run_dirname(override_dirname: str) -> str:
    """Hydra's override string (`key-value__key-value`) as one folder name; `default` when there is none."""
    name = override_dirname.replace("/", "_") or "default"
    if len(name) > _MAX_NAME:  # keep within file-name limits, still unique
        name = f"{name[: _MAX_NAME - 13]}-{hashlib.sha1(name.encode()).hexdigest()[:12]}"
    return name


def run_dir_of(ckpt: Path | str) -> Path:
    """<run_dir>/checkpoints/X.ckpt -> <run_dir>, wherever the run directory has been moved to;
    a checkpoint kept anywhere else counts its own folder as its run directory."""
    path = Path(ckpt).expanduser().absolute()
    return path.parent.parent if path.parent.name == "checkpoints" else path.parent


def eval_dir(ckpt: str) -> str:
    """Evaluations of <run_dir>/checkpoints/X.ckpt go to <run_dir>/eval/X."""
    return str(run_dir_of(ckpt) / "eval" / Path(ckpt).stem)


def logger_run_id(run_dir: str) -> str:
    """The logger's run id, kept in the run directory: a resumed run continues the same wandb run."""
    path = Path(run_dir) / "logger_run_id.txt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(uuid.uuid4().hex[:12])
    return path.read_text().strip()


def task_cpus(num_workers: int) -> int:
    """CPUs for one training process on a cluster: its data loader workers, and itself."""
    return num_workers + 1


def register_resolvers() -> None:
    for resolver in (run_dirname, eval_dir, logger_run_id, task_cpus):
        name = resolver.__name__
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, resolver)


@contextmanager
def ddp_job_scope() -> Iterator[None]:
    """One job's DDP, sealed off from the next job of a Hydra multirun.

    Lightning starts DDP workers by running the command line again; under a multirun that line is
    the whole sweep, so inside this scope it is the job's own: its overrides, its run directory.
    Lightning also keeps its process group and environment variables after training, which would
    make the next job talk to this job's exited workers: both are released on the way out.
    """
    argv, environ = list(sys.argv), dict(os.environ)
    if HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN:
        hydra_cfg = HydraConfig.get()
        sys.argv = [sys.argv[0], *hydra_cfg.overrides.task]
        with read_write(hydra_cfg):
            hydra_cfg.run.dir = hydra_cfg.runtime.output_dir
    try:
        yield
    finally:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
        sys.argv = argv
        os.environ.clear()
        os.environ.update(environ)


@rank_zero_only
def save_config(cfg: DictConfig, run_dir: Path) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))


def resume_checkpoint(run_dir: Path, mode: str) -> Path | None:
    """Under `run.resume=auto`, the newest checkpoint of the run that loads (one cut short is passed over, with a
    warning); `never` refuses a run directory in use."""
    if mode not in RESUME_MODES:
        raise ValueError(f"run.resume='{mode}'; choose one of {list(RESUME_MODES)}")
    if mode == "never" and (run_dir / "config.yaml").exists():
        raise FileExistsError(
            f"Run directory {run_dir} already holds a run and run.resume=never; "
            "choose another run.name, delete the directory, or resume with run.resume=auto"
        )
    newest_first = sorted(run_dir.glob("checkpoints/*.ckpt"), key=lambda path: path.stat().st_mtime, reverse=True)
    for ckpt in newest_first:
        try:
            step = read_checkpoint(ckpt)["global_step"]
        except ValueError as error:
            log.warning("Passing over an unreadable checkpoint: %s", error)
            continue
        log.info("Resuming from %s at step %d", ckpt, step)
        return ckpt
    return None


def read_results(run_dir: Path) -> dict[str, float] | None:
    path = run_dir / "results.json"
    return json.loads(path.read_text()) if path.exists() else None


def write_results(run_dir: Path, results: dict[str, float]) -> Path:
    path = run_dir / "results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return path
