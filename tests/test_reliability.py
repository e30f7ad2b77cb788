"""Reliability: bad input gets a clear answer, nothing is lost, generators persist.

The catalogue of cases and what each gives is docs/reliability.md. Every fit
here is tiny (8x8 images, one epoch, a few filters, no scoring).
"""

import csv
import os
import tracemalloc
import warnings
from collections import Counter

import keras
import numpy as np
import pandas as pd
import pytest
from conftest import ONE_EPOCH_GAN as TINY
from imblearn.over_sampling import RandomOverSampler
from PIL import Image
from scipy import sparse

import gansampler._images
from gansampler import DCGANOverSampler
from gansampler._sampler import GENERATION_CHUNK
from gansampler.datasets import (
    SkippedImagesWarning,
    load_image_folder,
    save_image_folder,
)

DEEP = ("/keras/", "/tensorflow/", "/jax/", "/torch/")


@pytest.fixture(scope="module")
def images():
    """16 random 8x8 grey uint8 images, classes 0 (12) and 1 (4)."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(16, 8, 8, 1), dtype=np.uint8)
    return X, np.array([0] * 12 + [1] * 4)


def _raises_clearly(exception, match, fit):
    """The error names the problem and is not raised from inside a DL framework."""
    with pytest.raises(exception, match=match) as info:
        fit()
    where = str(info.traceback[-1].path).replace(os.sep, "/")
    assert not any(part in where for part in DEEP), where
    return info


# ------------------------------------------------------------- bad input
def _with(X, index, value):
    X = np.array(X, dtype=np.float64)
    X.flat[index] = value
    return X


def _bad_inputs():
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, size=(16, 8, 8, 1), dtype=np.uint8)
    y = np.array([0] * 12 + [1] * 4)
    flat = X.reshape(16, -1)
    return [
        # id, X, y, params, exception, message
        ("nan-pixel-flat", _with(flat, 5, np.nan), y, {"image_shape": (8, 8)}, ValueError, "Input X contains NaN"),
        ("inf-pixel", _with(X, 7, np.inf), y, {}, ValueError, "Input X contains infinity"),
        ("minus-inf-3d", _with(X[..., 0], 3, -np.inf), y, {}, ValueError, "Input X contains infinity"),
        ("1-d", flat[:, 0], y, {}, ValueError, "Expected 2D array, got 1D array"),
        ("5-d", X[..., None], y, {}, ValueError, r"got 5-D data of shape \(16, 8, 8, 1, 1\)"),
        ("image_shape-vs-features", flat, y, {"image_shape": (8, 9)}, ValueError, "holds 72 values per image, but X has 64 features"),
        ("image_shape-vs-3d", X[..., 0], y, {"image_shape": (8, 8, 3)}, ValueError, "does not match the shape of the images"),
        ("image_shape-float", flat, y, {"image_shape": (8.5, 8)}, ValueError, "image_shape must be a tuple of integers"),
        ("image_shape-str", flat, y, {"image_shape": ("8", "8")}, ValueError, "image_shape must be a tuple of integers"),
        ("image_shape-bool", flat, y, {"image_shape": (True, 64)}, ValueError, "image_shape must be a tuple of integers"),
        ("image_shape-zero", flat, y, {"image_shape": (0, 8)}, ValueError, "positive sizes"),
        ("image_shape-type", flat, y, {"image_shape": "8x8"}, ValueError, "'image_shape' parameter"),
        ("empty-images", X[:0], y[:0], {}, ValueError, r"0 sample\(s\)"),
        ("empty-table", np.zeros((0, 5)), y[:0], {}, ValueError, r"0 sample\(s\)"),
        ("no-features", np.zeros((16, 0)), y, {}, ValueError, r"0 feature\(s\)"),
        ("zero-channels", np.zeros((16, 8, 8, 0)), y, {}, ValueError, "no values to learn from"),
        ("strings", np.full((16, 8, 8, 1), "a"), y, {}, ValueError, "bytes/strings"),
        ("complex", X.astype(complex), y, {}, ValueError, "Complex data not supported"),
        ("ragged-list", [np.zeros((8, 8))] * 15 + [np.zeros((8, 7))], y, {}, ValueError, "inhomogeneous"),
        ("range-overflows", _with(_with(X, 0, -1e308), 1, 1e308), y, {}, ValueError, "range too wide"),
        ("y-length", X, y[:-1], {}, ValueError, "inconsistent numbers of samples"),
        ("y-continuous", X, np.linspace(0, 1, 16), {}, ValueError, "Unknown label type: continuous"),
        ("y-nan", X, np.where(y == 0, 0.0, np.nan), {}, ValueError, "Input y contains NaN"),
        ("one-class", X, np.zeros(16, int), {}, ValueError, "more than 1 class"),
        ("absent-class-asked", X, y, {"sampling_strategy": {2: 5}}, ValueError, "not present in the data"),
        ("fewer-than-present", X, y, {"sampling_strategy": {1: 2}}, ValueError, "greater or equal to the original"),
        ("float-strategy-multiclass", X, np.r_[y[:-1], 2], {"sampling_strategy": 0.5}, ValueError, "binary"),
        ("one-sample-class-scored", X[:13], y[:13], {"validation_fraction": 0.2}, ValueError, "Class 1 has 1 sample: validation_fraction=0.2"),
        ("too-small-7x8", X[:, :7], y, {}, ValueError, "7x8 are too small for the convolutional"),
        ("too-small-1x1", X[:, :1, :1], y, {}, ValueError, "1x1 are too small"),
        ("seed-needs-128", X, y, {"architecture": "seed", "generator_filters": "auto", "discriminator_filters": "auto"}, ValueError, "128x128"),
        ("updates-0", X, y, {"updates": 0}, ValueError, "'updates' parameter"),
        ("architecture", X, y, {"architecture": "resnet"}, ValueError, "'architecture' parameter"),
        ("validation_fraction-1", X, y, {"validation_fraction": 1.0}, ValueError, "'validation_fraction' parameter"),
        ("n_jobs-str", X, y, {"n_jobs": "2"}, TypeError, "'n_jobs' parameter"),
        ("precision", X, y, {"precision": "fp8"}, ValueError, "'precision' parameter"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "X, y, params, exception, message",
    [pytest.param(*case[1:], id=case[0]) for case in _bad_inputs()],
)
def test_bad_input_gets_a_clear_error(X, y, params, exception, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflow notes
        _raises_clearly(
            exception,
            message,
            lambda: DCGANOverSampler(**{**TINY, **params}).fit_resample(X, y),
        )


def test_snapshot_dir_that_is_a_file_is_refused_before_training(images, tmp_path):
    X, y = images
    not_a_folder = tmp_path / "snapshots"
    not_a_folder.write_text("mine")
    _raises_clearly(
        NotADirectoryError,
        "exists and is not a folder",
        lambda: DCGANOverSampler(**TINY, snapshot_dir=not_a_folder).fit_resample(X, y),
    )
    assert not_a_folder.read_text() == "mine"


def test_one_sample_class_trains_without_scoring(images):
    X, y = images
    X_res, y_res = DCGANOverSampler(**TINY).fit_resample(X[:13], y[:13])
    assert Counter(y_res.tolist()) == {0: 12, 1: 12}
    np.testing.assert_array_equal(X_res[:13], X[:13])


def test_nothing_to_add_returns_copies(images):
    X, y = images
    sampler = DCGANOverSampler(**TINY, sampling_strategy={1: 4})  # already 4
    X_res, y_res = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X)
    np.testing.assert_array_equal(y_res, y)
    assert not np.shares_memory(X_res, X) and not np.shares_memory(y_res, y)
    assert sampler.generators_ == {} and sampler.data_format_.layout == "nhwc"


# ------------------------------------------------- labels and containers
@pytest.mark.parametrize("n_classes", [2, 3])
def test_one_hot_labels_come_back_as_imblearn_gives_them(images, n_classes):
    X, y = images
    y = y.copy()
    if n_classes == 3:
        y[-2:] = 2
    one_hot = np.eye(n_classes, dtype=int)[y]
    X_res, y_res = DCGANOverSampler(**TINY).fit_resample(X, one_hot)
    _, y_ros = RandomOverSampler(random_state=0).fit_resample(
        X.reshape(len(X), -1), one_hot
    )
    # imbalanced-learn binarises the labels back; for two classes that is one
    # column (label_binarize's binary form), for more one column per class.
    assert y_res.shape == y_ros.shape == (len(X_res), 1 if n_classes == 2 else 3)
    assert y_res.dtype == y_ros.dtype
    if n_classes == 3:
        np.testing.assert_array_equal(y_res[: len(y)], one_hot)
        assert (y_res.sum(axis=1) == 1).all()


def test_column_vector_labels_are_raveled_like_imblearn(images):
    X, y = images
    X_res, y_res = DCGANOverSampler(**TINY).fit_resample(X, y[:, None])
    _, y_ros = RandomOverSampler(random_state=0).fit_resample(
        X.reshape(len(X), -1), y[:, None]
    )
    assert y_res.ndim == y_ros.ndim == 1
    assert Counter(y_res.tolist()) == {0: 12, 1: 12}


def test_pandas_flat_images_come_back_as_pandas(images):
    X, y = images
    frame = pd.DataFrame(
        X.reshape(16, -1), columns=[f"px{i}" for i in range(64)]
    ).astype(np.uint8)
    target = pd.Series(y, name="label")
    X_res, y_res = DCGANOverSampler(**TINY, image_shape=(8, 8)).fit_resample(
        frame, target
    )
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert list(X_res.columns) == list(frame.columns)
    assert (X_res.dtypes == np.uint8).all()
    assert y_res.name == "label" and len(X_res) == len(y_res) == 24
    pd.testing.assert_frame_equal(X_res.iloc[:16], frame)


def test_sparse_coo_flat_images_come_back_csr(images):
    _, y = images
    flat = sparse.coo_matrix(sparse.random(16, 64, density=0.3, random_state=0) * 255)
    X_res, _ = DCGANOverSampler(**TINY, image_shape=(8, 8, 1)).fit_resample(flat, y)
    # As imbalanced-learn: CSR and CSC keep their format; COO comes back CSR.
    assert sparse.issparse(X_res) and X_res.format == "csr"
    np.testing.assert_array_equal(X_res[:16].toarray(), flat.toarray())
    new = X_res[16:].toarray()
    assert new.min() >= 0 and new.max() <= flat.max()


def test_lists_come_back_as_lists(images):
    X, y = images
    X_res, y_res = DCGANOverSampler(**TINY).fit_resample(X.tolist(), y.tolist())
    assert isinstance(X_res, list) and isinstance(y_res, list)
    assert X_res[:16] == X.tolist() and len(y_res) == 24


# ----------------------------------------------------- huge requests
@pytest.fixture(scope="module")
def fitted(images):
    X, y = images
    sampler = DCGANOverSampler(**TINY)
    sampler.fit_resample(X, y)
    return sampler


def test_generation_runs_in_bounded_chunks(fitted, monkeypatch):
    sizes = []
    original = gansampler._images.from_training

    def spy(Z, fmt):
        sizes.append(len(Z))
        return original(Z, fmt)

    monkeypatch.setattr(gansampler._images, "from_training", spy)
    assert fitted.generate(1, 600).shape == (600, 8, 8, 1)  # fit_resample's path
    assert sizes == [GENERATION_CHUNK, GENERATION_CHUNK, 600 - 2 * GENERATION_CHUNK]


def test_a_large_request_needs_the_output_and_one_chunk_of_memory(fitted):
    fitted.generate(1, 10)  # warm up: first calls allocate Keras' own caches
    n = 80 * GENERATION_CHUNK
    tracemalloc.start()
    try:
        out = fitted.generate(1, n, random_state=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.shape == (n, 8, 8, 1) and out.dtype == np.uint8
    # Beyond the output (1.3 MB), one chunk's float64 working arrays: about five
    # of 256 * 64 * 8 bytes = 128 KiB (measured 0.65 MB, whatever n is). Keeping
    # the chunks and concatenating them needs the output twice: 1.9 MB beyond.
    chunk_bytes = GENERATION_CHUNK * 64 * 8
    assert peak - out.nbytes < 10 * chunk_bytes


def test_generate_checks_n_samples(fitted):
    empty = fitted.generate(1, 0)
    assert empty.shape == (0, 8, 8, 1) and empty.dtype == np.uint8
    assert fitted.generate(1, np.int64(3)).shape == (3, 8, 8, 1)
    with pytest.raises(ValueError, match="n_samples must be >= 0, got -1"):
        fitted.generate(1, -1)
    for bad in (2.5, "3", True, None):
        with pytest.raises(TypeError, match="n_samples must be an int"):
            fitted.generate(1, bad)


def test_integer_extremes_do_not_wrap_around():
    for dtype in (np.int64, np.uint64, np.int32):
        info = np.iinfo(dtype)
        X = np.array([[info.min], [info.max]], dtype=dtype)
        fmt = gansampler._images.describe(X)
        out = gansampler._images.from_training(np.array([[-1.0], [1.0], [1.5]]), fmt)
        assert out.dtype == dtype
        assert out[0, 0] == info.min
        assert info.max - out[1, 0] <= 2048 and out[2, 0] == out[1, 0]


# -------------------------------------------------------- nothing lost
@pytest.mark.parametrize("layout, writeable", [("nhwc", False), ("flat", True)])
def test_inputs_are_never_modified(images, writeable, layout):
    X, y = images
    X = (X / 255.0).astype(np.float32)
    params = dict(TINY)
    if layout == "flat":
        X, params["image_shape"] = X.reshape(16, -1).copy(), (8, 8)
    y = y.copy()
    X.setflags(write=writeable)
    y.setflags(write=writeable)
    X_before, y_before = X.copy(), y.copy()

    X_res, y_res = DCGANOverSampler(**params).fit_resample(X, y)

    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    assert X.flags.writeable is writeable and y.flags.writeable is writeable
    assert not np.shares_memory(X_res, X) and not np.shares_memory(y_res, y)
    assert X_res.flags.writeable and y_res.flags.writeable
    np.testing.assert_array_equal(X_res[:16], X)


def _files(folder):
    return sorted(
        str(p.relative_to(folder)).replace(os.sep, "/")
        for p in folder.rglob("*")
        if p.is_file()
    )


def test_snapshots_stay_inside_their_folder(images, tmp_path):
    X, y = images
    labels = np.array(["../escape", "fine"])[1 - y]  # the minority is "../escape"
    (tmp_path / "outside.txt").write_text("outside")
    snapshots = tmp_path / "snapshots"
    snapshots.mkdir()
    (snapshots / "mine.txt").write_text("mine")
    DCGANOverSampler(**TINY, snapshot_dir=snapshots, snapshot_every=1).fit_resample(
        X, labels
    )
    assert _files(tmp_path) == [
        "outside.txt",
        "snapshots/class_.._escape/epoch_0001.keras",
        "snapshots/class_.._escape/epoch_0001.png",
        "snapshots/class_.._escape/summary.txt",
        "snapshots/mine.txt",
    ]
    assert (tmp_path / "outside.txt").read_text() == "outside"
    assert (snapshots / "mine.txt").read_text() == "mine"


def test_interrupted_grid_leaves_no_partial_file(images, tmp_path, monkeypatch):
    # Extends test_monitoring's interrupted model save to the PNG grid.
    X, y = images

    def interrupted_save(self, fp, *args, **kwargs):
        fp.write(b"\x89PNG\r\n\x1a\n half a picture")
        raise KeyboardInterrupt

    monkeypatch.setattr(Image.Image, "save", interrupted_save)
    with pytest.raises(KeyboardInterrupt):
        DCGANOverSampler(**TINY, snapshot_dir=tmp_path, snapshot_every=1).fit_resample(
            X, y
        )
    assert _files(tmp_path) == []


def test_interrupted_summary_leaves_complete_files_only(images, tmp_path, monkeypatch):
    X, y = images
    replace = os.replace

    def interrupted_replace(src, dst, *args, **kwargs):
        if os.fspath(dst).endswith("summary.txt"):
            raise KeyboardInterrupt
        return replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", interrupted_replace)
    with pytest.raises(KeyboardInterrupt):
        DCGANOverSampler(**TINY, snapshot_dir=tmp_path, snapshot_every=1).fit_resample(
            X, y
        )
    monkeypatch.undo()
    assert _files(tmp_path) == ["class_1/epoch_0001.keras", "class_1/epoch_0001.png"]
    keras.saving.load_model(tmp_path / "class_1" / "epoch_0001.keras", safe_mode=True)
    with Image.open(tmp_path / "class_1" / "epoch_0001.png") as grid:
        grid.load()


def test_interrupted_save_image_folder_keeps_whole_files_only(tmp_path, monkeypatch):
    X = np.arange(5 * 16, dtype=np.uint8).reshape(5, 4, 4)
    y = np.array([0, 1, 0, 1, 0])
    calls = []
    save = Image.Image.save

    def save_then_interrupt(self, fp, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            fp.write(b"\x89PNG\r\n\x1a\n half a picture")
            raise KeyboardInterrupt
        return save(self, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", save_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        save_image_folder(X, y, tmp_path)
    monkeypatch.undo()
    assert _files(tmp_path) == ["0/image_00000.png", "1/image_00001.png"]
    np.testing.assert_array_equal(
        np.asarray(Image.open(tmp_path / "1" / "image_00001.png")), X[1]
    )


def test_save_image_folder_never_writes_through_links(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "image_00000.png").write_bytes(b"not mine to overwrite")
    out = tmp_path / "out"
    out.mkdir()
    try:
        os.symlink(outside, out / "0", target_is_directory=True)
    except (OSError, NotImplementedError):
        pytest.skip("symbolic links not available")
    with pytest.raises(ValueError, match="leads outside"):
        save_image_folder(np.zeros((1, 4, 4), np.uint8), [0], out, overwrite=True)
    assert _files(outside) == ["image_00000.png"]
    assert (outside / "image_00000.png").read_bytes() == b"not mine to overwrite"

    # A link in place of a file is replaced, never written through.
    os.unlink(out / "0")
    (out / "0").mkdir()
    os.symlink(outside / "image_00000.png", out / "0" / "image_00000.png")
    save_image_folder(np.zeros((1, 4, 4), np.uint8), [0], out, overwrite=True)
    assert (outside / "image_00000.png").read_bytes() == b"not mine to overwrite"
    assert not os.path.islink(out / "0" / "image_00000.png")


def test_save_image_folder_refuses_a_file_in_place_of_a_class_folder(tmp_path):
    (tmp_path / "0").write_text("mine")
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        save_image_folder(np.zeros((1, 4, 4), np.uint8), [0], tmp_path)
    assert (tmp_path / "0").read_text() == "mine"


# --------------------------------------------------------- persistence
@pytest.mark.parametrize("table", [False, True], ids=["conv", "dense"])
def test_generators_round_trip_through_safe_keras_files(
    images, fitted, tmp_path, table
):
    sampler = fitted
    if table:
        X = np.random.default_rng(0).normal(size=(16, 5))
        sampler = DCGANOverSampler(**TINY)
        sampler.fit_resample(X, images[1])
    generator = sampler.generators_[1]
    path = tmp_path / "générateur 1.keras"
    generator.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)

    noise = np.random.default_rng(3).standard_normal((9, 4)).astype(np.float32)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(restored(noise, training=False)),
        keras.ops.convert_to_numpy(generator(noise, training=False)),
    )
    before = sampler.generate(1, 20, random_state=5)
    copy = DCGANOverSampler(**TINY)
    copy.__dict__.update(sampler.__dict__, generators_={1: restored})
    np.testing.assert_array_equal(copy.generate(1, 20, random_state=5), before)


# ------------------------------------------------ image folder loader
def _save(path, img, **kwargs):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    img.save(path, **kwargs)


def _gradient(h=8, w=8):
    return Image.fromarray(
        (np.arange(h * w).reshape(h, w) * (255 // (h * w))).astype(np.uint8), "L"
    )


def test_broken_files_are_skipped_and_reported(tmp_path):
    good = tmp_path / "a" / "good.png"
    _save(str(good), _gradient())
    _save(str(tmp_path / "a" / "full.jpg"), _gradient().convert("RGB"), quality=95)
    jpeg = (tmp_path / "a" / "full.jpg").read_bytes()
    png = good.read_bytes()
    broken = {
        "truncated.jpg": jpeg[: len(jpeg) // 2],
        "truncated.png": png[: len(png) // 2],
        "header-only.png": png[:8],
        "text.jpg": b"this is not a picture\n",
        "zero.png": b"",
        "html.gif": b"<html><body>404</body></html>",
    }
    for name, data in broken.items():
        (tmp_path / "a" / name).write_bytes(data)
    (tmp_path / "a" / "full.jpg").unlink()
    with pytest.warns(SkippedImagesWarning) as record:
        data = load_image_folder(tmp_path)
    assert [os.path.basename(f) for f in data.filenames] == ["good.png"]
    reasons = {os.path.basename(p): r for p, r in data.skipped}
    assert set(reasons) == set(broken)
    assert reasons["zero.png"] == "empty file (0 bytes)"
    assert all(
        r.startswith("unreadable image") for n, r in reasons.items() if n != "zero.png"
    )
    assert len(record) == 1 and all(n in str(record[0].message) for n in broken)


@pytest.mark.parametrize(
    "make, channels, pixel",
    [
        (lambda: Image.new("LA", (4, 4), (200, 128)), 1, [100]),  # alpha over black
        (lambda: Image.new("1", (4, 4), 1), 1, [255]),
        (lambda: Image.new("I", (4, 4), 257 * 40), 1, [40]),  # 32-bit, 16-bit range
        (lambda: Image.new("F", (4, 4), 0.5), 1, [128]),  # floats in [0, 1]
        (lambda: Image.new("RGBA", (4, 4), (255, 0, 0, 0)), 3, [0, 0, 0]),
    ],
    ids=["LA", "1-bit", "I-32", "F-float", "RGBA-transparent"],
)
def test_other_image_modes(tmp_path, make, channels, pixel):
    _save(str(tmp_path / "a" / "x.tiff"), make())
    with warnings.catch_warnings():
        warnings.simplefilter("error", SkippedImagesWarning)
        data = load_image_folder(tmp_path)
    assert data.images.shape == (1, 4, 4, channels) and data.images.dtype == np.uint8
    assert np.abs(data.images[0, 0, 0].astype(int) - pixel).max() <= 1


def test_palette_with_transparency_and_animated_gif(tmp_path):
    pal = Image.new("P", (4, 4), 1)
    pal.putpalette([0, 0, 0, 255, 255, 255] + [0] * (256 * 3 - 6))
    pal.info["transparency"] = 1  # the white index is transparent
    _save(str(tmp_path / "a" / "p.png"), pal, transparency=1)
    frames = [Image.new("L", (4, 4), v) for v in (10, 200)]
    _save(
        str(tmp_path / "b" / "anim.gif"),
        frames[0],
        save_all=True,
        append_images=frames[1:],
    )
    data = load_image_folder(tmp_path)
    assert data.images.shape == (2, 4, 4, 1)
    assert (data.images[0] == 0).all()  # transparent white over black
    assert abs(int(data.images[1].mean()) - 10) <= 1  # the first frame


@pytest.mark.parametrize("orientation", [2, 3, 8])  # mirrored, 180, 90 degrees
def test_more_exif_orientations(tmp_path, orientation):
    arr = np.zeros((10, 20), np.uint8)
    arr[:, 10:] = 255  # right half white: the top left is black as stored
    exif = Image.Exif()
    exif[0x0112] = orientation
    _save(str(tmp_path / "a" / "o.jpg"), Image.fromarray(arr), exif=exif, quality=95)
    image = load_image_folder(tmp_path).images[0, ..., 0].astype(int)
    assert image.shape == ((20, 10) if orientation == 8 else (10, 20))
    # Each of these puts the white half at the top left, the black at the bottom right.
    assert image[0, 0] > 215 and image[-1, -1] < 40


def _csv(path, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as f:
        csv.writer(f).writerows([["image", "level"], *rows])
    return path


def test_csv_rows_that_are_missing_duplicated_unknown_or_outside(tmp_path):
    root = tmp_path / "train"
    for name, value in (("10_left", 0), ("10 right é", 255), ("11_left", 90)):
        _save(str(root / f"{name}.jpeg"), Image.new("L", (4, 4), value))
    _save(str(tmp_path / "secret.png"), Image.new("L", (4, 4), 7))
    labels = _csv(
        tmp_path / "labels.csv",
        [
            ["10_left", "0"],
            ["10_left.jpeg", "0"],  # the same file, named with its extension
            ["10 right é", "2"],
            ["", "1"],  # no name
            ["11_left", ""],  # no label
            ["nowhere", "3"],  # no such file
            ["../secret", "1"],  # outside the folder
            [str(tmp_path / "secret.png"), "1"],  # absolute: outside too
        ],
    )
    with pytest.warns(SkippedImagesWarning):
        data = load_image_folder(root, labels_csv=labels)
    assert [os.path.basename(f) for f in data.filenames] == [
        "10_left.jpeg",
        "10 right é.jpeg",
    ]
    assert data.target.tolist() == [0, 2]
    reasons = [reason for _, reason in data.skipped]
    assert any("empty image name" in r for r in reasons)
    assert any("empty label for '11_left'" in r for r in reasons)
    assert any("no file for 'nowhere'" in r for r in reasons)
    assert sum("points outside the folder" in r for r in reasons) == 2
    assert any("11_left.jpeg" in p and "not listed" in r for p, r in data.skipped)


def test_csv_one_file_two_names_two_labels_is_an_error(tmp_path):
    _save(str(tmp_path / "a.png"), Image.new("L", (4, 4)))
    labels = _csv(tmp_path / "l.csv", [["a", "0"], ["a.png", "1"]])
    with pytest.raises(
        ValueError, match=r"different labels to the same image: 'a.png'"
    ):
        load_image_folder(tmp_path, labels_csv=labels)


def test_csv_that_is_not_utf8_is_an_error(tmp_path):
    _save(str(tmp_path / "é.png"), Image.new("L", (4, 4)))
    labels = _csv(tmp_path / "l.csv", [["é", "0"]], encoding="latin-1")
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        load_image_folder(tmp_path, labels_csv=labels)
