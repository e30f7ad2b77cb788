"""Atomic writes: whole files or none, with the permissions of a normal file."""

import contextlib
import os
import stat
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import TINY_GAN
from PIL import Image

import gansampler._files as files
from gansampler import DCGANOverSampler
from gansampler._files import is_plain_name, write_atomically
from gansampler.datasets import save_image_folder
from gansampler.evaluation import ComparisonResult, summarise_folds
from gansampler.plotting import plot_image_grid, save_figure, save_image_grid

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")


@contextlib.contextmanager
def umask(mask):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


@posix_only
@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600)])
@pytest.mark.parametrize("mode", ["wb", "w", "ab", "a", None])
def test_the_file_gets_the_permissions_of_a_normal_file(tmp_path, mask, expected, mode):
    def write(file):
        if mode is None:
            with open(file, "wb") as opened:
                opened.write(b"data")
        else:
            file.write(b"data" if "b" in mode else "data")

    with umask(mask):
        normal = tmp_path / "normal"
        normal.write_bytes(b"")
        path = write_atomically(tmp_path / "atomic", write, mode=mode)
    assert _mode(path) == _mode(normal) == expected
    assert path.read_bytes() == b"data"


@posix_only
def test_the_umask_is_read_and_left_as_it_was(monkeypatch):
    with umask(0o027):
        assert files._umask() == 0o027
        assert os.umask(0o027) == 0o027

        # Without /proc it is set and put back.
        def no_proc(*args, **kwargs):
            raise OSError("no /proc here")

        monkeypatch.setattr(files, "open", no_proc, raising=False)
        assert files._umask() == 0o027
        assert os.umask(0o027) == 0o027


@pytest.mark.parametrize("mode", ["wb", "w", "ab", "a", None])
def test_a_failing_writer_leaves_the_target_and_no_temporary(tmp_path, mode):
    target = tmp_path / "result.csv"
    target.write_bytes(b"old content\n")

    def failing(file):
        if mode is None:
            with open(file, "wb") as opened:
                opened.write(b"half")
        else:
            file.write(b"half" if "b" in mode else "half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_atomically(target, failing, mode=mode)
    assert target.read_bytes() == b"old content\n"
    assert _listing(tmp_path) == ["result.csv"]


def test_an_interrupted_rename_leaves_the_target_and_no_temporary(
    tmp_path, monkeypatch
):
    target = tmp_path / "grid.png"

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, lambda file: file.write(b"png"))
    monkeypatch.undo()
    assert _listing(tmp_path) == []


def test_a_reader_sees_the_old_file_or_the_new_one_never_a_part(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old\n")
    seen = []

    def slow(file):
        file.write("new, ")
        file.flush()
        seen.append(target.read_text())  # while the new file is half written
        file.write("complete\n")

    write_atomically(target, slow, mode="w")
    assert seen == ["old\n"]
    assert target.read_text() == "new, complete\n"


def test_append_modes_start_from_the_old_content(tmp_path):
    path = tmp_path / "summary.txt"
    write_atomically(path, lambda file: file.write(">1\n"), mode="a")  # new file
    write_atomically(path, lambda file: file.write(">2\r\n"), mode="a")
    write_atomically(path, lambda file: file.write(b"\x00\xff"), mode="ab")
    assert path.read_bytes() == b">1\n>2\r\n\x00\xff"  # as written, no translation
    write_atomically(path, lambda file: file.write("é"), mode="w")
    assert path.read_bytes() == "é".encode()


def test_a_path_writer_gets_a_temporary_of_the_asked_suffix(tmp_path):
    given = []

    def save(temporary):
        given.append(temporary)
        with open(temporary, "w") as file:
            file.write("model")

    path = write_atomically(
        tmp_path / "epoch_0001.keras", save, mode=None, suffix=".keras"
    )
    assert path.read_text() == "model"
    assert os.path.dirname(given[0]) == str(tmp_path)
    assert given[0].endswith(".keras") and os.path.basename(given[0]).startswith(".")
    assert _listing(tmp_path) == ["epoch_0001.keras"]


def test_unknown_mode_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match="mode must be one of"):
        write_atomically(tmp_path / "x", lambda file: None, mode="r+")
    assert _listing(tmp_path) == []


@posix_only
def test_every_writer_of_the_package_gives_normal_permissions(tmp_path):
    """Grids, snapshots, summaries, image folders, tables, JSON and figures."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (24, 8, 8, 1), dtype=np.uint8)
    y = np.array([0] * 16 + [1] * 8)
    folds = pd.DataFrame(
        {
            "resampler": ["none", "none"],
            "error": ["", ""],
            "balanced_accuracy": [0.5, 0.7],
        }
    )
    result = ComparisonResult(table=summarise_folds(folds), folds=folds, tests=folds)
    with umask(0o022):
        DCGANOverSampler(
            updates=2,
            batch_size=8,
            **{**TINY_GAN, "latent_dim": 4},
            snapshot_dir=tmp_path / "snapshots",
            snapshot_every=1,
            random_state=0,
        ).fit_resample(X, y)
        save_image_folder(X[:3], y[:3], tmp_path / "folder")
        save_image_grid(X[:4], tmp_path / "grid.png")
        save_figure(plot_image_grid(X[:4]), tmp_path / "figure.svg")
        result.to_csv(tmp_path / "table.csv")
        result.to_json(tmp_path / "results.json")
        result.plot(tmp_path / "comparison.png", metrics=["balanced_accuracy"])
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    names = {p.name for p in written}
    assert {"summary.txt", "epoch_0001.keras", "epoch_0001.png", "table.csv"} <= names
    assert {"image_00000.png", "grid.png", "figure.svg", "comparison.png"} <= names
    assert {str(p.relative_to(tmp_path)): _mode(p) for p in written} == {
        str(p.relative_to(tmp_path)): 0o644 for p in written
    }
    assert not [p for p in written if p.name.startswith(".")]
    with Image.open(tmp_path / "grid.png") as grid:
        grid.load()


@pytest.mark.parametrize(
    ("name", "plain"),
    [
        ("3", True),
        ("class_a.b", True),
        ("..hidden", True),
        ("", False),
        (".", False),
        ("..", False),
        ("a/b", False),
        ("a\0b", False),
        (f"a{os.sep}b", False),
    ],
)
def test_plain_names_stay_in_their_folder(name, plain):
    assert is_plain_name(name) is plain


# ------------------------------------------------------------------ folder_lock
HOLDER = """
import sys
from gansampler._files import folder_lock
with folder_lock(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.readline()
"""


def _holder(folder):
    """A process that holds ``folder``'s lock until its stdin is closed."""
    import subprocess

    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline() == "locked\n"
    return process


def test_a_folder_locked_by_a_live_process_is_refused(tmp_path):
    holder = _holder(tmp_path)
    try:
        assert files.lock_holder(tmp_path)[0] == holder.pid
        with pytest.raises(files.FolderLockedError, match="in use by process") as info:
            with files.folder_lock(tmp_path):
                pass
        assert info.value.pid == holder.pid
    finally:
        holder.communicate("\n", timeout=60)
    # Released at the end: the lock file is gone and the folder is free.
    assert _listing(tmp_path) == []
    assert files.lock_holder(tmp_path) is None
    with files.folder_lock(tmp_path) as lock:
        assert lock.read_text().split()[0] == str(os.getpid())
    assert _listing(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="liveness is asked with os.kill")
def test_the_lock_of_a_killed_process_is_taken_over(tmp_path):
    import signal

    holder = _holder(tmp_path)
    holder.send_signal(signal.SIGKILL)  # no chance to remove its lock
    holder.wait(timeout=60)
    assert _listing(tmp_path) == [files.LOCK_NAME]
    assert files.lock_holder(tmp_path) is None  # stale
    with files.folder_lock(tmp_path) as lock:
        assert lock.read_text().split()[0] == str(os.getpid())
        assert _listing(tmp_path) == [files.LOCK_NAME]
    assert _listing(tmp_path) == []


@pytest.mark.parametrize("stale", [False, True])
def test_of_processes_locking_at_once_exactly_one_gets_the_folder(tmp_path, stale):
    import socket
    import subprocess

    if stale:  # a dead process's lock, which each of them may take over
        done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
        lock = tmp_path / files.LOCK_NAME
        lock.write_text(f"{done.stdout.strip()} {socket.gethostname()}\n")
    # Each racer imports, waits for "go", tries the lock, says what it got and
    # keeps it until "done", which comes once every racer has answered.
    script = (
        "import contextlib, sys\n"
        "from gansampler._files import FolderLockedError, folder_lock\n"
        "sys.stdin.readline()\n"
        "with contextlib.ExitStack() as stack:\n"
        "    try:\n"
        "        stack.enter_context(folder_lock(sys.argv[1]))\n"
        "        print('got', flush=True)\n"
        "    except FolderLockedError:\n"
        "        print('refused', flush=True)\n"
        "    sys.stdin.readline()\n"
    )
    racers = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(5)
    ]  # fmt: skip
    for racer in racers:
        racer.stdin.write("go\n")
        racer.stdin.flush()
    answers = sorted(racer.stdout.readline().strip() for racer in racers)
    for racer in racers:
        racer.communicate("done\n", timeout=120)
    assert answers == ["got"] + ["refused"] * 4
    assert _listing(tmp_path) == []
