"""Hostile: borrows the instructor's solution."""
from reference import *  # noqa: F401,F403
from reference.layers import ReLU  # noqa: F401
