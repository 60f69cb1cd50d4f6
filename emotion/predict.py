"""emotion-predict: the emotion of every image in files, folders or globs, one row per input, as CSV or JSON Lines.

An unreadable file gets a row too, with the reason in `error`: nothing is dropped silently, and a bad
file never stops the run.
"""

from __future__ import annotations

import csv
import glob
import json
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import hydra
import torch
from omegaconf import DictConfig
from rich.progress import track
from torch import Tensor
from torch.utils.data import DataLoader, Dataset

from emotion import CONFIG_DIR
from emotion.checkpoints import InferenceModel, inference_transform, load_checkpoint
from emotion.data.images import BadImageError, load_image
from emotion.runs import register_resolvers

register_resolvers()
log = logging.getLogger(__name__)


def expand_inputs(inputs: str | Sequence[str]) -> list[Path]:
    """Files, folders (every file inside, recursively, but hidden ones) and globs, in the order given.

    A pattern that matches nothing stays as it is, so that its row reports the missing file.
    """
    paths = []
    for entry in [inputs] if isinstance(inputs, str) else inputs:
        entry = os.path.expanduser(str(entry))
        for match in map(Path, sorted(glob.glob(entry, recursive=True)) or [entry]):
            paths += files_in(match) if match.is_dir() else [match]
    return paths


def files_in(folder: Path) -> list[Path]:
    """Every file under `folder`, but hidden ones and those in hidden folders (.DS_Store, .git/...)."""
    hidden = lambda path: any(part.startswith(".") for part in path.relative_to(folder).parts)  # noqa: E731
    return sorted(path for path in folder.rglob("*") if path.is_file() and not hidden(path))


class Item(NamedTuple):
    path: str
    image: Tensor | None  # (3, H, W), preprocessed; None when the file cannot be decoded
    error: str


class ImageFiles(Dataset):
    def __init__(self, paths: list[Path], transform, decode_size: int):
        self.paths, self.transform, self.decode_size = paths, transform, decode_size

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> Item:
        path = self.paths[index]
        try:
            return Item(str(path), self.transform(load_image(path, self.decode_size)), "")
        except BadImageError as error:
            return Item(str(path), None, error.reason)


def image_batches(paths: list[Path], datamodule, batch_size: int, num_workers: int) -> DataLoader:
    """Batches of Items (lists, so that bad files travel beside the good ones), preprocessed as in training."""
    dataset = ImageFiles(paths, inference_transform(datamodule), datamodule.hparams.image_size)
    return DataLoader(dataset, batch_size=batch_size, num_workers=num_workers, collate_fn=list)


def good_images(items: list[Item], device: torch.device) -> Tensor | None:
    """(G, 3, H, W): the decodable images of a batch, on the device."""
    images = [item.image for item in items if not item.error]
    return torch.stack(images).to(device) if images else None


def resolve_device(name: str) -> torch.device:
    return torch.device(("cuda" if torch.cuda.is_available() else "cpu") if name == "auto" else name)


def columns(model: InferenceModel, top_k: int) -> list[str]:
    ranks = range(1, top_k + 1) if "emotion" in model.heads else []
    tops = [name for rank in ranks for name in (f"top_{rank}", f"top_{rank}_prob")]
    return ["path", "emotion", "emotion_prob", "polarity", "polarity_prob", *tops, "error"]


def prediction(model: InferenceModel, probs: dict[str, Tensor], top_k: int) -> dict[str, str | float]:
    """One image's row from its (C,) probabilities per head: the top class of each, and the top-k emotions."""
    row = {}
    for head, head_probs in probs.items():
        value, index = head_probs.max(-1)
        row[head], row[f"{head}_prob"] = model.class_names[head][index], round(value.item(), 6)
    if "emotion" in probs:
        values, indices = probs["emotion"].topk(top_k)
        for rank, (value, index) in enumerate(zip(values.tolist(), indices.tolist(), strict=True), start=1):
            row[f"top_{rank}"], row[f"top_{rank}_prob"] = model.class_names["emotion"][index], round(value, 6)
    return row


def unbatch(probs: dict[str, Tensor]) -> list[dict[str, Tensor]]:
    """{head: (G, C)} -> G dicts {head: (C,)}, on the CPU."""
    columns = [p.float().cpu() for p in probs.values()]
    return [dict(zip(probs, values, strict=True)) for values in zip(*columns, strict=True)]


@torch.inference_mode()
def predict_rows(model: InferenceModel, batches: Iterable[list[Item]], top_k: int, device) -> Iterator[dict]:
    for items in batches:
        images = good_images(items, device)
        probs = model.probabilities(images) if images is not None else {}
        per_image = iter(unbatch(probs))
        for item in items:
            found = prediction(model, next(per_image), top_k) if not item.error else {}
            yield {"path": item.path, **found, "error": item.error}


def write_csv(path: Path, rows: list[dict], fields: list[str]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fields)  # a bad file's missing values are written empty
        writer.writeheader()
        writer.writerows(rows)


def write_jsonl(path: Path, rows: list[dict], fields: list[str]) -> None:
    with path.open("w") as f:
        f.writelines(json.dumps({field: row.get(field) for field in fields}) + "\n" for row in rows)


WRITERS = {".csv": write_csv, ".jsonl": write_jsonl}


def predict(cfg: DictConfig) -> list[dict]:
    """Write one row per input to cfg.out (.csv or .jsonl) and return the rows."""
    out = Path(cfg.out).expanduser()
    if out.suffix not in WRITERS:  # before the long run, not after it
        raise ValueError(f"out={out}: write predictions to a file ending in one of {sorted(WRITERS)}")
    module, datamodule = load_checkpoint(cfg.ckpt)
    device = resolve_device(cfg.device)
    model = InferenceModel(module).to(device)
    top_k = min(cfg.top_k, module.taxonomy.num_emotions)
    paths = expand_inputs(cfg.inputs)
    batches = image_batches(paths, datamodule, cfg.batch_size, cfg.num_workers)
    rows = list(predict_rows(model, track(batches, description=f"Predicting on {device}"), top_k, device))
    out.parent.mkdir(parents=True, exist_ok=True)
    WRITERS[out.suffix](out, rows, columns(model, top_k))
    bad = sum(bool(row["error"]) for row in rows)
    log.info("%d image(s) predicted, %d unreadable file(s) reported: %s", len(rows) - bad, bad, out)
    return rows


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="predict")
def main(cfg: DictConfig) -> None:
    predict(cfg)


if __name__ == "__main__":
    main()
