import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from emotion.data.datamodule import EmotionDataModule
from emotion.data.images import BadImageError
from emotion.data.sources import read_class_folders
from emotion.data.splits import stratified_split
from emotion.taxonomy import MIKELS

FORMATS = ("jpg", "png", "gif", "bmp", "webp")


def make_fi_tree(root: Path, per_class: int = 10, size: int = 40) -> Path:
    """FI layout: a folder per emotion, Capitalised as some copies are, images in every common format."""
    rng = np.random.default_rng(0)
    for emotion in MIKELS.emotions:
        folder = root / emotion.capitalize()
        folder.mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 255, (size, size + 8, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(folder / f"{i:03d}.{FORMATS[i % len(FORMATS)]}")
    return root


def datamodule(root: Path, out: Path, **kwargs) -> EmotionDataModule:
    return EmotionDataModule("fi", str(root), "mikels", str(out), image_size=32, batch_size=4, num_workers=0, **kwargs)


def test_fi_folders_read_in_any_case_and_any_format(tmp_path):
    samples = read_class_folders(make_fi_tree(tmp_path / "FI"), MIKELS)
    assert len(samples) == 80
    assert {Path(s.path).suffix for s in samples} == {f".{f}" for f in FORMATS}
    assert {s.emotion for s in samples if s.path.startswith("Fear/")} == {MIKELS.index("fear")}


def test_batches_carry_image_emotion_and_polarity(tmp_path):
    dm = datamodule(make_fi_tree(tmp_path / "FI"), tmp_path / "run")
    dm.prepare_data()
    dm.setup("fit")
    batch = next(iter(dm.train_dataloader()))
    assert batch["image"].shape == (4, 3, 32, 32)
    assert batch["polarity"].tolist() == MIKELS.polarity_of[batch["emotion"]].tolist()


def test_split_is_stratified_disjoint_and_deterministic(tmp_path):
    samples = read_class_folders(make_fi_tree(tmp_path / "FI", per_class=40), MIKELS)
    split = stratified_split(samples, {"train": 0.8, "val": 0.05, "test": 0.15}, seed=0)
    assert [len(split[s]) for s in ("train", "val", "test")] == [8 * 32, 8 * 2, 8 * 6]
    paths = [{s.path for s in split[name]} for name in ("train", "val", "test")]
    assert not (paths[0] & paths[1] or paths[0] & paths[2] or paths[1] & paths[2])
    assert split == stratified_split(list(reversed(samples)), {"train": 0.8, "val": 0.05, "test": 0.15}, seed=0)
    assert split != stratified_split(samples, {"train": 0.8, "val": 0.05, "test": 0.15}, seed=1)


def test_split_is_written_to_the_run_directory_and_reused(tmp_path):
    root = make_fi_tree(tmp_path / "FI")
    dm = datamodule(root, tmp_path / "run")
    dm.prepare_data()
    written = (tmp_path / "run" / "splits.csv").read_text()
    (root / "Fear" / "new.jpg").write_bytes((root / "Fear" / "000.jpg").read_bytes())  # the data changes...
    datamodule(root, tmp_path / "run").prepare_data()
    assert (tmp_path / "run" / "splits.csv").read_text() == written  # ...the run keeps its split


def test_missing_root_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        read_class_folders(tmp_path / "nowhere", MIKELS)


def test_unknown_class_folder_lists_the_expected_names(tmp_path):
    root = make_fi_tree(tmp_path / "FI")
    (root / "joy").mkdir()
    with pytest.raises(ValueError, match=r"\['joy'\].*amusement.*sadness"):
        read_class_folders(root, MIKELS)


def test_empty_class_is_named(tmp_path):
    root = make_fi_tree(tmp_path / "FI")
    for image in (root / "Awe").iterdir():
        image.unlink()
    with pytest.raises(ValueError, match="class 'awe' has no images"):
        read_class_folders(root, MIKELS)


def add_bad_files(root: Path) -> dict[str, Path]:
    """A text file named like an image and a JPEG cut off half way."""
    text = root / "Anger" / "notes.jpg"
    text.write_text("not an image")
    truncated = root / "Awe" / "cut.jpg"
    good = (root / "Awe" / "000.jpg").read_bytes()
    truncated.write_bytes(good[: len(good) // 2])
    return {"text": text, "truncated": truncated}


def test_bad_images_are_skipped_and_listed(tmp_path):
    root = make_fi_tree(tmp_path / "FI")
    bad = add_bad_files(root)
    dm = datamodule(root, tmp_path / "run")
    dm.prepare_data()
    dm.setup()
    with (tmp_path / "run" / "skipped_images.csv").open() as f:
        listed = {row["path"]: row["reason"] for row in csv.DictReader(f)}
    assert set(listed) == {str(p) for p in bad.values()}
    assert "truncated" in listed[str(bad["truncated"])]
    used = {s.path for dataset in dm.datasets.values() for s in dataset.samples}
    assert len(used) == 80 and not {"Anger/notes.jpg", "Awe/cut.jpg"} & used


@pytest.mark.parametrize("kind", ["text", "truncated"])
def test_bad_image_under_error_policy_names_the_file(tmp_path, kind):
    root = make_fi_tree(tmp_path / "FI")
    bad = add_bad_files(root)
    bad.pop("text" if kind == "truncated" else "truncated").unlink()
    with pytest.raises(BadImageError, match=str(bad[kind].name)):
        datamodule(root, tmp_path / "run", on_bad_image="error").prepare_data()


def test_unknown_bad_image_policy_names_the_choices(tmp_path):
    with pytest.raises(ValueError, match="data.on_bad_image.*skip"):
        datamodule(tmp_path, tmp_path, on_bad_image="ignore")
