"""gansampler: DC-GAN over-sampling of minority image classes for imbalanced-learn."""

from ._sampler import DCGANOverSampler

__all__ = ["DCGANOverSampler", "__version__"]
__version__ = "0.1.0"
