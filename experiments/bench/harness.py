"""What the benchmarks share: the real module from the real config, and training steps timed the same way
under a Lightning Trainer, under a plain PyTorch loop and through a data loader, run side by side.

Timing: a `Window` clocks `steps` whole training steps after `warmup` ones, from the start of step
`warmup` to the start of step `warmup + steps`. Every measured step therefore includes all that
happens between two batches (fetching the next one, logging, progress bar, callbacks), including work
done only every few steps (the CSV logger writes every `log_every_n_steps`), which a median of single
steps would hide. The device is synchronised at both ends only, so on a GPU the host may run ahead
as in real training. One-time costs (Trainer set-up, worker start, compilation) fall into the warm-up.

Load on a shared machine drifts, so variants run in rounds, each round every variant once in a
rotating order, and a ratio is the median over rounds of the ratio within a round.
"""

from __future__ import annotations

import argparse
import atexit
import itertools
import logging
import os
import shutil
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import TypeVar

import lightning as L
import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import DictConfig
from torch.utils.data import DataLoader

from emotion import CONFIG_DIR
from emotion.data.datamodule import EmotionDataModule
from emotion.models.backbones import backbone_normalization
from emotion.module import AssistedEmotionModule
from emotion.runs import register_resolvers
from emotion.taxonomy import get_taxonomy
from emotion.train import instantiate_each

Batch = dict[str, torch.Tensor]
K = TypeVar("K")
T = TypeVar("T")

# Lightning's start-up chatter (devices found, few workers for in-memory batches) would bury the tables
logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
warnings.filterwarnings("ignore", module="lightning")
warnings.filterwarnings("ignore", module="torchmetrics")

_RUN_DIR = Path(tempfile.mkdtemp(prefix="emotion-bench-"))
atexit.register(shutil.rmtree, _RUN_DIR, ignore_errors=True)


def compose_train(*overrides: str) -> DictConfig:
    """The config `emotion-train <overrides>` would compose, with its run directory in a temp folder."""
    register_resolvers()
    with initialize_config_dir(CONFIG_DIR, version_base="1.3"):
        return compose("train", overrides=[f"paths.run_dir={_RUN_DIR}", *overrides])


def device_of(cfg: DictConfig) -> str:
    return "cpu" if cfg.trainer.accelerator == "cpu" or not torch.cuda.is_available() else "cuda"


def build_module(cfg: DictConfig) -> AssistedEmotionModule:
    torch.manual_seed(cfg.seed)
    return instantiate(cfg.model)


def build_datamodule(cfg: DictConfig) -> EmotionDataModule:
    datamodule = instantiate(cfg.data, **backbone_normalization(cfg.backbone.name))
    datamodule.prepare_data()
    datamodule.setup("fit")
    return datamodule


def random_batches(
    cfg: DictConfig, count: int, distinct: int = 4, memory_format: torch.memory_format = torch.contiguous_format
) -> list[Batch]:
    """`count` batches shaped as the config's data, made on its device (a GPU makes them in no time);
    a few distinct ones, cycled, save memory."""
    size, batch_size, device = cfg.data.image_size, cfg.data.batch_size, device_of(cfg)
    polarity_of = get_taxonomy(cfg.data.taxonomy).polarity_of.to(device)
    generator = torch.Generator(device).manual_seed(cfg.seed)
    unique = []
    for _ in range(distinct):
        emotion = torch.randint(len(polarity_of), (batch_size,), generator=generator, device=device)
        image = torch.randn(batch_size, 3, size, size, generator=generator, device=device)
        image = image.contiguous(memory_format=memory_format)
        unique.append({"image": image, "emotion": emotion, "polarity": polarity_of[emotion]})
    return [unique[i % distinct] for i in range(count)]


class Window:
    """Wall time of the steps [warmup, warmup + steps); see the module docstring."""

    def __init__(self, warmup: int, steps: int, device: str = "cpu"):
        self.warmup, self.steps = warmup, steps
        self._sync = torch.cuda.synchronize if device == "cuda" else lambda: None
        self._started: float | None = None
        self._seconds: float | None = None
        self._last_end: float | None = None
        self.between_steps = 0.0  # seconds from the end of a step to the start of the next, inside the window

    @property
    def total_steps(self) -> int:
        """Steps to run: the window closes at the start of the step after the last measured one."""
        return self.warmup + self.steps + 1

    def step_started(self, step: int) -> None:
        if self.warmup < step <= self.warmup + self.steps:
            self.between_steps += time.perf_counter() - self._last_end
        if step == self.warmup:
            self._sync()
            self._started = time.perf_counter()
        elif step == self.warmup + self.steps:
            self._sync()
            self._seconds = time.perf_counter() - self._started

    def step_ended(self) -> None:
        self._last_end = time.perf_counter()

    @property
    def seconds_per_step(self) -> float:
        if self._seconds is None:
            raise RuntimeError(f"the window never closed: fewer than {self.total_steps} steps ran")
        return self._seconds / self.steps


class WindowCallback(L.Callback):
    """Feeds a Window from the Trainer's hooks; placed last, so its step ends after every other callback's."""

    def __init__(self, window: Window):
        self.window = window

    def on_train_batch_start(self, trainer: L.Trainer, *args) -> None:
        self.window.step_started(trainer.global_step)

    def on_train_batch_end(self, trainer: L.Trainer, *args) -> None:
        self.window.step_ended()


_DEVNULL = open(os.devnull, "w")  # open for the life of the process, as the progress bars need it


def offscreen_progress_bar(cfg: DictConfig) -> L.Callback:
    """The progress bar users have (conf/callbacks), drawing as into a terminal but into /dev/null:
    the same rendering work, without burying the tables under bars."""
    return instantiate(
        cfg.callbacks.progress_bar, console_kwargs={"file": _DEVNULL, "force_terminal": True, "width": 120}
    )


def fit_steps(
    cfg: DictConfig,
    module: AssistedEmotionModule,
    window: Window,
    *,
    batches: list[Batch] | None = None,
    datamodule: EmotionDataModule | None = None,
    logger: bool = True,
    progress_bar: bool = True,
) -> Window:
    """Train `module` for the window's steps under the Trainer of `cfg.trainer`, on `batches` (in memory,
    no workers) or on `datamodule`; `logger` and `progress_bar` as the config has them, or off."""
    callbacks = [offscreen_progress_bar(cfg)] if progress_bar else []
    trainer = instantiate(
        cfg.trainer,
        callbacks=[*callbacks, WindowCallback(window)],
        logger=(instantiate_each(cfg.logger) or False) if logger else False,
        max_steps=window.total_steps,
        limit_val_batches=0,
        num_sanity_val_steps=0,
        enable_checkpointing=False,
        enable_progress_bar=progress_bar,
        enable_model_summary=False,
    )
    if datamodule is not None:
        trainer.fit(module, datamodule=datamodule)
    else:
        trainer.fit(module, train_dataloaders=DataLoader(batches, batch_size=None))
    return window


def plain_loop(cfg: DictConfig, module: AssistedEmotionModule, window: Window, *, batches: list[Batch]) -> Window:
    """The minimal loop a PyTorch user writes for the same step: the module's forward and loss, backward,
    optimizer step; on the same in-memory batches through the same kind of DataLoader."""
    module.to(device_of(cfg)).train()
    optimizer = module.configure_optimizers()["optimizer"]
    autocast = (
        torch.autocast(device_of(cfg), dtype=torch.bfloat16) if cfg.trainer.precision == "bf16-mixed" else nullcontext()
    )
    for step, batch in enumerate(DataLoader(batches, batch_size=None)):
        window.step_started(step)
        if step == window.total_steps - 1:
            break
        with autocast:
            _, losses = module.model_step(batch)
        optimizer.zero_grad()
        losses["loss"].backward()
        optimizer.step()
        window.step_ended()
    return window


def timed_in_memory(
    train: Callable[..., Window],
    cfg: DictConfig,
    module: AssistedEmotionModule,
    warmup: int,
    steps: int,
    memory_format: torch.memory_format = torch.contiguous_format,
) -> Window:
    """One timed run of `train` (fit_steps or plain_loop, maybe partially applied) on fresh in-memory batches."""
    window = Window(warmup, steps, device_of(cfg))
    batches = random_batches(cfg, window.total_steps, memory_format=memory_format)
    return train(cfg, module, window, batches=batches)


def timed_loader(loader: DataLoader, warmup: int, batches: int) -> Window:
    """A data loader alone, over as many epochs as it takes; worker start-up falls in the warm-up."""
    epochs = itertools.chain.from_iterable(itertools.repeat(loader))
    window = Window(warmup, batches)
    for step, _ in enumerate(epochs):
        window.step_started(step)
        if step == window.total_steps - 1:
            return window
        window.step_ended()
    raise AssertionError("unreachable: the epochs repeat forever")


def bench_arguments(doc: str, rounds: int, steps: int, warmup: int, image_size: int | None = None):
    """The options every benchmark takes; its defaults fit `make bench` on a 2-core machine."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    if image_size:
        parser.add_argument("--image-size", type=int, default=image_size)
    parser.add_argument("--rounds", type=int, default=rounds, help="alternating rounds (the median is reported)")
    parser.add_argument("--steps", type=int, default=steps, help="measured steps per run")
    parser.add_argument("--warmup", type=int, default=warmup, help="unmeasured steps per run")
    parser.add_argument("overrides", nargs="*", help="config overrides, as for emotion-train")
    return parser


def alternate(variants: dict[K, Callable[[], T]], rounds: int) -> dict[K, list[T]]:
    """Every variant once per round, the order rotating between rounds, so drifting load hits all alike;
    returns what each run returned (a Window, or seconds), per variant in round order.

    A first, unmeasured run pays what a process pays once (allocator growth, oneDNN kernels for these
    shapes): without it the first measured run is several times slower than the rest.
    """
    names = list(variants)
    variants[names[0]]()
    runs: dict[K, list[T]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            runs[name].append(variants[name]())
    return runs


def per_step(runs: dict[K, list[Window]]) -> dict[K, list[float]]:
    """Seconds per step of every run."""
    return {name: [window.seconds_per_step for window in windows] for name, windows in runs.items()}


def paired_ratios(times: dict[K, list[float]], name: K, baseline: K) -> list[float]:
    """`name`'s time over `baseline`'s in the same round, for every round."""
    return [t / b for t, b in zip(times[name], times[baseline], strict=True)]


def paired_ratio(times: dict[K, list[float]], name: K, baseline: K) -> float:
    """Median over rounds of `name`'s time over `baseline`'s in the same round."""
    return statistics.median(paired_ratios(times, name, baseline))


def describe_model(cfg: DictConfig) -> str:
    """The model in a few words, for a table's title: "assisted, two networks, resnet18"."""
    networks = tuple(cfg.model.networks)
    if len(networks) == 1:
        kind = f"{networks[0]} only"
    else:
        kind = "assisted, " + ("shared trunk" if cfg.model.share_backbone else "two networks")
    return f"{kind}, {cfg.backbone.name}"


def describe(cfg: DictConfig) -> str:
    return f"{describe_model(cfg)}, {cfg.data.image_size} px, batch {cfg.data.batch_size}"


def settings(args: argparse.Namespace, overrides: list[str]) -> dict:
    """What a results file records of how it was measured."""
    return {**vars(args), "overrides": overrides}
