"""Each dataset's reader on a fixture in its published layout: labels, polarity, splits, and a CLI run."""

from collections import Counter
from pathlib import Path

import pytest

from emotion.data.datamodule import EmotionDataModule
from emotion.data.sources import read_samples
from emotion.taxonomy import BINARY, EKMAN, MIKELS, get_taxonomy

from . import datasets
from .conftest import only_run_dir, read_results, run_cli

FOLDER_CLASSES = {"cat": "positive", "spider": "negative"}
CONFIGS = {  # data=<name>: (source, taxonomy, options, extra overrides for the CLI)
    "fi": ("fi", MIKELS, {}, []),
    "emotion6": ("emotion6", EKMAN, {"label_mode": "dominant"}, []),
    "emotionroi": ("emotionroi", EKMAN, {}, []),
    "artphoto": ("mikels_small", MIKELS, {}, []),
    "abstract": ("mikels_small", MIKELS, {}, []),
    "iapsa": ("mikels_small", MIKELS, {}, []),
    "twitter1": ("twitter1", BINARY, {"agreement": 5}, ["model=polarity_only"]),
    "twitter2": ("twitter2", BINARY, {}, ["model=polarity_only"]),
    "emoset": ("emoset", MIKELS, {}, []),
    "folder": ("folder", get_taxonomy(FOLDER_CLASSES), {}, ["data.taxonomy={cat: positive, spider: negative}"]),
    "csv": ("csv", MIKELS, {"manifest": "manifest.csv"}, []),
}


def build(name: str, tmp_path: Path) -> Path:
    return datasets.BUILDERS[name](tmp_path / name)


def split_of(name: str, tmp_path: Path, **kwargs) -> tuple[dict, EmotionDataModule]:
    source, taxonomy, options, _ = CONFIGS[name]
    spec = FOLDER_CLASSES if name == "folder" else taxonomy.name
    dm = EmotionDataModule(source, str(build(name, tmp_path)), spec, str(tmp_path / "run"), image_size=32,
                           batch_size=4, num_workers=0, **{**options, **kwargs})  # fmt: skip
    dm.prepare_data()
    dm.setup()
    return {split: dataset.samples for split, dataset in dm.datasets.items()}, dm


def labels(samples) -> Counter:
    return Counter(s.emotion for s in samples)


@pytest.mark.parametrize("name", CONFIGS)
def test_every_reader_labels_its_fixture_by_its_own_annotations(tmp_path, name):
    source, taxonomy, options, _ = CONFIGS[name]
    samples = read_samples(source, build(name, tmp_path), taxonomy, options)
    assert samples and all((tmp_path / name / s.path).is_file() for s in samples)
    for sample in samples:  # every fixture names the class in the path or file name
        text = sample.path.lower()
        if name in ("twitter1", "abstract"):
            continue
        assert taxonomy.emotions[sample.emotion] in text, sample


def test_emotion6_dominant_and_distribution(tmp_path):
    samples = read_samples("emotion6", datasets.emotion6(tmp_path / "e6"), EKMAN, {"label_mode": "distribution"})
    assert len(samples) == 36
    for s in samples:
        assert EKMAN.emotions[s.emotion] == Path(s.path).parent.name
        assert sum(s.distribution) == pytest.approx(1.0)  # neutral left out, the six renormalised
        assert max(s.distribution) == pytest.approx(0.4 / 0.9)


def test_emotion6_distribution_reaches_the_batch(tmp_path):
    _, dm = split_of("emotion6", tmp_path, label_mode="distribution")
    batch = next(iter(dm.train_dataloader()))
    assert batch["emotion_distribution"].shape == (4, EKMAN.num_emotions)
    assert batch["emotion_distribution"].argmax(-1).tolist() == batch["emotion"].tolist()


def test_emotionroi_keeps_the_official_split_and_carves_validation_from_training(tmp_path):
    split, _ = split_of("emotionroi", tmp_path)
    assert all("/5.jpg" in s.path or "/6.jpg" in s.path for s in split["test"])
    assert len(split["test"]) == 12 and len(split["train"]) + len(split["val"]) == 24
    assert split["val"] and not {s.path for s in split["val"]} & {s.path for s in split["train"]}


def test_abstract_votes_use_the_dataset_spellings_and_leave_ties_out(tmp_path):
    samples = read_samples("mikels_small", datasets.abstract(tmp_path / "abstract"), MIKELS)
    assert len(samples) == 40 and not any("abstract_999" in s.path for s in samples)
    assert labels(samples) == Counter({k: 5 for k in range(8)})  # 'Content' and 'Sad' mapped too


@pytest.mark.parametrize("fold", [0, 4])
def test_kfold_holds_out_one_fold_per_class(tmp_path, fold):
    split, _ = split_of("artphoto", tmp_path, num_folds=5, fold=fold)
    assert labels(split["test"]) == Counter({k: 1 for k in range(8)})
    assert len(split["train"]) + len(split["val"]) == 32
    other, _ = split_of("artphoto", tmp_path / "again", num_folds=5, fold=(fold + 1) % 5)
    assert not {s.path for s in split["test"]} & {s.path for s in other["test"]}


@pytest.mark.parametrize("agreement, count", [(5, 16), (4, 18), (3, 20)])
def test_twitter1_subsets_by_agreement(tmp_path, agreement, count):
    samples = read_samples("twitter1", datasets.twitter1(tmp_path / "t1"), BINARY, {"agreement": agreement})
    assert len(samples) == count
    assert all(
        BINARY.emotions[s.emotion] == ("positive" if int(Path(s.path).stem) % 2 else "negative") for s in samples
    )


def test_emoset_uses_its_official_split_files(tmp_path):
    split, _ = split_of("emoset", tmp_path)
    assert [len(split[s]) for s in ("train", "val", "test")] == [32, 8, 8]


def test_folder_takes_the_users_classes_and_polarities(tmp_path):
    split, dm = split_of("folder", tmp_path)
    assert dm.taxonomy.emotions == ("cat", "spider")
    batch = next(iter(dm.train_dataloader()))
    assert batch["polarity"].tolist() == [1 - e for e in batch["emotion"].tolist()]  # cat positive, spider negative


def test_csv_manifest_with_its_split_column(tmp_path):
    split, _ = split_of("csv", tmp_path)
    assert [len(split[s]) for s in ("train", "val", "test")] == [32, 8, 8]


def test_a_wrong_label_names_the_file_and_line(tmp_path):
    root = datasets.manifest(tmp_path / "csv")
    (root / "manifest.csv").write_text("path,label\npictures/anger-0.png,grumpy\n")
    with pytest.raises(ValueError, match=r"manifest.csv:2: unknown label 'grumpy'"):
        read_samples("csv", root, MIKELS)


def test_a_missing_annotation_file_says_what_was_looked_for(tmp_path):
    (tmp_path / "e6").mkdir()
    with pytest.raises(FileNotFoundError, match="Emotion6 ground-truth file"):
        read_samples("emotion6", tmp_path / "e6", EKMAN)


def test_an_option_the_source_does_not_take_is_named(tmp_path):
    with pytest.raises(ValueError, match="agreement"):
        read_samples("fi", datasets.class_folders(tmp_path / "fi", MIKELS.emotions), MIKELS, {"agreement": 5})


def test_binary_data_asks_for_the_polarity_only_model(tmp_path):
    run = datasets.BUILDERS["twitter2"](tmp_path / "t2")
    import subprocess

    from .conftest import BIN

    result = subprocess.run([str(BIN / "emotion-train"), "data=twitter2", f"data.root={run}", "debug=fast_dev_run",
                             f"paths.runs_dir={tmp_path / 'runs'}"], capture_output=True, text=True)  # fmt: skip
    assert result.returncode != 0 and "model=polarity_only" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", CONFIGS)
def test_every_dataset_trains_a_fast_dev_run_through_the_command_line(tmp_path, name):
    *_, extra = CONFIGS[name]
    run_cli(
        "emotion-train", f"data={name}", f"data.root={build(name, tmp_path)}", "data.image_size=32",
        "data.batch_size=4", "data.num_workers=0", "debug=fast_dev_run", "trainer=cpu",
        f"paths.runs_dir={tmp_path / 'runs'}", *extra, cwd=tmp_path,
    )  # fmt: skip
    assert "test/polarity_acc" in read_results(only_run_dir(tmp_path / "runs"))
