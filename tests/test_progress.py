"""Progress on stderr: a bar per GAN class and per comparison, with the time left.

On a terminal the bars are redrawn in place; written to anything else (a file,
a pipe, pytest's capture) they are not animated and appear once, in their
final state. ``verbose=0`` prints nothing.
"""

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gansampler import DCGANOverSampler
from gansampler.classifiers import KerasImageClassifier
from gansampler.evaluation import compare_resamplers

# Classes 1 and 2 train on 10 and 8 images: one batch, so 3 updates, 3 epochs.
FAST = dict(
    updates=3, batch_size=16, latent_dim=8, generator_filters=8, discriminator_filters=8
)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (44, 8, 8, 1), dtype=np.uint8)
    return X, np.array([0] * 24 + [1] * 12 + [2] * 8)


def test_verbose_0_prints_nothing(data, capsys):
    DCGANOverSampler(random_state=0, verbose=0, **FAST).fit_resample(*data)
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("verbose", [1, 2])
def test_a_bar_per_class_on_stderr_written_once_when_not_a_terminal(
    data, verbose, capsys
):
    DCGANOverSampler(random_state=0, verbose=verbose, **FAST).fit_resample(*data)
    out, err = capsys.readouterr()
    bars = [line for line in err.splitlines() if line.strip()]
    assert len(bars) == 2, err  # classes 1 and 2, one final line each
    for label, bar in zip((1, 2), bars, strict=True):
        assert re.match(rf"class {label} .* 3/3 epochs \d:\d\d:\d\d left ", bar), bar
        assert re.search(r"d1=\d\.\d{3} d2=\d\.\d{3} g=-?\d+\.\d{3}$", bar), bar
    assert "\r" not in err and not ANSI.search(err)  # no animation
    # verbose=2 adds the article's line per epoch, on stdout; 1 prints none.
    assert len(out.splitlines()) == (6 if verbose == 2 else 0)


def test_classifier_counts_the_epochs_of_the_whole_training(capsys):
    X = np.random.default_rng(0).random((40, 8, 8, 1)).astype("float32")
    clf = KerasImageClassifier(epochs=3, verbose=2, random_state=0)
    clf.fit(X, np.arange(40) % 2)
    out = capsys.readouterr().out
    assert re.findall(r"Epoch \d+/\d+", out) == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    assert len(clf.history_["loss"]) == 3


def test_comparison_bar_and_a_line_per_fold(data, capsys):
    X, y = data
    compare_resamplers(
        X,
        y,
        classifier=KerasImageClassifier(epochs=1, random_state=0),
        resamplers=["none", "random_over"],
        n_splits=2,
        verbose=1,
    )
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    folds = [line for line in lines if line.startswith("[")]
    assert len(folds) == 4 and folds[0].startswith("[1/4] repeat 1/1 fold 1/2 none:")
    (bar,) = [line for line in lines if line.startswith("folds ")]
    assert re.match(r"folds .* 4/4 folds \d:\d\d:\d\d left ", bar), bar
    assert "random_over: balanced accuracy" in bar
    assert "\r" not in err and not ANSI.search(err)


def _stderr_of(script, *, terminal):
    """stderr of ``script`` run in a fresh Python, on a pseudo-terminal or a pipe."""
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        "COLUMNS": "150",
    }
    if not terminal:
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, timeout=600
        )
        assert done.returncode == 0, done.stderr.decode()[-3000:]
        return done.stderr.decode()
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", script], env=env, stdout=subprocess.DEVNULL,
        stderr=follower,
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 1 << 16)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        elif proc.poll() is not None:
            break
    os.close(leader)
    assert proc.wait(timeout=600) == 0, b"".join(chunks).decode()[-3000:]
    return b"".join(chunks).decode()


SCRIPT = """
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
from gansampler.cli import _import_keras_quietly
_import_keras_quietly()
import numpy as np
from gansampler import DCGANOverSampler
X = np.random.default_rng(0).random((40, 8, 8))
y = np.array([0] * 30 + [1] * 10)
DCGANOverSampler(updates=60, batch_size=8, random_state=0, verbose=1).fit_resample(X, y)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="pseudo-terminals as on Linux")
def test_the_bar_is_animated_on_a_terminal_only():
    on_terminal = _stderr_of(SCRIPT, terminal=True)
    # Redrawn in place (carriage returns, erase-line codes), with the time left.
    redraws = on_terminal.count("\r\x1b[2K")
    assert redraws >= 3, on_terminal[-2000:]
    plain = ANSI.sub("", on_terminal)
    assert re.search(r"class 1 .* 60/60 epochs \d:\d\d:\d\d left", plain), plain
    assert re.search(r"\d+/60 epochs \d:\d\d:\d\d left \d:\d\d:\d\d", plain), plain
    in_a_pipe = _stderr_of(SCRIPT, terminal=False)
    assert "\r" not in in_a_pipe and not ANSI.search(in_a_pipe)
    (line,) = in_a_pipe.strip().splitlines()
    assert re.match(r"class 1 .* 60/60 epochs", line), in_a_pipe


def test_a_bar_inside_a_bar_is_drawn_below_it_while_it_runs(capsys):
    from gansampler import _progress

    with _progress.progress_bar("folds", 2, unit="folds") as outer:
        for _ in range(2):
            with _progress.progress_bar("class 1", 3, unit="epochs") as inner:
                (shown,) = _progress._shown
                assert [t.description for t in shown.tasks] == ["folds", "class 1"]
                for _ in range(3):
                    inner.advance(note="d1=0.5")
            assert [t.description for t in shown.tasks] == ["folds"]
            outer.advance()
    assert _progress._shown == []
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and re.match(r"folds .* 2/2 folds ", lines[0]), lines
