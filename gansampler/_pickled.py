"""A worker's result carried through pickle, whatever joblib backend runs."""

__all__ = ["pickled"]


class Pickled:
    """Carries a worker's result through pickle, whatever joblib backend runs.

    dask.distributed serialises ``keras.Model`` with its own serializer, written
    for Keras 2 (``model._updated_config()``). It fails on Keras 3 models, and
    the failure reaches the client as an undeliverable result: joblib's dask
    backend then waits forever. Wrapped, the generator goes through pickle
    (Keras 3's own ``__reduce__``), as it does in joblib's loky processes.
    """

    def __init__(self, value):
        self.value = value


def pickled(function, *args):
    """``function(*args)``, wrapped in :class:`Pickled` (``.value``)."""
    return Pickled(function(*args))
