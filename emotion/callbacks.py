"""Callbacks that make a run resumable anywhere: the random state in its checkpoints, and a checkpoint on signals."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
from pathlib import Path

import lightning as L
import torch
from lightning.pytorch.utilities.exceptions import SIGTERMException

log = logging.getLogger(__name__)


class RandomState(L.Callback):
    """Keeps the training process's random state in each checkpoint and puts it back before training resumes, so dropout
    (and augmentation without worker processes) draws what the uninterrupted run would have drawn. (Each data worker's
    state travels with the loader's; under DDP this is rank 0's state, given to every rank.)

    Put back at `on_train_start`: after the sanity check, just before the first step.
    """

    def __init__(self) -> None:
        self._loaded: dict | None = None

    def state_dict(self) -> dict:
        cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []
        return {"torch": torch.get_rng_state(), "cuda": cuda}

    def load_state_dict(self, state_dict: dict) -> None:
        self._loaded = state_dict

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._loaded is None:
            return
        torch.set_rng_state(self._loaded["torch"])
        if self._loaded["cuda"]:
            torch.cuda.set_rng_state_all(self._loaded["cuda"])
        self._loaded = None


class CheckpointOnSignal(L.Callback):
    """On SIGTERM, or a requeue signal (SIGUSR1 or SIGUSR2: a cluster's notice of a time limit or pre-emption), finish
    the current step, save `path` and stop with exit code 0. A requeue signal also requeues the job: through submitit's
    handler when the job runs under submitit, else with `scontrol requeue` inside a Slurm batch job.

    The checkpoint is taken between two steps, never inside the signal handler, so the resumed run continues exactly
    where this one stopped (Lightning's own SLURM handler saves wherever the signal lands, even mid-step).
    """

    REQUEUE_SIGNALS = (signal.SIGUSR1, signal.SIGUSR2)  # Lightning's and submitit's defaults

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.received: int | None = None
        self._previous: dict[int, object] = {}

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        if stage == "fit" and not self._previous:
            # before the Trainer's own handlers, which then leave SIGUSR1 to this one (no mid-step SLURM save)
            self._previous = {s: signal.signal(s, self._notice) for s in (signal.SIGTERM, *self.REQUEUE_SIGNALS)}

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        # SIGTERM back from the Trainer, whose own handler would stop after the step without a checkpoint
        signal.signal(signal.SIGTERM, self._notice)

    def teardown(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}

    def on_exception(self, trainer: L.Trainer, pl_module: L.LightningModule, exception: BaseException) -> None:
        self.teardown(trainer, pl_module, "fit")

    def _notice(self, signum: int, frame) -> None:
        self.received = signum

    def on_train_batch_end(self, trainer: L.Trainer, *args) -> None:
        # every rank stops after the same step, whichever of them got the signal
        if not trainer.strategy.reduce_boolean_decision(self.received is not None, all=False):
            return
        signum = signal.Signals(self.received or signal.SIGTERM)
        trainer.save_checkpoint(self.path)
        log.warning("%s: saved %s at step %d; the same command resumes it", signum.name, self.path, trainer.global_step)
        if signum in self.REQUEUE_SIGNALS:
            self._requeue(trainer, signum)
        raise SIGTERMException  # a SystemExit with code 0, through Lightning's teardown

    def _requeue(self, trainer: L.Trainer, signum: int) -> None:
        submitit = [h for s, h in self._previous.items() if s in self.REQUEUE_SIGNALS and callable(h)]
        if submitit:
            submitit[0](signum, None)  # requeues the job (on rank 0), then exits
        elif trainer.is_global_zero and "SLURM_JOB_ID" in os.environ:
            subprocess.run(["scontrol", "requeue", os.environ["SLURM_JOB_ID"]], check=True)
