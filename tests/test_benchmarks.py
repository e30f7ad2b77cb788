"""Every script in benchmarks/ runs, on tiny data, and writes what it says.

The measurements themselves take minutes to hours; these runs take seconds:
one fold, one epoch, a handful of images. Scripts that measure a process's
first fit or change its global settings (``bench_first_fit.py``, which also
turns on JAX's compile log) run in their own process.
"""

import ast
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = REPO / "benchmarks"


@pytest.fixture(scope="module")
def script():
    """``script(name)``: the module of ``benchmarks/<name>.py``."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield importlib.import_module
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def npz(tmp_path_factory):
    """Three classes of 12x12 striped images, uint8, as export_elpv_npz writes."""
    target = np.repeat(np.arange(3), (60, 30, 30))
    noise = np.random.default_rng(0).integers(0, 60, size=(len(target), 12, 12, 1))
    stripe = np.arange(12)[None, :, None, None] // 4 == target[:, None, None, None]
    path = tmp_path_factory.mktemp("npz") / "tiny.npz"
    np.savez_compressed(
        path, images=(noise + 150 * stripe).astype(np.uint8), target=target
    )
    return path


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_script_has_a_smoke_test():
    tested = {
        "bench_first_fit",
        "bench_stacked_classes",
        "bench_training",
        "classifier_study",
        "export_elpv_npz",
        "final_comparison",
        "gan_stability_elpv",
        "gan_study",
        "pinned_drift",
        "quality_digits",
        "quality_epochs",
        "quality_small_classes",
        "start_page",
        "worker_memory",
    }
    scripts = {p.stem for p in BENCHMARKS.glob("*.py") if not p.stem.startswith("_")}
    assert scripts == tested


def test_no_script_imports_private_names():
    private = re.compile(
        r"gansampler(\.\w+)*\._[a-z]|import _[a-z]\w*|gansampler\.monitoring"
    )
    for path in BENCHMARKS.glob("*.py"):
        code = path.read_text().replace("from _common import", "")
        assert not private.search(code), (path.name, private.search(code))


def _patched_package_objects(code):
    """Assignments to attributes of names imported from gansampler, and setattr."""
    tree = ast.parse(code)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {
                (alias.asname or alias.name).split(".")[0]
                for alias in node.names
                if alias.name.split(".")[0] == "gansampler"
            }
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "gansampler"
        ):
            imported |= {alias.asname or alias.name for alias in node.names}
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            root = target
            while isinstance(root, ast.Attribute | ast.Subscript):
                root = root.value
            if target is not root and getattr(root, "id", None) in imported:
                found.append(ast.unparse(target))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in (
            "setattr",
            "delattr",
        ):
            found.append(ast.unparse(node))
    return found


def test_no_script_patches_the_package():
    assert _patched_package_objects(
        "import gansampler.architectures as a\nfrom gansampler import training\n"
        "a.build_seed_generator = None\ntraining.GANSettings.x = 1\n"
        "setattr(object, 'y', 2)\nmodel.trainable = False\n"
    ) == ["a.build_seed_generator", "training.GANSettings.x", "setattr(object, 'y', 2)"]
    for path in BENCHMARKS.glob("*.py"):
        assert not _patched_package_objects(path.read_text()), path.name


def test_common_loads_npz_and_digits(script, npz):
    common = script("_common")
    images, target = common.load_dataset(str(npz))
    assert images.shape == (120, 12, 12, 1) and images.dtype == np.uint8
    unit, _ = common.load_dataset(str(npz), unit_range=True)
    assert unit.dtype == np.float32 and unit.max() <= 1
    np.testing.assert_allclose(unit * 255, images, atol=1e-4)
    digits, digit_target = common.load_dataset("digits")
    assert digits.shape[1:] == (8, 8, 1) and len(digits) == len(digit_target)


def test_common_resamplers(script):
    common = script("_common")
    assert common.resampler("none", 3) is None
    assert common.resampler("smote", 3).k_neighbors == 2
    article = common.resampler("dcgan_article", 3, updates=2)
    assert (article.upsampling, article.updates, article.random_state) == (
        "transposed",
        2,
        0,
    )
    assert common.resampler("dcgan", 3).upsampling == "auto"


def test_workers_share_several_gpus_round_robin(script, monkeypatch, tmp_path):
    common = script("_common")
    study = script("gan_study")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2, 3")
    assert common.visible_gpus() == ["2", "3"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert common.visible_gpus() == []
    # Without the variable: nvidia-smi's "GPU i: ..." lines, MIG lines not.
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    fake = tmp_path / "nvidia-smi"
    fake.write_text(
        "#!/bin/sh\necho 'GPU 0: H100 (UUID: a)'\necho '  MIG 1g (UUID: b)'\n"
        "echo 'GPU 1: H100 (UUID: c)'\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    assert common.visible_gpus() == ["0", "1"]
    # The study's workers, in the order they start: GPU 0, 1, 0.
    import multiprocessing

    started = multiprocessing.Value("i", 0)
    seen = []
    for _ in range(3):
        study._init_worker(started, ["0", "1"])
        seen.append(os.environ.pop("CUDA_VISIBLE_DEVICES"))
    assert seen == ["0", "1", "0"]

    # One GPU: nothing is pinned.
    common.pin_to_gpu(5, ["0"])
    assert "CUDA_VISIBLE_DEVICES" not in os.environ


@pytest.mark.parametrize(("gpus", "expected"), [(1, ""), (2, "CUDA_VISIBLE_DEVICES=1")])
def test_shell_scripts_pin_processes_round_robin(tmp_path, gpus, expected):
    """``on_gpu 3`` of benchmarks/_gpus.sh: GPU 3 % 2 with two GPUs, nothing with one."""
    fake = tmp_path / "nvidia-smi"
    lines = "".join(f"echo 'GPU {i}: H100 (UUID: {i})'\n" for i in range(gpus))
    fake.write_text("#!/bin/sh\n" + lines)
    fake.chmod(0o755)
    helper = Path(__file__).parents[1] / "benchmarks" / "_gpus.sh"
    out = subprocess.run(
        ["bash", "-c", f'. "{helper}"; on_gpu 3'],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"},
    )
    assert out.stdout.strip() == expected


@pytest.mark.parametrize("running", [False, True])
def test_study_scripts_run_under_mps_unless_turned_off(tmp_path, running):
    """mps_by_default: the daemon starts before the work and quits at exit;
    one that runs already is shared and left running; MPS=0 uses none."""
    log = tmp_path / "calls"
    fake = tmp_path / "nvidia-cuda-mps-control"
    # A running daemon: '-d' fails (as the real one does), a query answers.
    start_fails = 'case "$*" in -d) exit 1;; esac\n' if running else ""
    fake.write_text(f'#!/bin/sh\necho "args:$* stdin:$(cat)" >>{log}\n{start_fails}')
    fake.chmod(0o755)
    helper = Path(__file__).parents[1] / "benchmarks" / "_gpus.sh"
    script = (
        f'. "{helper}"; mps_by_default; '
        f'echo "work pipe=${{CUDA_MPS_PIPE_DIRECTORY:-none}}" >>{log}'
    )
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    env.pop("MPS", None)
    env.pop("CUDA_MPS_PIPE_DIRECTORY", None)
    env["CUDA_MPS_LOG_DIRECTORY"] = str(tmp_path / "log")

    def run(**extra):
        subprocess.run(
            ["bash", "-c", script],
            env={**env, **extra},
            stdin=subprocess.DEVNULL,
            check=True,
        )
        calls = log.read_text().splitlines()
        log.unlink()
        return calls

    pipe = str(tmp_path / "pipe")
    calls = run(CUDA_MPS_PIPE_DIRECTORY=pipe)
    if running:
        assert calls == [
            "args:-d stdin:",
            "args: stdin:get_server_list",
            f"work pipe={pipe}",
        ]  # shared, never told to quit
    else:
        assert calls == ["args:-d stdin:", f"work pipe={pipe}", "args: stdin:quit"]
    assert run(MPS="0") == ["work pipe=none"]


def test_final_comparison(script, npz, tmp_path, capsys):
    final = script("final_comparison")
    out = tmp_path / "final"
    final.main(
        ["run", "--dataset", str(npz), "--folds", "0", "--resamplers", "none",
         "dcgan", "--classifier-epochs", "1", "--gan-updates", "1",
         "--precision", "float32", "--out", str(out)]
    )  # fmt: skip
    records = _lines(out / "folds.jsonl")
    assert [(r["resampler"], r["augmentation"]) for r in records] == [
        (name, augmentation)
        for name in ("none", "dcgan")
        for augmentation in ("", final.AUGMENTATION)
    ]
    # The second setting's augmentation keeps solar cells' busbars horizontal.
    assert "rot90" not in final.AUGMENTATION and "flip" in final.AUGMENTATION
    from gansampler.evaluation import SCORES

    for record in records:
        assert set(SCORES) <= set(record) and record["n_test"] == 24
    assert records[-1]["settings"]["upsampling"] == "resize"
    assert (out / "grids_dcgan_fold0.png").exists()
    final.main(["summary", str(out / "folds.jsonl")])
    printed = capsys.readouterr().out
    assert "| dcgan | 1 |" in printed  # the folds each row averages
    lowest = min(r["balanced_accuracy"] for r in records)
    assert f"- lowest balanced accuracy of any fold: {lowest:.3f}" in printed


def test_gan_study(script, npz, tmp_path, capsys):
    study = script("gan_study")
    task = {
        "dataset": str(npz), "name": "tiny", "out": str(tmp_path), "fold": 0,
        "classifier_epochs": 1, "gan_params": {"updates": 1}, "max_fake": 8,
        "extractor_epochs": 1,
    }  # fmt: skip
    assert Path(study.fit_extractor(task)).exists()
    records = [
        study.run_task({**task, "config": config}) for config in ("none", "article")
    ]
    assert set(study.SCORES) <= set(records[0]) and "roc_auc" not in records[0]
    assert records[1]["settings"]["upsampling"] == "transposed"
    assert set(records[1]["quality"]) == {"1", "2"}
    for scores in records[1]["quality"].values():
        assert np.isfinite(scores["kid_log1p"])
    np.testing.assert_allclose(
        study.symlog(np.array([0.0, 1.0, -1.0, np.e - 1])),
        [0.0, np.log(2), -np.log(2), 1.0],
    )
    from gansampler import DCGANOverSampler

    for name, params in study.CONFIGS.items():  # every configuration is valid
        DCGANOverSampler(**params)._validate_params()
        # Each names its budget and techniques whatever 'auto' gives today.
        assert params["updates"] != "auto", name
        assert "auto" not in (params["augmentation"], params["generator_ema"]), name
        if name in study.SCALE:
            assert ("+de" in name) == bool(params["generator_ema"]), name
        # Copies mixed in only where the name says so, whatever the default.
        assert ("mix50" in name) == (params["generated_fraction"] == 0.5), name
        assert params["generated_fraction"] in (0.5, 1.0), name
    log = tmp_path / "tasks.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    study.main(["summary", str(log)])
    printed = capsys.readouterr().out
    assert "article" in printed and "KID on log1p features per class" in printed


def test_gan_stability(script, npz, tmp_path):
    stability = script("gan_stability_elpv")
    assert len(
        {json.dumps(v, sort_keys=True) for v in stability.VARIANTS.values()}
    ) == len(stability.VARIANTS), "two variants train the same GAN"
    stability.main(
        ["--data", str(npz), "--out", str(tmp_path), "--variants", "article",
         "--updates", "1", "--precision", "float32", "--n-fake", "8",
         "--extractor-epochs", "1"]
    )  # fmt: skip
    import pandas as pd

    table = pd.read_csv(tmp_path / "stability.csv")
    assert table["class"].tolist() == [1, 2]
    assert (table["epochs_trained"] == 1).all()


def test_quality_scripts(script, tmp_path):
    share = script("quality_digits").recognised_share(3, 0, 1)
    assert 0 <= share <= 1
    rows = script("quality_small_classes").main(
        ["1", "--sizes", "18", "--classes", "9", "--n-new", "10"]
    )
    assert [row[:3] for row in rows] == [(18, 9, 1)]
    script("quality_epochs").main(
        ["--classes", "9", "--updates", "2", "--n-generated", "20", "--no-timing",
         "--out", str(tmp_path), "--figures", str(tmp_path),
         "--extractor-epochs", "1"]
    )  # fmt: skip
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["monitor_scorings"] == 2
    assert (tmp_path / "quality_epochs.png").exists()


def test_worker_memory(script, capsys):
    script("worker_memory").child(8, 1, 16, 8, 1, 8)
    case = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert case["image"] == "8x8x1" and case["generator_params"] > 0


def test_export_elpv_npz(script, tmp_path, monkeypatch):
    import gansampler.datasets

    def load_elpv(image_size, return_X_y):
        return np.zeros((4, image_size, image_size, 1), np.uint8), np.arange(4)

    monkeypatch.setattr(gansampler.datasets, "load_elpv", load_elpv)
    script("export_elpv_npz").main(["--sizes", "8", "--out", str(tmp_path)])
    with np.load(tmp_path / "elpv_8.npz") as data:
        assert data["images"].shape == (4, 8, 8, 1)


on_tensorflow = pytest.mark.skipif(
    __import__("keras").config.backend() != "tensorflow",
    reason="the pins hold TensorFlow fits",
)


@on_tensorflow
def test_pinned_drift_fastest_cases(script, capsys):
    script("pinned_drift").main(["--cases", "dense", "validation_balanced"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["case"] for line in lines] == ["dense", "validation_balanced"]
    for line in lines:
        assert set(line) == {"case", "rounding", "other_seed", "environment"}
        assert set(line["rounding"]) == set(line["other_seed"])
        # Recorded on this kind of machine: rounding only.
        assert max(line["rounding"].values()) < 1e-3, line
        assert max(line["other_seed"].values()) > 1e-3, line
    assert set(lines[1]["rounding"]) == {"proba", "history"}


@on_tensorflow
def test_pinned_drift_records_classifier_pins(script, tmp_path):
    data = REPO / "tests" / "data"
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    path = tmp_path / "pinned_classifier.json"
    script("pinned_drift").main(
        ["--cases", "validation_balanced", "--record", str(path)]
    )
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before
    got = json.loads(path.read_text())
    want = json.loads((data / "pinned_classifier.json").read_text())
    assert list(got) == ["validation_balanced"]
    got, want = got["validation_balanced"], want["validation_balanced"]
    assert set(got) == set(want) == {"proba", "history"}
    assert np.shape(got["proba"]) == np.shape(want["proba"])
    np.testing.assert_allclose(got["proba"], want["proba"], atol=1e-3)
    assert got["proba"] == np.round(got["proba"], 6).tolist()
    assert set(got["history"]) == set(want["history"])
    for name, values in want["history"].items():
        np.testing.assert_allclose(got["history"][name], values, atol=1e-3)
        assert got["history"][name] == np.round(got["history"][name], 5).tolist()


def test_classifier_study_epochs_match_auto(script, npz):
    """The script's epochs for an update budget are those of epochs="auto"."""
    from imblearn.over_sampling import RandomOverSampler

    from gansampler._classifier_training import (
        UPDATES,
        auto_epochs,
        grouped_validation_split,
    )
    from gansampler._seeding import MAX_SEED

    study = script("classifier_study")
    for n in (10, 77, 320, 1679, 5000, 100_000):
        steps = int(np.ceil(n / 32))
        assert study.epochs_for(UPDATES, n) == auto_epochs("auto", steps)
    images, y = study.load(npz)
    flat, y_over = RandomOverSampler(random_state=0).fit_resample(
        images.reshape(len(images), -1), y
    )
    over = flat.reshape(-1, *images.shape[1:])
    for X, target in ((images, y), (over, y_over)):
        for random_state in (0, 3):
            seed = np.random.RandomState(random_state).randint(MAX_SEED)
            train, _ = grouped_validation_split(X, target, 0.1, seed, 3)
            assert study.n_trained(X, target, 0.1, random_state) == len(train)
        assert study.n_trained(X, target, 0.0, 0) == len(target)


def test_classifier_study(script, npz, tmp_path, capsys):
    study = script("classifier_study")
    out = tmp_path / "inner.jsonl"
    study.main(
        ["inner", "--data", str(npz), "--folds", "0", "--configs", "resnet_val",
         "--resamplers", "random_over", "--epochs", "1", "--out", str(out)]
    )  # fmt: skip
    [row] = _lines(out)
    assert (row["stage"], row["fold"], row["config"], row["resampler"]) == (
        "inner", 0, "resnet_val", "random_over"
    )  # fmt: skip
    assert row["epochs"] == 1 and row["best_epoch"] == 1
    assert 0 <= row["balanced_accuracy"] <= 1
    # 76 of the outer fold's 96 images train (38 of class 0), over-sampled.
    assert row["n_train"] == 3 * 38
    assert 0 <= row["flips_balanced_accuracy"] <= 1
    capsys.readouterr()
    study.main(["summary", str(out)])
    assert "| inner | resnet_val | random_over | 1 |" in capsys.readouterr().out

    class TopLeft:  # class 0 with the top-left pixel's value as probability
        classes_ = np.array(["a", "b"])

        def predict_proba(self, X):
            p = X[:, 0, 0, 0]
            return np.stack([p, 1 - p], axis=1)

    corners = np.full((1, 4, 4, 1), 0.5)
    corners[0, 0, 0] = 0.9
    corners[0, 0, -1] = corners[0, -1, 0] = corners[0, -1, -1] = 0.1
    # The image alone says "a" (0.9); averaged over its flips, the four
    # corners say "b" (0.3).
    as_is = TopLeft().predict_proba(corners)
    assert list(study.flip_averaged(TopLeft(), corners, as_is)) == ["b"]
    assert TopLeft().predict_proba(corners)[0, 0] == 0.9

    # Two settings' probabilities averaged: A alone says class 0 twice (0.5),
    # B is right on both (1.0) and so is their average.
    def record(config, proba, score):
        return {"stage": "inner", "fold": 0, "config": config, "resampler": "none",
                "balanced_accuracy": score, "accuracy": score, "fit_seconds": 1,
                "epochs": 1, "classes": [0, 1], "target": [0, 1], "proba": proba}  # fmt: skip

    both = tmp_path / "two.jsonl"
    both.write_text(
        json.dumps(record("A", [[0.6, 0.4], [0.6, 0.4]], 0.5)) + "\n"
        + json.dumps(record("B", [[0.9, 0.1], [0.1, 0.9]], 1.0)) + "\n"
    )  # fmt: skip
    capsys.readouterr()
    study.main(["summary", str(both)])
    assert "| inner | none | 2 | 1 | 1.000 | 0.750 | 1.000 |" in capsys.readouterr().out


def test_classifier_study_compares_settings_with_the_default(script, tmp_path, capsys):
    study = script("classifier_study")
    # resnet_flip beats resnet by 0.1 and 0.2; its test-time flips add 0.05
    # on both folds.
    scores = {("resnet", 0): 0.5, ("resnet", 1): 0.4, ("resnet_flip", 0): 0.6,
              ("resnet_flip", 1): 0.6}  # fmt: skip
    path = tmp_path / "inner.jsonl"
    path.write_text(
        "".join(
            json.dumps({"stage": "inner", "fold": fold, "config": config,
                        "resampler": "none", "balanced_accuracy": score,
                        "accuracy": score, "flips_balanced_accuracy": score + 0.05,
                        "flips_accuracy": score, "fit_seconds": 1, "epochs": 1})
            + "\n"
            for (config, fold), score in scores.items()
        )
    )  # fmt: skip
    study.main(["summary", str(path)])
    out = capsys.readouterr().out
    assert (
        "| inner | none | resnet_flip − resnet, as is | 2 | +0.150 | 0.071 | 2 |" in out
    )
    assert "| inner | none | resnet_flip: test-time flips − as is | 2 | +0.050 |" in out
    assert "| inner | none | resnet − resnet," not in out


def _run(args, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(REPO), "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True,
        cwd=REPO, check=True, timeout=300, **kwargs,
    )  # fmt: skip


def test_bench_first_fit():
    done = _run(
        [str(BENCHMARKS / "bench_first_fit.py"), "fit", "--size", "8",
         "--n-images", "16", "--updates", "2", "--batch", "8", "--fits", "1",
         "--precision", "float32"]
    )  # fmt: skip
    result = json.loads(done.stdout.split("RESULT ", 1)[1])
    [fit] = result["fits"]
    phases = fit["phases_s"]
    # The keys docs/benchmarks.md reads; each phase ran in a first fit.
    assert set(phases) == {
        "build_networks", "make_trainer", "load", "to_device", "train_calls",
        "save", "checkpoints", "final_generation", "unaccounted",
    }  # fmt: skip
    for name, seconds in phases.items():
        if name != "unaccounted":
            assert seconds >= 0 and fit["phase_calls"][name] >= 1, (name, fit)
    assert phases["train_calls"] > 0 and fit["train_calls"] >= 1
    assert phases["train_calls"] + phases["checkpoints"] <= fit["wall_s"]
    if result["backend"] == "jax":  # programs found in the phase compiling them
        assert fit["programs_by_phase"]["train_calls"][0] >= 1, fit


def test_bench_stacked_classes():
    # The script runs on JAX whatever the suite's backend.
    done = _run(
        [str(BENCHMARKS / "bench_stacked_classes.py"), "--classes", "1", "2",
         "--size", "8", "--batch", "4", "--steps", "2", "--calls", "1"]
    )  # fmt: skip
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [row["classes"] for row in rows] == [1, 2]
    for row in rows:
        assert row["updates_per_s_per_class"] > 0 and row["size"] == 8
        assert row["updates_per_s_all_classes"] == pytest.approx(
            row["classes"] * row["updates_per_s_per_class"], rel=0.01
        )


def test_bench_training_digits(script, capsys):
    bench = script("bench_training")
    bench.main(["digits", "--updates", "1"])
    assert "DIGITS fit_resample" in capsys.readouterr().out


def test_start_page(tmp_path):
    _run(
        [str(BENCHMARKS / "start_page.py"), "--out", str(tmp_path), "--",
         "--folds", "2", "--updates", "1", "--classifier-epochs", "1",
         "--resamplers", "dcgan"]
    )  # fmt: skip
    assert (tmp_path / "real_vs_generated.png").exists()
    assert "--folds 2" in (tmp_path / "run.txt").read_text()
