"""All or nothing: an estimator's fitted state changes only when a fit succeeds."""

import contextlib

__all__ = ["fitted_attributes", "kept_on_failure"]


def fitted_attributes(estimator):
    """``estimator``'s fitted attributes by name, as ``check_is_fitted`` sees them."""
    return {
        name: value
        for name, value in vars(estimator).items()
        if name.endswith("_") and not name.startswith("__")
    }


@contextlib.contextmanager
def kept_on_failure(estimator):
    """Undo what a fit in the block set if the block raises (Ctrl-C included).

    The fitted attributes the block set are removed and those from before it
    come back, so a failed fit leaves ``estimator`` unfitted or with its
    previous fit intact; the exception goes on.
    """
    before = fitted_attributes(estimator)
    try:
        yield
    except BaseException:
        for name in fitted_attributes(estimator):
            delattr(estimator, name)
        vars(estimator).update(before)
        raise
