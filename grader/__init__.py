"""torcino-grader: grades lesson 8 submissions (Torcino layers in plain NumPy)."""

__version__ = "0.1.0"
