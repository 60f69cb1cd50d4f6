"""Small fixture trees in each dataset's published layout, with its real file names and annotation formats."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from emotion.taxonomy import EKMAN, MIKELS

FORMATS = ("jpg", "png", "gif", "bmp", "webp")
_rng = np.random.default_rng(0)


def write_image(path: Path, size: int = 40) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(_rng.integers(0, 255, (size, size + 8, 3), dtype=np.uint8)).save(path)
    return path


def class_folders(root: Path, classes, per_class: int = 10, case=str.capitalize) -> Path:
    """FI layout: a folder per class (Capitalised, as some copies are), images in every common format."""
    for name in classes:
        for i in range(per_class):
            write_image(root / case(name) / f"{i:03d}.{FORMATS[i % len(FORMATS)]}")
    return root


def emotion6(root: Path, per_class: int = 6) -> Path:
    """images/<keyword>/<n>.jpg and ground_truth.txt: file, valence, arousal, 6 emotion and a neutral probability."""
    lines = ["[image_filename]\t[valence]\t[arousal]\t[prob. anger]\t[prob. disgust]\t[prob. fear]\t"
             "[prob. joy]\t[prob. sadness]\t[prob. surprise]\t[prob. neutral]"]  # fmt: skip
    for k, keyword in enumerate(EKMAN.emotions):
        for n in range(1, per_class + 1):
            write_image(root / "images" / keyword / f"{n}.jpg")
            votes = [0.1] * 6 + [0.1]
            votes[k] = 0.4  # the keyword's emotion is the most voted
            votes[(k + 1) % 6], votes[(k + 2) % 6] = 0.0, 0.2  # and one emotion got no vote at all
            lines.append("\t".join([f"{keyword}/{n}.jpg", "5.0", "4.2", *map(str, votes)]))
    (root / "ground_truth.txt").write_text("\n".join(lines) + "\n")
    return root


def emotionroi(root: Path, per_class: int = 6) -> Path:
    """images/<emotion>/<n>.jpg with the official lists in training_testing_split/."""
    train, test = [], []
    for emotion in EKMAN.emotions:
        for n in range(1, per_class + 1):
            write_image(root / "images" / emotion / f"{n}.jpg")
            (train if n <= per_class * 2 // 3 else test).append(f"{emotion}/{n}.jpg")
    (root / "training_testing_split").mkdir()
    (root / "training_testing_split" / "training.txt").write_text("\n".join(train) + "\n")
    (root / "training_testing_split" / "testing.txt").write_text("\n".join(test) + "\n")
    return root


def artphoto(root: Path, per_class: int = 5) -> Path:
    """Files named <emotion>_<n>.jpg in one folder."""
    for emotion in MIKELS.emotions:
        for n in range(1, per_class + 1):
            write_image(root / f"{emotion}_{n}.jpg")
    return root


def abstract(root: Path, per_class: int = 5) -> Path:
    """abstract_<n>.jpg and ABSTRACT_groundTruth.csv: votes per emotion, with the dataset's column names."""
    columns = ["Amusement", "Anger", "Awe", "Content", "Disgust", "Excitement", "Fear", "Sad"]
    rows = ["''," + ",".join(f"'{c}'" for c in columns)]
    n = 0
    for k in range(len(columns)):
        for _ in range(per_class):
            n += 1
            write_image(root / "testImages_abstract" / f"abstract_{n}.jpg")
            votes = [1] * len(columns)
            votes[k] = 5
            rows.append(f"'abstract_{n}.jpg'," + ",".join(map(str, votes)))
    write_image(root / "testImages_abstract" / "abstract_999.jpg")
    rows.append("'abstract_999.jpg'," + ",".join(["3", "3"] + ["0"] * 6))  # a tie: left out
    (root / "ABSTRACT_groundTruth.csv").write_text("\n".join(rows) + "\n")
    return root


def twitter1(root: Path, per_class: int = 10) -> Path:
    """images/<n>.jpg and ground_truth/twitter_{five,four,three}_agrees.txt with `<name> <1|0>` lines."""
    lines = []
    for n in range(2 * per_class):
        write_image(root / "images" / f"{n}.jpg")
        lines.append(f"{n}.jpg {n % 2}")
    (root / "ground_truth").mkdir()
    for word, count in (("five", len(lines) - 4), ("four", len(lines) - 2), ("three", len(lines))):
        (root / "ground_truth" / f"twitter_{word}_agrees.txt").write_text("\n".join(lines[:count]) + "\n")
    return root


def emoset(root: Path, per_class: int = 6) -> Path:
    """image/<emotion>/<emotion>_<n>.jpg, annotation/.../*.json and [emotion, id, image, annotation] split lists."""
    splits = {"train": [], "val": [], "test": []}
    for emotion in MIKELS.emotions:
        for n in range(per_class):
            image_id = f"{emotion}_{n:05d}"
            write_image(root / "image" / emotion / f"{image_id}.jpg")
            annotation = root / "annotation" / emotion / f"{image_id}.json"
            annotation.parent.mkdir(parents=True, exist_ok=True)
            annotation.write_text(json.dumps({"emotion": emotion, "brightness": 0.5}))
            split = "train" if n < per_class - 2 else "val" if n == per_class - 2 else "test"
            splits[split].append(
                [emotion, image_id, f"image/{emotion}/{image_id}.jpg", f"annotation/{emotion}/{image_id}.json"]
            )
    for split, items in splits.items():
        (root / f"{split}.json").write_text(json.dumps(items))
    return root


def manifest(root: Path, per_class: int = 6) -> Path:
    """manifest.csv with path,label,split."""
    rows = ["path,label,split"]
    for emotion in MIKELS.emotions:
        for n in range(per_class):
            write_image(root / "pictures" / f"{emotion}-{n}.png")
            rows.append(
                f"pictures/{emotion}-{n}.png,{emotion},{['train', 'train', 'train', 'train', 'val', 'test'][n]}"
            )
    (root / "manifest.csv").write_text("\n".join(rows) + "\n")
    return root


BUILDERS = {
    "fi": lambda root: class_folders(root, MIKELS.emotions),
    "emotion6": emotion6,
    "emotionroi": emotionroi,
    "artphoto": artphoto,
    "abstract": abstract,
    "iapsa": artphoto,
    "twitter1": twitter1,
    "twitter2": lambda root: class_folders(root, ("positive", "negative"), case=str.lower),
    "emoset": emoset,
    "folder": lambda root: class_folders(root, ("cat", "spider"), case=str.lower),
    "csv": manifest,
}
