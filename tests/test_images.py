"""Every kind of file found in scraped photo collections: decoded right, or skipped and listed, never a crash."""

import csv

import numpy as np
import pytest
from PIL import Image

from emotion.data.images import BadImageError, load_image
from emotion.taxonomy import MIKELS
from emotion.train import train

from . import datasets
from .conftest import compose_train


def odd_but_valid(folder):
    """Images a naive pipeline gets wrong; each is (path, expected RGB of its top-left pixel, expected size)."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = {}
    Image.new("CMYK", (20, 10), (0, 255, 255, 0)).save(folder / "cmyk.jpg", quality=100)  # red in CMYK
    cases["cmyk.jpg"] = ((255, 0, 0), (20, 10))
    Image.new("L", (20, 10), 128).save(folder / "grey.png")
    cases["grey.png"] = ((128, 128, 128), (20, 10))
    Image.fromarray(np.full((10, 20), 40000, dtype=np.uint16)).save(folder / "deep.png")  # 16-bit grey
    cases["deep.png"] = ((156, 156, 156), (20, 10))  # 40000 >> 8, not clipped to white
    Image.new("RGBA", (20, 10), (0, 0, 255, 0)).save(folder / "transparent.png")  # fully transparent blue
    cases["transparent.png"] = ((255, 255, 255), (20, 10))  # over white, not the hidden colour
    frames = [Image.new("RGB", (20, 10), colour) for colour in ((0, 255, 0), (255, 0, 0))]
    frames[0].save(folder / "animated.gif", save_all=True, append_images=frames[1:])
    cases["animated.gif"] = ((0, 255, 0), (20, 10))  # the first frame
    Image.new("RGB", (1, 1), (10, 20, 30)).save(folder / "tiny.bmp")
    cases["tiny.bmp"] = ((10, 20, 30), (1, 1))
    rotated = Image.new("RGB", (20, 10), (0, 0, 255))
    rotated.paste((255, 255, 0), (0, 0, 10, 10))  # yellow on the left half
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    rotated.save(folder / "rotated.jpg", exif=exif, quality=100)
    cases["rotated.jpg"] = ((255, 255, 0), (10, 20))  # upright: portrait, the left half turned to the top
    return {folder / name: expected for name, expected in cases.items()}


def broken(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    whole = datasets.write_image(folder / "whole.jpg", size=64).read_bytes()
    (folder / "whole.jpg").unlink()
    (folder / "truncated.jpg").write_bytes(whole[: len(whole) // 3])
    return [folder / name for name in ("empty.jpg", "corrupt.png", "truncated.jpg")]


def test_odd_but_valid_images_decode_upright_in_rgb(tmp_path):
    for path, (pixel, size) in odd_but_valid(tmp_path).items():
        image = load_image(path)
        assert image.mode == "RGB" and image.size == size, path.name
        assert np.abs(np.asarray(image)[0, 0].astype(int) - pixel).max() <= 8, path.name


@pytest.mark.parametrize("name", ["empty.jpg", "corrupt.png", "truncated.jpg"])
def test_broken_files_raise_an_error_naming_the_file(tmp_path, name):
    broken(tmp_path)
    with pytest.raises(BadImageError, match=name):
        load_image(tmp_path / name)


def test_jpegs_decode_at_reduced_scale_when_the_target_allows(tmp_path):
    path = datasets.write_image(tmp_path / "photo.jpg", size=800)
    assert load_image(path, min_size=200).size == (202, 200)  # 1/4 of 808x800 still covers 200 px
    assert min(load_image(path).size) == 800


def test_training_completes_over_every_kind_of_file_and_lists_the_skipped(tmp_path):
    root = datasets.class_folders(tmp_path / "FI", MIKELS.emotions, per_class=4)
    odd_but_valid(root / "Awe")
    bad = broken(root / "Fear")
    cfg = compose_train(tmp_path / "run", "data=fi", f"data.root={root}", "debug=fast_dev_run", "data.batch_size=64")
    results, _ = train(cfg)
    assert "test/emotion_acc" in results
    with (tmp_path / "run" / "skipped_images.csv").open() as f:
        assert {row["path"] for row in csv.DictReader(f)} == {str(p) for p in bad}
