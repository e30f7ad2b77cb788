"""Seeding Keras' layer seeds without touching the caller's random state."""

import contextlib
import random

__all__ = ["python_random_seeded"]


@contextlib.contextmanager
def python_random_seeded(seed=None):
    """Run a block with Python's :mod:`random` seeded, and restore it afterwards.

    Keras 3 draws the seeds of unseeded initializers and dropout layers from
    Python's :mod:`random`; seeding it only while networks are built makes those
    seeds reproducible without a global side effect. ``seed=None`` only keeps
    the caller's state unchanged by the block.
    """
    state = random.getstate()
    if seed is not None:
        random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)
