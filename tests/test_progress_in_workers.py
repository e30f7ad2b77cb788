"""Progress bars in worker processes: written once, never redrawn in place.

joblib's worker processes (``n_jobs`` of the sampler or of a comparison)
inherit the terminal: bars redrawn in place by several processes at once would
overwrite each other and the parent's. Here stderr is a stand-in terminal.
"""

import io
import multiprocessing
import re
import sys
import time

from gansampler._progress import progress_bar

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class _Terminal(io.StringIO):
    """A stream that says it is a terminal, as rich asks."""

    def isatty(self):
        return True


def _drawn(monkeypatch):
    """What a bar of 3 epochs writes to a terminal on stderr."""
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_INTERACTIVE", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_bar("class 1", 3, unit="epochs") as bar:
        for _ in range(3):
            time.sleep(0.25)  # rich redraws the bar 10 times a second
            bar.advance(note="d1=0.500")
    return terminal.getvalue()


def test_a_bar_is_redrawn_in_place_on_the_terminal_of_the_main_process(
    monkeypatch,
):
    drawn = _drawn(monkeypatch)
    assert "\r" in drawn or ANSI.search(drawn), drawn


def test_a_bar_in_a_worker_process_is_written_once_when_it_ends(monkeypatch):
    # multiprocessing's answer in a worker, joblib's loky workers included
    monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())
    drawn = _drawn(monkeypatch)
    assert "\r" not in drawn and not ANSI.search(drawn), repr(drawn)
    (line,) = drawn.strip().splitlines()
    assert re.match(r"class 1 .* 3/3 epochs \d:\d\d:\d\d left .*d1=0\.500$", line)
