"""gansampler: DC-GAN over-sampling of minority image classes for imbalanced-learn.

Importing the package is cheap: Keras (and its backend) is imported when
:class:`DCGANOverSampler` is first looked up, so that ``gansampler --help``
answers at once.
"""

__all__ = ["DCGANOverSampler", "__version__"]
__version__ = "0.1.0"


def __getattr__(name):
    # The sampler imports Keras and its backend (seconds for TensorFlow).
    if name == "DCGANOverSampler":
        from ._sampler import DCGANOverSampler

        globals()[name] = DCGANOverSampler
        return DCGANOverSampler
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__})
