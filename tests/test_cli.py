"""The ``gansampler`` command: compare, balance, help and errors."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gansampler._cli_inputs import _load_npz
from gansampler.cli import main
from gansampler.datasets import load_image_folder, save_image_folder

PNG = b"\x89PNG\r\n\x1a\n"


def one_error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("gansampler: error: ")
    return err[0]


@pytest.fixture(scope="module")
def elpv_like_npz(tmp_path_factory):
    """An .npz in the layout of benchmarks/export_elpv_npz.py: uint8 (n, 16, 16, 1).

    Four classes 30 / 12 / 6 / 9 with class-specific stripes plus noise.
    """
    rng = np.random.default_rng(0)
    counts = (30, 12, 6, 9)
    target = np.repeat(np.arange(4), counts)
    images = rng.integers(0, 60, size=(len(target), 16, 16, 1))
    for i, label in enumerate(target):
        images[i, 4 * label : 4 * label + 4] += 150
    path = tmp_path_factory.mktemp("npz") / "elpv_16.npz"
    np.savez_compressed(path, images=images.astype(np.uint8), target=target)
    return path


def test_compare_writes_table_plot_and_grids(elpv_like_npz, tmp_path, capsys):
    out = tmp_path / "out"
    status = main(
        [
            "compare", "--dataset", str(elpv_like_npz), "--folds", "2",
            "--resamplers", "none,random_over,dcgan", "--updates", "1",
            "--classifier-epochs", "2", "--out", str(out),
        ]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert status == 0, captured.err
    # The table is printed, one row per resampler, with the defaults announced.
    assert "balanced accuracy" in captured.out and "macro-F1" in captured.out
    for name in ("none", "random_over", "dcgan"):
        assert any(line.startswith(name) for line in captured.out.splitlines())
    assert "Defaults used" not in captured.out  # every default was overridden
    assert "50% of the new images generated, the rest copies." in captured.out
    # Under the table: which differences are beyond the noise, and the cheapest
    # resampler that no other beats.
    out_lines = captured.out.splitlines()
    assert any(line.startswith("Beyond the noise of the folds?") for line in out_lines)
    for name in ("random_over", "dcgan"):
        (line,) = [x for x in out_lines if x.startswith(f"  {name} ")]
        verdict = r"(better than|worse than|within noise of|the same as|vs) none\b"
        assert re.search(verdict, line), line
    assert any(
        line.startswith("Cheapest resampler that no other beats significantly: ")
        for line in out_lines
    )
    # Progress: one line per fold and resampler on stderr.
    assert captured.err.count("fold 1/2") == 3 and captured.err.count("fold 2/2") == 3
    table = pd.read_csv(out / "table.csv", index_col=0)
    assert list(table.index) == ["none", "random_over", "dcgan"]
    assert table["n_folds"].tolist() == [2, 2, 2]
    assert ((table["balanced_accuracy_mean"] >= 0) & (table["roc_auc_mean"] <= 1)).all()
    assert len(pd.read_csv(out / "folds.csv")) == 6
    assert len(pd.read_csv(out / "tests.csv")) == 5 * 2
    data = json.loads((out / "results.json").read_text())
    assert data["params"]["class_counts"] == {"0": 30, "1": 12, "2": 6, "3": 9}
    assert (out / "comparison.png").read_bytes()[:8] == PNG
    grids = sorted(p.name for p in out.glob("generated_class_*.png"))
    assert grids == [f"generated_class_{k}.png" for k in (1, 2, 3)]
    assert all((out / g).read_bytes()[:8] == PNG for g in grids)
    assert not (out / "folds.partial.csv").exists()
    # Every file is written as a normal file is (no 0600 left by a temporary).
    mask = os.umask(0o022)
    os.umask(mask)
    modes = {p.name: p.stat().st_mode & 0o777 for p in out.iterdir()}
    assert modes == dict.fromkeys(modes, 0o666 & ~mask)


def test_a_rerun_keeps_the_folds_of_an_interrupted_run(elpv_like_npz, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    earlier = "resampler,fold,balanced_accuracy\nnone,0,0.5\n"
    (out / "folds.partial.csv").write_text(earlier)
    argv = [
        "compare", "--dataset", str(elpv_like_npz), "--folds", "2",
        "--resamplers", "none", "--classifier-epochs", "1", "--verbose", "0",
        "--out", str(out),
    ]  # fmt: skip
    assert main(argv) == 0
    previous = out / "folds.partial.previous.csv"
    assert f"interrupted run are now in {previous}" in capsys.readouterr().err
    assert previous.read_text() == earlier
    assert not (out / "folds.partial.csv").exists()  # this run ended
    assert len(pd.read_csv(out / "folds.csv")) == 2


def test_partial_results_grow_one_complete_row_at_a_time(tmp_path):
    import csv

    from gansampler._cli_compare import _partial_results_writer

    path = tmp_path / "folds.partial.csv"
    records = [
        {"resampler": "none", "fold": 0, "balanced_accuracy": 0.5, "error": ""},
        {"resampler": "smote", "fold": 0, "balanced_accuracy": float("nan"),
         "error": "ValueError: a, b"},
    ]  # fmt: skip
    callback = _partial_results_writer(path)
    expected = tmp_path / "expected.csv"
    for i, record in enumerate(records):
        callback(dict(record))
        with open(expected, "a", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, fieldnames=list(record))
            if i == 0:
                writer.writeheader()
            writer.writerow(record)
        assert path.read_bytes() == expected.read_bytes()
        assert len(pd.read_csv(path)) == i + 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["expected.csv", path.name]


def test_balance_writes_only_generated_images_and_refuses_to_overwrite(
    tmp_path, capsys
):
    rng = np.random.default_rng(0)
    source = tmp_path / "images"
    X = rng.integers(0, 256, size=(26, 8, 8, 1), dtype=np.uint8)
    y = np.array(["cat"] * 20 + ["dog"] * 6)
    save_image_folder(X, y, source)
    out = tmp_path / "generated"
    status = main(["balance", str(source), "--out", str(out), "--updates", "1"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "Wrote 14 generated images" in captured.out
    data = load_image_folder(out)
    assert data.images.shape == (14, 8, 8, 1)
    assert set(data.target.tolist()) == {"dog"}
    assert not (out / "cat").exists()
    # Generated, every one: none is a copy of a real image (the sampler's
    # default generated_fraction would make half of them copies).
    real = {image.tobytes() for image in X}
    assert not any(image.tobytes() in real for image in data.images)
    # Files and folders get the permissions the umask gives (not 0600).
    mask = os.umask(0o022)
    os.umask(mask)
    assert {p.stat().st_mode & 0o777 for p in out.rglob("*.png")} == {0o666 & ~mask}
    assert (out / "dog").stat().st_mode & 0o777 == 0o777 & ~mask
    before = sorted(p.stat().st_mtime_ns for p in out.rglob("*.png"))

    status = main(["balance", str(source), "--out", str(out), "--updates", "1"])
    assert status == 2
    assert "not empty" in one_error_line(capsys)
    assert sorted(p.stat().st_mtime_ns for p in out.rglob("*.png")) == before


def test_balance_refuses_a_generated_fraction_below_one(tmp_path, capsys):
    source = tmp_path / "images"
    X = np.zeros((12, 8, 8, 1), dtype=np.uint8)
    save_image_folder(X, np.array(["cat"] * 9 + ["dog"] * 3), source)
    argv = ["balance", str(source), "--out", str(tmp_path / "out")]
    assert main([*argv, "--gan-param", "generated_fraction=0.5"]) == 2
    assert "balance writes generated images only" in one_error_line(capsys)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["compare", "--dataset", "/no/such/folder"], "neither 'digits'"),
        (["compare", "--dataset", "/no/such/file.npz"], "no such file"),
        (["compare", "--resamplers", "none,bogus"], "unknown resampler(s) 'bogus'"),
        (["compare", "--folds", "0"], "--folds"),
        (["compare", "--updates", "many"], "--updates"),
        (["compare", "--dataset", "digits", "--image-size", "32"], "--image-size"),
        (["balance", "/no/such/folder", "--out", "x"], "image folder not found"),
        (["balance", "/tmp"], "--out"),
        (["frobnicate"], "invalid choice"),
        (
            ["compare", "--gan-param", "bogus=1"],
            "--gan-param 'bogus=1': expected NAME=VALUE",
        ),
        (["compare", "--gan-param", "d_learning_rate"], "expected NAME=VALUE"),
        (
            ["compare", "--gan-param", "d_learning_rate=-1"],
            "'d_learning_rate' parameter",
        ),
    ],
)
def test_errors_are_one_line(argv, expected, capsys):
    assert main(argv) == 2
    assert expected in one_error_line(capsys)


def test_gan_params_are_parsed_as_python_literals():
    from gansampler._cli_inputs import _gan_params

    assert _gan_params(
        ["d_learning_rate=2e-4", "architecture=seed", "batch_norm=False"]
    ) == {
        "d_learning_rate": 2e-4,
        "architecture": "seed",
        "batch_norm": False,
    }
    assert _gan_params(None) == {}


def test_the_protocol_line_says_how_the_new_images_are_made():
    from gansampler._cli_compare import _generated_share

    assert _generated_share({}) == "50% of the new images generated, the rest copies"
    assert _generated_share({"generated_fraction": 1.0}) == "every new image generated"
    assert _generated_share({"generated_fraction": 0.25}).startswith("25% ")


def test_npz_without_the_arrays_is_one_line(tmp_path, capsys):
    path = tmp_path / "bad.npz"
    np.savez(path, x=np.zeros(3))
    assert main(["compare", "--dataset", str(path)]) == 2
    assert "'images'" in one_error_line(capsys)


def test_npz_resized_only_from_values_it_can_resize(tmp_path, capsys):
    # Float pixels of 0-255: resizing would clip them to [0, 1], all white.
    path = tmp_path / "floats.npz"
    images = np.random.default_rng(0).uniform(0, 255, (6, 12, 12))
    np.savez(path, images=images, target=np.arange(6) % 2)
    assert main(["compare", "--dataset", str(path), "--image-size", "8"]) == 2
    line = one_error_line(capsys)
    assert "--image-size" in line and "float64 values in [" in line
    # In [0, 1] they are resized as they are.
    np.savez(path, images=images / 255, target=np.arange(6) % 2)
    X, _ = _load_npz(str(path), 8)
    assert X.shape == (6, 8, 8, 1) and 0.2 < X.mean() < 0.8


def test_elpv_not_installed_is_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "elpv_dataset", None)
    monkeypatch.setitem(sys.modules, "elpv_dataset.utils", None)
    assert main(["compare", "--dataset", "elpv"]) == 2
    assert f"{sys.executable} -m pip install elpv-dataset" in one_error_line(capsys)


def test_missing_extra_is_reported_before_keras_is_loaded():
    # A fresh interpreter, elpv-dataset unimportable in it: the advice must come
    # at once (Keras and TensorFlow take seconds to load) and name its own pip.
    script = (
        "import sys\n"
        "sys.modules['elpv_dataset'] = None\n"
        "from gansampler.cli import main\n"
        "status = main(['compare', '--dataset', 'elpv'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'keras', 'tensorflow', 'jax', 'torch'})\n"
        "print('HEAVY', heavy, 'STATUS', status)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.splitlines()[-1] == "HEAVY [] STATUS 2", done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("gansampler: error: --dataset elpv needs")
    assert line.endswith(f"{sys.executable} -m pip install elpv-dataset")


def test_folds_below_two_name_the_option(capsys):
    assert main(["compare", "--folds", "1"]) == 2
    line = one_error_line(capsys)
    assert "argument --folds: must be an int of at least 2" in line
    assert "got '1'" in line and "n_splits" not in line


def test_library_messages_about_folds_name_the_options():
    from gansampler.cli import _in_command_terms

    assert _in_command_terms("n_splits must be an int >= 2, got 1.", "compare") == (
        "--folds must be an int >= 2, got 1."
    )
    assert "--repeats" in _in_command_terms("n_repeats must be >= 1", "compare")


def test_npz_extension_in_upper_case(tmp_path, capsys):
    rng = np.random.default_rng(0)
    path = tmp_path / "DATA.NPZ"
    target = np.array([0] * 12 + [1] * 6)
    images = rng.integers(0, 256, (len(target), 8, 8), dtype=np.uint8)
    with open(path, "wb") as file:  # np.savez would add ".npz" to the name
        np.savez(file, images=images, target=target)
    argv = [
        "compare", "--dataset", str(path), "--folds", "2", "--resamplers", "none",
        "--classifier-epochs", "1", "--verbose", "0",
    ]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    assert f"Data: {path}: 18 images of 8x8x1" in capsys.readouterr().out


def test_help_of_each_command(capsys):
    for argv, words in [
        (["--help"], ["compare", "balance", "demo"]),
        (["compare", "--help"], ["--dataset", "--folds", "--repeats", "--updates",
                                  "--classifier-epochs", "--image-size",
                                  "--resamplers", "--out", "--random-state",
                                  "--precision", "--verbose"]),
        (["balance", "--help"], ["--out", "--image-size", "--channels", "--updates",
                                  "--sampling-strategy", "--random-state"]),
        (["demo", "--help"], ["--updates", "--out"]),
    ]:  # fmt: skip
        assert main(argv) == 0
        text = capsys.readouterr().out
        for word in words:
            assert word in text, (argv, word)


def _without_tf_log_settings():
    env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the command must silence TF itself
    return env


def test_installed_command_runs_in_a_subprocess():
    exe = shutil.which("gansampler", path=str(Path(sys.executable).parent))
    assert exe is not None, "the gansampler entry point is not installed"
    env = _without_tf_log_settings()
    done = subprocess.run(
        [exe, "--help"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "compare" in done.stdout and "balance" in done.stdout
    done = subprocess.run(
        [exe, "compare", "--resamplers", "smote,gan"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    # Keras and TensorFlow were imported, and said nothing.
    assert done.stderr.splitlines() == [
        "gansampler: error: unknown resampler(s) 'gan'; choose from "
        "none,random_over,smote,adasyn,random_under,dcgan."
    ]


@pytest.mark.parametrize("command", [[], ["compare"], ["balance"], ["demo"]])
def test_help_imports_no_keras_and_writes_nothing_on_stderr(command):
    # What the entry point runs: import gansampler.cli, call main.
    script = (
        "import sys\n"
        "from gansampler.cli import main\n"
        "status = main(sys.argv[1:])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'keras', 'tensorflow', 'jax', 'torch', 'sklearn', 'imblearn', 'scipy'})\n"
        "print('HEAVY', heavy, 'STATUS', status)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *command, "--help"],
        capture_output=True, text=True, env=_without_tf_log_settings(), timeout=120,
    )  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.splitlines()[-1] == "HEAVY [] STATUS 0"
    assert "usage: gansampler" in done.stdout


def test_importing_the_package_imports_no_keras():
    script = (
        "import sys, gansampler, gansampler.cli, gansampler.evaluation\n"
        "assert 'DCGANOverSampler' in dir(gansampler)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'keras', 'tensorflow', 'jax', 'torch', 'sklearn'}))\n"
        "from gansampler import DCGANOverSampler\n"
        "print(DCGANOverSampler.__module__, 'keras' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "gansampler._sampler True"]


def test_version(capsys):
    import tomllib

    import gansampler

    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        gansampler.nothing  # noqa: B018
    assert main(["--version"]) == 0
    pyproject = tomllib.loads(
        (Path(__file__).parents[1] / "pyproject.toml").read_text()
    )
    version = pyproject["project"]["version"]
    assert capsys.readouterr().out == f"gansampler {version}\n"
    assert gansampler.__version__ == version


@pytest.fixture
def kaggle_folder(tmp_path):
    """The article's layout: images in one folder plus trainLabels.csv (image,level).

    Classes 0 (20 images) and 1 (8); the CSV names files without their
    extension. Three items are skipped: an image the CSV does not list, a
    text file and a CSV row without a file.
    """
    from PIL import Image

    folder = tmp_path / "train"
    folder.mkdir()
    rng = np.random.default_rng(0)
    rows = ["image,level"]
    for i in range(28):
        level = int(i >= 20)
        pixels = rng.integers(0, 256, (8, 8), dtype=np.uint8)
        Image.fromarray(pixels, "L").save(folder / f"{i}_left.png")
        rows.append(f"{i}_left,{level}")
    Image.fromarray(np.zeros((8, 8), np.uint8), "L").save(folder / "unlisted.png")
    (folder / "notes.txt").write_text("not an image")
    rows.append("99_right,1")
    (folder / "trainLabels.csv").write_text("\n".join(rows) + "\n")
    return folder, folder / "trainLabels.csv"


def skipped_lines(folder, labels, **columns):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        skipped = load_image_folder(folder, labels_csv=labels, **columns).skipped
    assert len(skipped) == 3
    return [f"gansampler: skipped {item}: {reason}" for item, reason in skipped]


def test_balance_reads_a_folder_with_a_labels_csv(kaggle_folder, tmp_path, capsys):
    folder, labels = kaggle_folder
    out = tmp_path / "generated"
    argv = ["balance", str(folder), "--labels", str(labels), "--out", str(out)]
    assert main([*argv, "--updates", "1", "--verbose", "0"]) == 0
    captured = capsys.readouterr()
    # Each skipped item on its own line, named as the library names it.
    assert captured.err.splitlines() == skipped_lines(folder, labels)
    assert "Wrote 12 generated images" in captured.out
    data = load_image_folder(out)
    assert data.images.shape == (12, 8, 8, 1) and set(data.target) == {1}


def test_compare_reads_a_folder_with_a_labels_csv(kaggle_folder, tmp_path, capsys):
    folder, labels = kaggle_folder
    renamed = tmp_path / "labels.csv"
    text = labels.read_text().replace("image,level", "file,grade")
    renamed.write_text(text)
    labels.unlink()
    argv = [
        "compare", "--dataset", str(folder), "--labels", str(renamed),
        "--image-column", "file", "--label-column", "grade", "--folds", "2",
        "--resamplers", "none,random_over", "--classifier-epochs", "1",
        "--verbose", "0",
    ]  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "28 images of 8x8x1" in captured.out
    assert "class counts {0: 20, 1: 8}" in captured.out
    skipped = skipped_lines(folder, renamed, image_column="file", label_column="grade")
    assert [line for line in captured.err.splitlines() if "skipped" in line] == skipped


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["compare", "--labels", "x.csv"], "--labels applies to an image folder"),
        (["compare", "--channels", "3"], "--channels applies to an image folder"),
        (["compare", "--dataset", "{folder}", "--labels", "/no/such.csv"],
         "--labels /no/such.csv: no such file"),
        (["balance", "{folder}", "--out", "{tmp}/o", "--image-column", "x"],
         "--image-column need --labels CSV"),
        (["balance", "{folder}", "--out", "{tmp}/o", "--labels", "{folder}/trainLabels.csv",
          "--label-column", "grade"], "no column(s) ['grade']"),
    ],
)  # fmt: skip
def test_labels_errors_are_one_line(argv, expected, kaggle_folder, tmp_path, capsys):
    folder, _ = kaggle_folder
    argv = [a.format(folder=folder, tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    assert expected in one_error_line(capsys)


@pytest.fixture
def no_training(monkeypatch):
    """Training of any kind fails the test: outputs must be checked first."""
    import gansampler.evaluation
    from gansampler._sampler import DCGANOverSampler

    def trained(*args, **kwargs):
        raise AssertionError("training started before the outputs were checked")

    monkeypatch.setattr(DCGANOverSampler, "fit_resample", trained)
    monkeypatch.setattr(gansampler.evaluation, "compare_resamplers", trained)


@pytest.fixture
def two_class_folder(tmp_path):
    source = tmp_path / "images"
    X = np.random.default_rng(0).integers(0, 256, (26, 8, 8, 1), dtype=np.uint8)
    save_image_folder(X, np.array(["cat"] * 20 + ["dog"] * 6), source)
    return source


def _command(kind, source, out):
    return {
        "balance": ["balance", str(source), "--out", str(out)],
        "demo": ["demo", "--out", str(out)],
        "compare": ["compare", "--resamplers", "none,dcgan", "--out", str(out)],
    }[kind]


@pytest.mark.parametrize("kind", ["balance", "demo", "compare"])
def test_an_out_that_is_a_file_fails_before_training(
    kind, two_class_folder, tmp_path, no_training, capsys
):
    out = tmp_path / "taken"
    out.write_text("precious")
    assert main(_command(kind, two_class_folder, out)) == 2
    assert f"--out {out} exists and is not a folder" in one_error_line(capsys)
    assert out.read_text() == "precious"


@pytest.mark.skipif(sys.platform != "linux", reason="/proc is Linux's")
@pytest.mark.parametrize(
    "kind, out",
    [
        ("balance", "/proc/gansampler-out"),  # cannot be made, even by root
        ("demo", "/proc/self"),  # exists; no file can be created in it
        ("compare", "/proc/self"),
    ],
)
def test_an_unwritable_out_fails_before_training(
    kind, out, two_class_folder, no_training, capsys
):
    assert main(_command(kind, two_class_folder, out)) == 2
    assert f"--out {out}: cannot write there" in one_error_line(capsys)


def test_a_folder_where_a_result_file_goes_fails_before_training(
    tmp_path, no_training, capsys
):
    out = tmp_path / "results"
    (out / "generated_class_9.png").mkdir(parents=True)
    assert main(_command("compare", None, out)) == 2
    assert "holds a folder 'generated_class_9.png'" in one_error_line(capsys)


def test_a_label_that_cannot_name_a_folder_fails_before_training(
    kaggle_folder, tmp_path, no_training, capsys
):
    folder, labels = kaggle_folder
    labels.write_text(labels.read_text().replace(",1\n", ",a/b\n"))
    out = tmp_path / "out"
    argv = ["balance", str(folder), "--labels", str(labels), "--out", str(out)]
    assert main(argv) == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert "Label 'a/b' cannot be used as a folder name" in error
    assert not out.exists()


def test_a_failed_command_removes_the_out_folder_it_made(tmp_path, monkeypatch, capsys):
    from gansampler._sampler import DCGANOverSampler

    def fails(*args, **kwargs):
        raise ValueError("the GAN failed")

    monkeypatch.setattr(DCGANOverSampler, "fit_resample", fails)
    out = tmp_path / "new" / "demo"
    assert main(["demo", "--out", str(out)]) == 2
    assert "the GAN failed" in one_error_line(capsys)
    assert not out.exists() and (tmp_path / "new").is_dir()


def test_compare_out_with_a_slash_in_a_label(tmp_path, capsys):
    rng = np.random.default_rng(0)
    target = np.array(["ok"] * 16 + ["crack/edge"] * 6)
    path = tmp_path / "labels.npz"
    images = rng.integers(0, 256, (len(target), 8, 8), dtype=np.uint8)
    np.savez(path, images=images, target=target)
    out = tmp_path / "out"
    argv = [
        "compare", "--dataset", str(path), "--folds", "2", "--resamplers", "dcgan",
        "--updates", "1", "--classifier-epochs", "1", "--verbose", "0",
        "--out", str(out),
    ]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    assert (out / "generated_class_crack_edge.png").read_bytes()[:8] == PNG
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("gen")) == [
        "generated_class_crack_edge.png"
    ]


def _options_of(command):
    from gansampler.cli import build_parser

    parser = build_parser()
    (commands,) = (a for a in parser._actions if hasattr(a, "choices") and a.choices)
    return {o for a in commands.choices[command]._actions for o in a.option_strings}


def _folder_case(case, tmp_path):
    """An image folder that the library refuses, with advice about a parameter."""
    from PIL import Image

    rng = np.random.default_rng(0)
    folder = tmp_path / case
    if case == "one image":
        y = np.array(["cat"] * 20 + ["dog"])
        save_image_folder(rng.integers(0, 256, (21, 8, 8), dtype=np.uint8), y, folder)
    elif case == "sizes":
        save_image_folder(rng.integers(0, 256, (20, 8, 8), dtype=np.uint8),
                          ["cat"] * 14 + ["dog"] * 6, folder)  # fmt: skip
        Image.fromarray(np.zeros((10, 10), np.uint8)).save(folder / "dog" / "big.png")
    elif case == "flat":
        folder.mkdir()
        for i in range(4):
            Image.fromarray(np.zeros((8, 8), np.uint8)).save(folder / f"{i}.png")
    elif case == "float":
        y = np.array([0] * 14 + [1] * 6 + [2] * 5)
        save_image_folder(rng.integers(0, 256, (25, 8, 8), dtype=np.uint8), y, folder)
    return folder


@pytest.mark.parametrize(
    "case, extra, advice, follow",
    [
        ("one image", [], "Pass --gan-param validation_fraction=None",
         ["--gan-param", "validation_fraction=None"]),
        ("sizes", [], "pass --image-size N", ["--image-size", "8"]),
        ("flat", [], "pass --labels CSV", None),
        ("float", ["--sampling-strategy", "0.5"], "--sampling-strategy 2=14",
         ["--sampling-strategy", "2=14"]),
    ],
)  # fmt: skip
def test_advice_names_options_the_command_has(
    case, extra, advice, follow, tmp_path, capsys
):
    folder = _folder_case(case, tmp_path)
    argv = ["balance", str(folder), "--out", str(tmp_path / "out"), *extra]
    assert main([*argv, "--updates", "1", "--verbose", "0"]) == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert advice in error
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", error))
    assert named and named <= _options_of("balance"), named
    library = r"(?<!--gan-param )(?<![\w-])(validation_fraction|image_size|labels_csv|sampling_strategy)\b"
    assert not re.search(library, error), error
    if follow is not None:  # the advice works
        assert main([*argv, *follow, "--updates", "1", "--verbose", "0"]) == 0
        assert "Wrote" in capsys.readouterr().out


def test_compare_advice_for_a_folder_of_mixed_sizes(tmp_path, capsys):
    folder = _folder_case("sizes", tmp_path)
    assert main(["compare", "--dataset", str(folder), "--resamplers", "none"]) == 2
    assert "pass --image-size N to resize" in one_error_line(capsys)


def test_sampling_strategy_counts_per_class(capsys, tmp_path):
    from gansampler.cli import _class_strategy, _strategy

    assert _strategy("dog=20, cat=3") == {"dog": 20, "cat": 3}
    assert _strategy("0.5") == 0.5 and _strategy("not minority") == "not minority"
    assert _class_strategy({"1": 9}, np.array([0, 1, 1])) == {1: 9}
    folder = _folder_case("float", tmp_path)
    for value, message in [
        ("dog=x", "expected LABEL=COUNT"),
        ("1=2,1=3", "each label once"),
        ("7=40", "--sampling-strategy names no class 7; the classes are 0, 1, 2."),
    ]:
        argv = ["balance", str(folder), "--out", str(tmp_path / "o"),
                "--sampling-strategy", value]  # fmt: skip
        assert main(argv) == 2
        assert message in one_error_line(capsys)


def test_gan_param_refuses_what_has_an_option(capsys, tmp_path):
    folder = _folder_case("float", tmp_path)
    out = str(tmp_path / "o")
    for argv in (
        ["balance", str(folder), "--out", out, "--gan-param", "sampling_strategy=1"],
        ["compare", "--gan-param", "random_state=1"],
    ):
        assert main(argv) == 2
        assert "have their own options" in one_error_line(capsys)


def test_compare_with_classifier_augmentation(elpv_like_npz, tmp_path, capsys):
    out = tmp_path / "out"
    argv = [
        "compare", "--dataset", str(elpv_like_npz), "--folds", "2",
        "--resamplers", "none", "--classifier-epochs", "1", "--verbose", "0",
        "--classifier-augmentation", "flip,rot90", "--out", str(out),
    ]  # fmt: skip
    assert main(argv) == 0
    assert "training images augmented by flip,rot90" in capsys.readouterr().out
    params = json.loads((out / "results.json").read_text())["params"]
    assert "augmentation='flip,rot90'" in params["classifier"]


@pytest.mark.parametrize(
    "policy, dataset, expected",
    [
        ("flip,blur", "digits", "--classifier-augmentation: unknown augmentation 'blur'"),
        ("rot90", "wide", "--classifier-augmentation: augmentation 'rot90' turns images"),
    ],
)  # fmt: skip
def test_classifier_augmentation_is_checked_before_training(
    policy, dataset, expected, tmp_path, no_training, capsys
):
    if dataset == "wide":
        dataset = str(tmp_path / "wide.npz")
        images = np.zeros((20, 8, 6), np.uint8)
        np.savez(dataset, images=images, target=np.arange(20) % 2)
    argv = ["compare", "--dataset", dataset, "--classifier-augmentation", policy]
    assert main(argv) == 2
    assert expected in capsys.readouterr().err.splitlines()[-1]


def test_help_names_every_augmentation(capsys):
    from gansampler._classifier_augmentation import POLICIES

    assert main(["compare", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    (option,) = re.findall(r"--classifier-augmentation POLICY (.*?) --", text)
    listed = option.split("names joined by commas from")[1].split(", e.g.")[0]
    named = re.findall(r"(\w+) \(", listed)
    assert tuple(named) == POLICIES


@pytest.mark.parametrize("kind", ["compare", "balance", "demo"])
def test_an_out_in_use_by_another_run_is_refused_before_training(
    kind, two_class_folder, tmp_path, no_training, capsys
):
    from gansampler._files import LOCK_NAME

    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(  # another run, alive, holding --out
        [sys.executable, "-c", "import sys; from gansampler._files import "
         "folder_lock\nwith folder_lock(sys.argv[1]):\n    print('locked', "
         "flush=True)\n    sys.stdin.readline()", str(out)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline() == "locked\n"
        assert main(_command(kind, two_class_folder, out)) == 2
        line = one_error_line(capsys)
        assert (
            f"--out {out} is in use by another gansampler run (PID {holder.pid})"
            in line
        )
        assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]  # nothing written
    finally:
        holder.communicate("\n", timeout=60)
    assert list(out.iterdir()) == []


# Runs the program as its entry point does (``main()`` reading sys.argv), in a
# process whose shutdown takes a minute: a stand-in for the seconds that
# TensorFlow's and Keras' exit handlers and garbage take after training.
SLOW_SHUTDOWN_PROGRAM = (
    "import atexit, runpy, sys, time\n"
    "atexit.register(time.sleep, 60)\n"
    "sys.argv[0] = 'gansampler'\n"
    "runpy.run_module('gansampler.cli', run_name='__main__')\n"
)


def _default_sigint():
    # A process started from a terminal answers Ctrl-C; one started by a
    # process that ignores SIGINT (a pytest-xdist worker, a shell's background
    # job) inherits the ignoring. Start the program as a terminal would.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_program(argv):
    import threading

    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_SHUTDOWN_PROGRAM, *argv],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_without_tf_log_settings(), preexec_fn=_default_sigint,
    )  # fmt: skip
    lines = []

    def read(stream):
        for line in stream:
            lines.append(line.rstrip("\n"))

    readers = [threading.Thread(target=read, args=(s,), daemon=True)
               for s in (process.stdout, process.stderr)]  # fmt: skip
    for reader in readers:
        reader.start()
    return process, lines, readers


def _wait_for(process, lines, text, timeout=240):
    import time

    end = time.monotonic() + timeout
    while not any(text in line for line in lines):
        assert process.poll() is None, lines
        assert time.monotonic() < end, lines
        time.sleep(0.1)


@pytest.mark.parametrize("kind", ["compare", "balance", "demo"])
def test_ctrl_c_ends_the_command_within_seconds(
    kind, elpv_like_npz, two_class_folder, tmp_path, capsys
):
    import signal
    import time

    out = tmp_path / "out"
    argv = {  # long training: the interrupt comes while a GAN trains
        "compare": ["compare", "--dataset", str(elpv_like_npz), "--folds", "2",
                    "--resamplers", "none,dcgan", "--updates", "5000",
                    "--classifier-epochs", "1"],
        "balance": ["balance", str(two_class_folder), "--updates", "5000"],
        "demo": ["demo", "--updates", "5000"],
    }[kind]  # fmt: skip
    # --verbose 2 prints a line per GAN epoch: the first one says that the
    # training step is compiled (compiling cannot be interrupted) and runs.
    process, lines, readers = _start_program(
        [*argv, "--verbose", "2", "--out", str(out)]
    )
    try:
        # compare: the first fold of 'none' is scored, dcgan's GAN trains.
        started = {"compare": "[1/4]", "balance": "Loaded", "demo": "Imbalanced"}
        _wait_for(process, lines, started[kind])
        _wait_for(process, lines, ", epoch 1/")
        time.sleep(1)
        if kind == "compare":  # meanwhile, a second run into the same --out
            assert main([*argv, "--out", str(out)]) == 2
            assert f"in use by another gansampler run (PID {process.pid})" in (
                one_error_line(capsys)
            )
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        status = process.wait(timeout=120)
        seconds = time.monotonic() - sent
    finally:
        process.kill()
    for reader in readers:
        reader.join(timeout=10)
    assert status == 130, lines
    assert "gansampler: error: interrupted" in lines
    # Well under the minute of the slow shutdown; a loaded 2-core machine may
    # need seconds to finish the compiled training call under way.
    assert seconds < 30, f"{seconds:.1f} s to stop; {lines}"
    if kind == "compare":
        # The scored fold is kept, whole; nothing else is left (no temporary,
        # no lock, no table of a run that did not end).
        partial = out / "folds.partial.csv"
        assert (
            f"gansampler: the folds scored before the interrupt are in {partial}"
            in lines
        )
        assert sorted(p.name for p in out.iterdir()) == ["folds.partial.csv"]
        folds = pd.read_csv(partial)
        assert folds[["resampler", "fold"]].values.tolist() == [["none", 0]]
        assert folds["balanced_accuracy"].notna().all()
    else:  # the folder the command made is removed again: nothing was written
        assert not out.exists()


def test_compare_prints_which_folds_failed_and_why(elpv_like_npz, monkeypatch, capsys):
    from imblearn.over_sampling import RandomOverSampler

    def fails(self, X, y):
        raise ValueError("no neighbours for class 2")

    monkeypatch.setattr(RandomOverSampler, "_fit_resample", fails)
    argv = [
        "compare", "--dataset", str(elpv_like_npz), "--folds", "2",
        "--resamplers", "none,random_over", "--classifier-epochs", "1",
        "--verbose", "0",
    ]  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    # On stdout, with the table: not only in folds.csv or a warning on stderr.
    assert (
        "random_over FAILED on folds 1 and 2 of 2 (no fold scored): ValueError: no "
        "neighbours for class 2" in captured.out.splitlines()
    )


def test_classifier_params_are_parsed_and_checked(capsys):
    from gansampler._cli_inputs import _classifier_params

    assert _classifier_params(["validation_split=0.1", "backbone=resnet50"]) == {
        "validation_split": 0.1,
        "backbone": "resnet50",
    }
    assert _classifier_params(None) == {}
    for setting, words in (
        ("epochs=3", "have their own options"),  # --classifier-epochs
        ("depth=3", "expected NAME=VALUE"),
        ("validation_split=2.0", "validation_split"),
    ):
        assert main(["compare", "--classifier-param", setting]) == 2
        line = one_error_line(capsys)
        assert "--classifier-param" in line and words in line


def test_compare_passes_classifier_params(elpv_like_npz, tmp_path, capsys):
    out = tmp_path / "out"
    argv = [
        "compare", "--dataset", str(elpv_like_npz), "--folds", "2",
        "--resamplers", "none", "--classifier-epochs", "1", "--verbose", "0",
        "--classifier-param", "learning_rate=0.01", "--out", str(out),
    ]  # fmt: skip
    assert main(argv) == 0
    params = json.loads((out / "results.json").read_text())["params"]
    assert "learning_rate=0.01" in params["classifier"]


def test_the_gan_shows_its_class_bars_at_the_default_verbosity_in_process():
    from gansampler import DCGANOverSampler
    from gansampler.classifiers import KerasImageClassifier
    from gansampler.evaluation._resamplers import build_pipelines

    def verbosity(verbose, n_jobs):
        pipes = build_pipelines(
            {"dcgan": DCGANOverSampler()}, KerasImageClassifier(), (8, 8, 1),
            memory=None, verbose=verbose, n_jobs=n_jobs,
        )  # fmt: skip
        steps = pipes["dcgan"].named_steps
        return steps["resampler"].verbose, steps["classifier"].verbose

    assert verbosity(1, None) == (1, 0)
    assert verbosity(1, 2) == (0, 0)  # workers would print each bar once at its end
    assert verbosity(0, None) == (0, 0)
    assert verbosity(2, 2) == (2, 1)  # the GAN's line per epoch, on stdout


@pytest.mark.parametrize(
    "settings, expected",
    [
        (["backbone='resnet50'"], "backbone='resnet50' needs images of at least 32x32"),
        (["weights='resnet50.weights.h5'"], "is given without a backbone"),
        (["class_weight={'9': 5.0}"], "class_weight has labels ['9'] that are not"),
    ],
)
def test_classifier_params_that_do_not_fit_the_data_fail_before_training(
    settings, expected, no_training, capsys
):
    argv = ["compare", "--resamplers", "none,dcgan"]  # the 8x8 digits
    for setting in settings:
        argv += ["--classifier-param", setting]
    assert main(argv) == 2
    line = capsys.readouterr().err.splitlines()[-1]
    assert line.startswith("gansampler: error: --classifier-param: ")
    assert expected in line


def test_a_cache_that_is_a_file_fails_before_training(tmp_path, no_training, capsys):
    cache = tmp_path / "cache"
    cache.write_text("precious")
    assert main(["compare", "--resamplers", "none,dcgan", "--cache", str(cache)]) == 2
    assert f"--cache {cache} exists and is not a folder" in one_error_line(capsys)
    assert cache.read_text() == "precious"


def test_the_main_job_trains_the_cpus_budget_on_a_gpu_too(monkeypatch, capsys):
    import gansampler.evaluation
    import gansampler.training
    from gansampler._cli_compare import DIGITS_DEFAULTS

    assert DIGITS_DEFAULTS["updates"] == gansampler.training.CPU_UPDATES
    seen = {}

    def compare_resamplers(X, y, *, resamplers, **kwargs):
        seen.update(resamplers)
        raise KeyboardInterrupt

    monkeypatch.setattr(gansampler.training, "gpu_count", lambda: 1)
    assert gansampler.training.default_updates() == gansampler.training.GPU_UPDATES
    monkeypatch.setattr(gansampler.evaluation, "compare_resamplers", compare_resamplers)
    assert main(["compare", "--resamplers", "none,dcgan"]) == 130
    assert seen["dcgan"].get_params()["updates"] == gansampler.training.CPU_UPDATES
    out = capsys.readouterr().out
    assert "updates 1000" in out and "DCGAN updates per class 1000" in out
