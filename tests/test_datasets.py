"""Tests of gansampler.datasets (images made with Pillow in tmp_path)."""

import csv
import importlib.util
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from gansampler.datasets import (
    SkippedImagesWarning,
    load_elpv,
    load_image_folder,
    load_imbalanced_digits,
    save_image_folder,
)

HAS_ELPV = importlib.util.find_spec("elpv_dataset") is not None


# ------------------------------------------------------------------ digits
def test_imbalanced_digits_profile():
    data = load_imbalanced_digits()
    full = load_digits()
    # Documented rule: n_k = max(1, floor(N_k * 0.1 ** (k / 9) + 0.5)).
    for k in range(10):
        n_all = int((full.target == k).sum())
        expected = max(1, int(np.floor(n_all * 0.1 ** (k / 9) + 0.5)))
        assert data.class_counts[k] == expected == int((data.target == k).sum())
    assert data.class_counts == {
        0: 178, 1: 141, 2: 106, 3: 85, 4: 65, 5: 51, 6: 39, 7: 30, 8: 22, 9: 18,
    }  # fmt: skip
    assert data.images.shape == (735, 8, 8, 1)
    assert data.images.dtype == np.float32
    assert data.images.min() == 0.0 and data.images.max() == 1.0
    np.testing.assert_array_equal(data.data, data.images.reshape(735, 64))
    np.testing.assert_allclose(
        data.images[..., 0], full.images[data.indices] / 16.0, rtol=1e-6
    )
    np.testing.assert_array_equal(data.target, full.target[data.indices])
    assert data.target.dtype == np.int64
    assert (np.diff(data.indices) > 0).all()  # original order


def test_imbalanced_digits_seeding():
    a = load_imbalanced_digits(random_state=0)
    b = load_imbalanced_digits(random_state=0)
    c = load_imbalanced_digits(random_state=1)
    np.testing.assert_array_equal(a.indices, b.indices)
    assert not np.array_equal(a.indices, c.indices)
    assert a.class_counts == c.class_counts
    X, y = load_imbalanced_digits(imbalance_ratio=1.0, return_X_y=True)
    assert X.shape == (1797, 8, 8, 1) and len(y) == 1797
    X, y = load_imbalanced_digits(imbalance_ratio=0.001, return_X_y=True)
    assert (np.bincount(y) >= 1).all()
    with pytest.raises(ValueError, match="imbalance_ratio"):
        load_imbalanced_digits(imbalance_ratio=0)


# -------------------------------------------------------------------- ELPV
@pytest.mark.skipif(not HAS_ELPV, reason="elpv-dataset not installed (pip install "
                    "elpv-dataset); CI installs it")  # fmt: skip
def test_load_elpv():
    data = load_elpv(image_size=16)
    assert data.images.shape == (2624, 16, 16, 1)
    assert data.images.dtype == np.uint8
    assert np.bincount(data.target).tolist() == [1508, 295, 106, 715]
    np.testing.assert_allclose(data.probability, data.target / 3)
    assert sorted(set(data.module_type)) == ["mono", "poly"]
    assert int((data.module_type == "mono").sum()) == 1074
    assert data.images.std() > 10  # real pictures, not blanks
    X, y = load_elpv(image_size=(8, 8), module_type="mono", return_X_y=True)
    assert X.shape == (1074, 8, 8, 1)
    np.testing.assert_array_equal(y, data.target[data.module_type == "mono"])
    with pytest.raises(ValueError, match="module_type"):
        load_elpv(module_type="thin-film")


def test_load_elpv_without_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "elpv_dataset", None)
    monkeypatch.setitem(sys.modules, "elpv_dataset.utils", None)
    with pytest.raises(ImportError, match="pip install elpv-dataset") as caught:
        load_elpv()
    # The advice installs into the interpreter in use, not whichever pip is first.
    assert f"{sys.executable} -m pip install elpv-dataset" in str(caught.value)


# ------------------------------------------------------------ image folder
def _write(path, img, **kwargs):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    img.save(path, **kwargs)
    return path


def _grey(h, w, value):
    return Image.fromarray(np.full((h, w), value, np.uint8), "L")


def _load_single(tmp_path, img, name="x.png", **kwargs):
    """Write one image into class folder 'a' and load it."""
    _write(str(tmp_path / "a" / name), img)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SkippedImagesWarning)
        return load_image_folder(tmp_path, **kwargs)


def test_rgba_composited_over_black(tmp_path):
    arr = np.zeros((4, 4, 4), np.uint8)
    arr[..., :3] = (200, 100, 50)
    arr[:2, :, 3] = 255  # opaque top half
    arr[2:, :, 3] = 0  # transparent bottom half
    data = _load_single(tmp_path, Image.fromarray(arr, "RGBA"))
    assert data.images.shape == (1, 4, 4, 3)
    np.testing.assert_array_equal(data.images[0, 0, 0], [200, 100, 50])
    np.testing.assert_array_equal(data.images[0, 3, 0], [0, 0, 0])


def test_palette_images(tmp_path):
    pal = Image.new("P", (4, 4))
    pal.putpalette([0, 0, 0, 255, 0, 0] + [0] * (256 * 3 - 6))
    pal.putpixel((1, 1), 1)
    data = _load_single(tmp_path / "colour", pal)
    assert data.images.shape == (1, 4, 4, 3)  # colour palette -> RGB
    np.testing.assert_array_equal(data.images[0, 1, 1], [255, 0, 0])
    grey = _grey(4, 4, 90).convert("P")
    data = _load_single(tmp_path / "grey", grey)
    assert data.images.shape == (1, 4, 4, 1)  # grey palette -> one channel
    assert (data.images == 90).all()


def test_16bit_grey_is_scaled(tmp_path):
    arr = np.array([[0, 257 * 100], [65535, 257 * 7]], np.uint16)
    img = Image.fromarray(arr)
    assert img.mode == "I;16"
    data = _load_single(tmp_path, img)
    assert data.images.shape == (1, 2, 2, 1)
    np.testing.assert_array_equal(data.images[0, ..., 0], [[0, 100], [255, 7]])


def test_cmyk_jpeg(tmp_path):
    img = Image.new("CMYK", (8, 8), (0, 255, 255, 0))  # red
    data = _load_single(tmp_path, img, name="red.jpg")
    assert data.images.shape == (1, 8, 8, 3)
    r, g, b = data.images[0].reshape(-1, 3).mean(axis=0)
    assert r > 230 and g < 25 and b < 25


def test_channels_forced(tmp_path):
    img = Image.fromarray(np.full((4, 4, 3), (255, 0, 0), np.uint8), "RGB")
    data = _load_single(tmp_path / "one", img, channels=1)
    assert data.images.shape == (1, 4, 4, 1)
    assert abs(int(data.images[0, 0, 0, 0]) - 76) <= 1  # ITU-R 601 luma of red
    data = _load_single(tmp_path / "three", _grey(4, 4, 40), channels=3)
    assert data.images.shape == (1, 4, 4, 3) and (data.images == 40).all()


def test_exif_rotated_jpeg_is_transposed(tmp_path):
    arr = np.zeros((10, 20), np.uint8)  # 10 high, 20 wide
    arr[:, 10:] = 255  # right half white
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90 degrees clockwise
    path = _write(str(tmp_path / "a" / "rot.jpg"), Image.fromarray(arr), exif=exif)
    assert Image.open(path).size == (20, 10)
    data = load_image_folder(tmp_path)
    assert data.images.shape == (1, 20, 10, 1)  # H and W swapped
    img = data.images[0, ..., 0].astype(int)
    # Rotating clockwise moves the left (black) half to the top.
    assert img[:8].mean() < 30 and img[12:].mean() > 225


def test_subfolder_layout_reports_every_skipped_item(tmp_path):
    root = tmp_path / "my images"
    _write(str(root / "ça va" / "b 1.png"), _grey(6, 6, 10))
    _write(str(root / "ça va" / "é 2.JPG"), _grey(12, 8, 200))
    _write(str(root / "dog" / "c.png"), Image.new("RGB", (6, 6), (0, 0, 255)))
    (root / "dog" / "empty.png").write_bytes(b"")
    (root / "dog" / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (root / "dog" / "notes.txt").write_text("hello")
    (root / "dog" / ".DS_Store").write_bytes(b"\0\1")  # hidden: ignored
    _write(str(root / "dog" / "nested" / "d.png"), _grey(6, 6, 1))
    _write(str(root / "stray.png"), _grey(6, 6, 1))
    (root / "empty class").mkdir()

    with pytest.warns(SkippedImagesWarning) as record:
        data = load_image_folder(root, image_size=(4, 5))
    assert len(record) == 1
    assert data.images.shape == (3, 4, 5, 3)  # one colour image -> RGB
    assert data.images.dtype == np.uint8
    # Sorted by name (code points): "dog" < "ça va".
    assert data.target.tolist() == ["dog", "ça va", "ça va"]
    assert data.target_names.tolist() == ["dog", "ça va"]
    names = [os.path.basename(f) for f in data.filenames]
    assert names == ["c.png", "b 1.png", "é 2.JPG"]
    np.testing.assert_array_equal(data.images[0, 0, 0], [0, 0, 255])
    # Grey images replicated into three equal channels.
    assert (data.images[1] == data.images[1, ..., :1]).all()
    assert (data.images[1] == 10).all() and (data.images[2] == 200).all()

    reasons = {os.path.relpath(p, root): r for p, r in data.skipped}
    assert set(reasons) == {
        os.path.join("dog", "empty.png"),
        os.path.join("dog", "corrupt.png"),
        os.path.join("dog", "notes.txt"),
        os.path.join("dog", "nested"),
        "stray.png",
        "empty class",
    }
    assert "empty file" in reasons[os.path.join("dog", "empty.png")]
    assert "unreadable" in reasons[os.path.join("dog", "corrupt.png")]
    assert "extension" in reasons[os.path.join("dog", "notes.txt")]
    message = str(record[0].message)
    for path, _ in data.skipped:
        assert path in message


def test_csv_layout_kaggle_style(tmp_path):
    root = tmp_path / "train"
    _write(str(root / "10_left.jpeg"), _grey(8, 8, 0))
    _write(str(root / "10_right.jpeg"), _grey(8, 8, 255))
    _write(str(root / "13 left é.png"), _grey(8, 8, 128))
    _write(str(root / "unlisted.png"), _grey(8, 8, 5))
    (root / "15_left.jpeg").write_bytes(b"")
    csv_path = root / "trainLabels.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["image", "level"])
        w.writerows(
            [
                ["10_left", "0"],
                ["10_right", "2"],
                ["13 left é", "1"],
                ["10_left", "0"],  # duplicate, same label: fine
                ["missing_image", "3"],
                ["15_left", "1"],
            ]
        )
    with pytest.warns(SkippedImagesWarning, match="unlisted.png"):
        data = load_image_folder(root, labels_csv=csv_path)
    assert data.target.tolist() == [0, 2, 1]
    assert data.target.dtype == np.int64
    assert data.images.shape == (3, 8, 8, 1)
    assert [int(v) for v in data.images[:, 0, 0, 0]] == [0, 255, 128]
    reasons = [r for _, r in data.skipped]
    assert len(reasons) == 3
    assert any("missing_image" in r for r in reasons)
    assert any("empty file" in r for r in reasons)
    assert any("not listed" in r for r in reasons)


def test_csv_conflicting_labels_raise(tmp_path):
    _write(str(tmp_path / "a.png"), _grey(4, 4, 0))
    (tmp_path / "labels.csv").write_text("image,level\na,0\na,1\n")
    with pytest.raises(ValueError, match="different labels.*'a'"):
        load_image_folder(tmp_path, labels_csv=tmp_path / "labels.csv")


def test_csv_missing_column_and_ambiguous_names(tmp_path):
    _write(str(tmp_path / "a.png"), _grey(4, 4, 0))
    _write(str(tmp_path / "a.jpg"), _grey(4, 4, 0))
    _write(str(tmp_path / "b.png"), _grey(4, 4, 9))
    (tmp_path / "l.csv").write_text("file,label\na,x\nb,y\n")
    with pytest.raises(ValueError, match="columns are \\['file', 'label'\\]"):
        load_image_folder(tmp_path, labels_csv=tmp_path / "l.csv")
    with pytest.warns(SkippedImagesWarning, match="several files match 'a'"):
        data = load_image_folder(
            tmp_path,
            labels_csv=tmp_path / "l.csv",
            image_column="file",
            label_column="label",
        )
    assert data.target.tolist() == ["y"]


def test_sizes_must_match_without_image_size(tmp_path):
    _write(str(tmp_path / "a" / "1.png"), _grey(4, 4, 0))
    _write(str(tmp_path / "a" / "2.png"), _grey(5, 4, 0))
    with pytest.raises(ValueError, match="pass image_size"):
        load_image_folder(tmp_path)
    assert load_image_folder(tmp_path, image_size=3).images.shape == (2, 3, 3, 1)


def test_no_readable_image_and_bad_folder(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.png").write_bytes(b"")
    with (
        pytest.warns(SkippedImagesWarning),
        pytest.raises(ValueError, match="No readable"),
    ):
        load_image_folder(tmp_path)
    with pytest.raises(NotADirectoryError):
        load_image_folder(tmp_path / "nope")
    with pytest.raises(ValueError, match="No class sub-folder"):
        load_image_folder(tmp_path / "a")


# ------------------------------------------------------------ save folder
def _by_index(data):
    order = np.argsort([os.path.basename(f) for f in data.filenames])
    return data.images[order], data.target[order]


@pytest.mark.parametrize("layout", ["sub-folders", "labels csv"])
def test_extensions_are_recognised_in_any_case(tmp_path, layout):
    from PIL import Image

    folder = tmp_path / "images"
    rows = ["image,level"]
    for i, (label, ext) in enumerate([("a", ".PNG"), ("a", ".Png"), ("b", ".JPEG"),
                                      ("b", ".png")]):  # fmt: skip
        where = folder / label if layout == "sub-folders" else folder
        where.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((4, 4), 40 * i, np.uint8)).save(
            where / f"{i}{ext}", format="PNG" if "p" in ext.lower() else "JPEG"
        )
        rows.append(f"{i},{label}")  # named without the extension
    labels = None
    if layout == "labels csv":
        labels = tmp_path / "labels.csv"
        labels.write_text("\n".join(rows) + "\n")
    data = load_image_folder(folder, labels_csv=labels)
    assert data.skipped == []
    assert sorted(data.target.tolist()) == ["a", "a", "b", "b"]


def test_save_load_round_trip_uint8(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(12, 8, 8, 1), dtype=np.uint8)
    y = np.array([0, 1, 2] * 4)
    paths = save_image_folder(X, y, tmp_path / "out")
    assert len(paths) == 12 and all(p.endswith(".png") for p in paths)
    assert os.path.basename(os.path.dirname(paths[1])) == "1"
    images, target = _by_index(load_image_folder(tmp_path / "out"))
    np.testing.assert_array_equal(images, X)
    np.testing.assert_array_equal(target, y)


def test_save_round_trip_rgb_floats_and_string_labels(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.random((5, 6, 7, 3))
    y = np.array(["ok", "défaut 1", "ok", "ok", "défaut 1"])
    save_image_folder(X, y, tmp_path, prefix="gen")
    images, target = _by_index(load_image_folder(tmp_path))
    np.testing.assert_array_equal(images, np.rint(X * 255).astype(np.uint8))
    assert target.tolist() == y.tolist()


def test_save_value_ranges_and_flat_input(tmp_path):
    X = np.linspace(-1, 1, 2 * 16).reshape(2, 16)  # outside [0, 1]: min-max
    save_image_folder(X, [0, 0], tmp_path, image_shape=(4, 4))
    images, _ = _by_index(load_image_folder(tmp_path))
    assert images.shape == (2, 4, 4, 1)
    assert images.min() == 0 and images.max() == 255
    with pytest.raises(ValueError, match="image_shape"):
        save_image_folder(X, [0, 0], tmp_path / "other")


def test_save_refuses_to_overwrite_and_leaves_no_temp_files(tmp_path):
    X = np.zeros((2, 4, 4), np.uint8)
    paths = save_image_folder(X, [0, 1], tmp_path)
    before = [open(p, "rb").read() for p in paths]
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_image_folder(X + 50, [0, 1], tmp_path)
    assert [open(p, "rb").read() for p in paths] == before
    save_image_folder(X + 50, [0, 1], tmp_path, overwrite=True)
    assert (np.asarray(Image.open(paths[0])) == 50).all()
    leftovers = [n for _, _, files in os.walk(tmp_path) for n in files if "tmp" in n]
    assert leftovers == []


@pytest.mark.parametrize("label", ["..", "a/b", ""])
def test_save_refuses_labels_that_escape_the_folder(tmp_path, label):
    target = tmp_path / "inner"
    with pytest.raises(ValueError, match="folder name"):
        save_image_folder(np.zeros((1, 4, 4), np.uint8), [label], target)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


@pytest.mark.parametrize(
    "y, match",
    [
        (
            np.array([0.0, np.nan, 1.0]),
            r"1 missing label\(s\) \(None or NaN\), at index 1;",
        ),
        (
            np.array(["a", None, None], dtype=object),
            r"2 missing label\(s\).*index 1, 2;",
        ),
        ([1, None, 2], "missing label"),
        (np.array(["a", 1, "1"], dtype=object), "same folder name"),
    ],
)
def test_save_refuses_missing_labels_before_writing(tmp_path, y, match):
    with pytest.raises(ValueError, match=match):
        save_image_folder(np.zeros((3, 4, 4), np.uint8), y, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_save_mixed_label_types(tmp_path):
    # Labels that do not sort together (int and str) still get their folders.
    y = np.array([1, "b"], dtype=object)
    paths = save_image_folder(np.zeros((2, 4, 4), np.uint8), y, tmp_path)
    assert [Path(p).parent.name for p in paths] == ["1", "b"]
