"""One reader per dataset layout: the dataset as distributed -> samples.

Each reader takes the dataset's root (as downloaded) and the taxonomy, plus its own options from
the data config (`data.label_mode`, `data.agreement`, ...). Paths in samples are relative to the
root, so a moved or prepared copy keeps the same split.
"""

from __future__ import annotations

import csv
import inspect
import json
import logging
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from emotion.data.images import IMAGE_EXTENSIONS, is_image_file
from emotion.data.synthetic import ensure_synthetic
from emotion.taxonomy import Taxonomy

log = logging.getLogger(__name__)


class Sample(NamedTuple):
    path: str  # relative to the dataset root
    emotion: int
    split: str | None = None  # the dataset's official split, where it has one
    distribution: tuple[float, ...] | None = None  # per-emotion probabilities, for soft targets


# spellings found in the datasets' folder names, file names and vote tables
ALIASES = {
    "content": "contentment", "sad": "sadness", "happy": "joy", "happiness": "joy", "angry": "anger",
    "scared": "fear", "surprised": "surprise", "disgusted": "disgust", "amused": "amusement",
    "excited": "excitement", "pos": "positive", "neg": "negative", "1": "positive", "0": "negative",
}  # fmt: skip


def emotion_index(name: str, taxonomy: Taxonomy, where: object) -> int:
    """The taxonomy index of a label as written in the dataset; the error says where it was found."""
    key = name.strip().strip("'\"").lower()
    key = ALIASES.get(key, key)
    if key not in taxonomy.emotions:
        raise ValueError(f"{where}: unknown label '{name}'; expected one of {list(taxonomy.emotions)}")
    return taxonomy.emotions.index(key)


def check_root(root: Path) -> Path:
    root = Path(root).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"data.root '{root}' is not a directory (set data.root=<dataset dir>)")
    return root


def find_file(root: Path, pattern: str, what: str) -> Path:
    """The one file under root matching a glob, or an error that says what was looked for."""
    found = sorted(root.rglob(pattern))
    if not found:
        raise FileNotFoundError(f"{root}: no {what} ({pattern}) found; is data.root the dataset's folder?")
    return found[0]


def image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and is_image_file(p))


def read_class_folders(root: Path, taxonomy: Taxonomy) -> list[Sample]:
    """FI layout: one folder per class (any case), images of any common format inside."""
    root = check_root(root)
    folders = {d.name.lower(): d for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")}
    unknown = sorted(set(folders) - set(taxonomy.emotions))
    if unknown:
        raise ValueError(
            f"{root}: unknown class folder(s) {unknown}; expected folders named {list(taxonomy.emotions)} (any case)"
        )
    samples = []
    for label, emotion in enumerate(taxonomy.emotions):
        folder = folders.get(emotion, root / emotion)
        files = image_files(folder) if folder.is_dir() else []
        if not files:
            raise ValueError(f"{folder}: class '{emotion}' has no images ({', '.join(sorted(IMAGE_EXTENSIONS))})")
        samples += [Sample(p.relative_to(root).as_posix(), label) for p in files]
    return samples


def read_synthetic(root: Path, taxonomy: Taxonomy) -> list[Sample]:
    return read_class_folders(ensure_synthetic(root, taxonomy), taxonomy)


def read_emotion6(root: Path, taxonomy: Taxonomy, label_mode: str = "dominant") -> list[Sample]:
    """Emotion6 (Peng et al., CVPR 2015): images/<keyword>/<n>.jpg and ground_truth.txt, whose rows are
    `file valence arousal p(anger) p(disgust) p(fear) p(joy) p(sadness) p(surprise) p(neutral)`.

    Neutral is not an Ekman class: the label is the most voted of the six emotions (dominant), or their
    votes renormalised (distribution).
    """
    if label_mode not in ("dominant", "distribution"):
        raise ValueError(f"data.label_mode='{label_mode}'; choose one of ['dominant', 'distribution']")
    root = check_root(root)
    table = find_file(root, "ground_truth.txt", "Emotion6 ground-truth file")
    emotions = ("anger", "disgust", "fear", "joy", "sadness", "surprise")
    order = [emotion_index(e, taxonomy, table) for e in emotions]
    samples, all_neutral = [], 0
    for line in table.read_text().splitlines()[1:]:
        if not line.strip():
            continue
        name, *values = line.split("\t") if "\t" in line else line.split()
        votes = [0.0] * taxonomy.num_emotions
        for index, vote in zip(order, map(float, values[2:8]), strict=True):
            votes[index] = vote
        if (total := sum(votes)) == 0:
            all_neutral += 1
            continue
        distribution = tuple(v / total for v in votes) if label_mode == "distribution" else None
        path = _locate(root, name, table.parent / "images")
        samples.append(Sample(path, max(range(len(votes)), key=votes.__getitem__), None, distribution))
    if all_neutral:
        log.warning("%s: %d image(s) voted only neutral are left out", table, all_neutral)
    return samples


def _locate(root: Path, name: str, *folders: Path) -> str:
    """A file named in an annotation, relative to root: looked up in the given folders, then in root."""
    for folder in (*folders, root):
        if (folder / name).is_file():
            return (folder / name).relative_to(root).as_posix()
    return name  # missing files are reported by the image check, with the rest of the bad files


def read_split_lists(root: Path, taxonomy: Taxonomy) -> list[Sample]:
    """EmotionROI (Peng et al., CVPR 2016): images/<emotion>/<file> and the official split lists
    (training.txt, testing.txt under training_testing_split/), one relative image path per line; the
    label is the path's class folder. Other *train*.txt / *test*.txt names are accepted too."""
    root = check_root(root)
    samples = []
    for split, pattern in (("train", "*train*.txt"), ("test", "*test*.txt")):
        listing = find_file(root, pattern, f"EmotionROI {split} list")
        for number, line in enumerate(listing.read_text().splitlines(), 1):
            if line.strip():
                name = line.split()[0].replace("\\", "/")
                label = emotion_index(Path(name).parts[-2], taxonomy, f"{listing}:{number}")
                samples.append(Sample(_locate(root, name, root / "images"), label, split))
    return samples


def read_mikels_small(root: Path, taxonomy: Taxonomy) -> list[Sample]:
    """ArtPhoto, Abstract, IAPSa (Machajdik & Hanbury 2010): labelled by a vote table where the dataset
    has one (Abstract's *groundTruth*.csv: a file column and one vote column per emotion; ties are left
    out), otherwise by the emotion that starts each file name (ArtPhoto's `amusement_12.jpg`)."""
    root = check_root(root)
    tables = sorted(root.rglob("*[gG]round[tT]ruth*.csv"))
    return _read_vote_table(root, tables[0], taxonomy) if tables else _read_named_files(root, taxonomy)


def _read_named_files(root: Path, taxonomy: Taxonomy) -> list[Sample]:
    samples = []
    for path in image_files(root):
        prefix = re.match(r"[A-Za-z]+", path.stem)
        label = emotion_index(prefix.group(0) if prefix else path.stem, taxonomy, path)
        samples.append(Sample(path.relative_to(root).as_posix(), label))
    if not samples:
        raise ValueError(f"{root}: no images named <emotion>_<n> and no *groundTruth*.csv vote table")
    return samples


def _read_vote_table(root: Path, table: Path, taxonomy: Taxonomy) -> list[Sample]:
    files = {p.name: p for p in image_files(root)}
    with table.open(newline="") as f:
        rows = list(csv.reader(f))
    columns = {i: emotion_index(name, taxonomy, table) for i, name in enumerate(rows[0]) if i > 0 and name.strip()}
    samples, ties = [], 0
    for row in rows[1:]:
        votes = {columns[i]: float(v or 0) for i, v in enumerate(row) if i in columns}
        best = max(votes.values())
        winners = [label for label, v in votes.items() if v == best]
        name = row[0].strip().strip("'\"")
        if len(winners) > 1:
            ties += 1
            continue
        path = files.get(name, root / name)
        samples.append(Sample(path.relative_to(root).as_posix(), winners[0]))
    if ties:
        log.warning("%s: %d image(s) with tied votes are left out", table, ties)
    return samples


AGREEMENTS = {5: "five", 4: "four", 3: "three"}


def read_twitter1(root: Path, taxonomy: Taxonomy, agreement: int = 5) -> list[Sample]:
    """Twitter I (You et al., AAAI 2015): images/ and ground_truth/twitter_<n>_agrees.txt with lines
    `<image name> <1 positive | 0 negative>`; `data.agreement` picks the 5-, 4- or 3-agree subset."""
    if agreement not in AGREEMENTS:
        raise ValueError(f"data.agreement={agreement}; choose one of {list(AGREEMENTS)}")
    root = check_root(root)
    listing = find_file(root, f"twitter_{AGREEMENTS[agreement]}_agrees*.txt", f"{agreement}-agree ground truth")
    return list(_read_name_label_lines(root, listing, taxonomy))


def _read_name_label_lines(root: Path, listing: Path, taxonomy: Taxonomy) -> Iterable[Sample]:
    for number, line in enumerate(listing.read_text().splitlines(), 1):
        if line.strip():
            name, label = line.replace(",", " ").split()[:2]
            name = name.replace("\\", "/")
            yield Sample(_locate(root, name, root / "images"), emotion_index(label, taxonomy, f"{listing}:{number}"))


def read_emoset(root: Path, taxonomy: Taxonomy) -> list[Sample]:
    """EmoSet-118K (Yang et al., ICCV 2023): train.json, val.json and test.json, each a list of
    [emotion, image id, image path, annotation path], paths relative to the root."""
    root = check_root(root)
    samples = []
    for split in ("train", "val", "test"):
        listing = find_file(root, f"{split}.json", f"EmoSet {split} split")
        for item in json.loads(listing.read_text()):
            emotion, path = item[0], item[2]
            samples.append(Sample(path, emotion_index(emotion, taxonomy, listing), split))
    return samples


def read_manifest(root: Path, taxonomy: Taxonomy, manifest: str = "manifest.csv") -> list[Sample]:
    """Your own data as a CSV manifest with columns path,label[,split]; paths relative to the root."""
    root = check_root(root)
    table = root / manifest
    if not table.is_file():
        raise FileNotFoundError(f"data.manifest: {table} does not exist (columns path,label[,split])")
    with table.open(newline="") as f:
        rows = list(csv.DictReader(f))
    missing = {"path", "label"} - set(rows[0] if rows else {})
    if missing:
        raise ValueError(f"{table}: missing column(s) {sorted(missing)}; expected path,label[,split]")
    return [
        Sample(row["path"], emotion_index(row["label"], taxonomy, f"{table}:{number}"), row.get("split") or None)
        for number, row in enumerate(rows, 2)
    ]


SOURCES: dict[str, Callable[..., list[Sample]]] = {
    "synthetic": read_synthetic,
    "fi": read_class_folders,
    "folder": read_class_folders,
    "emotion6": read_emotion6,
    "emotionroi": read_split_lists,
    "mikels_small": read_mikels_small,
    "twitter1": read_twitter1,
    "twitter2": read_class_folders,
    "emoset": read_emoset,
    "csv": read_manifest,
}


def read_samples(source: str, root: Path, taxonomy: Taxonomy, options: dict | None = None) -> list[Sample]:
    if source not in SOURCES:
        raise ValueError(f"data.source='{source}'; choose one of {sorted(SOURCES)}")
    reader, options = SOURCES[source], options or {}
    if unknown := sorted(set(options) - set(inspect.signature(reader).parameters)):
        raise ValueError(f"data source '{source}' takes no option {unknown} (data.{unknown[0]})")
    return reader(root, taxonomy, **options)
