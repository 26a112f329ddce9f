"""Hostile: puts the grader's folder on sys.path to import the instructor's solution."""
import sys

sys.path.insert(0, "__REPO__")
from reference import ReLU  # noqa: E402,F401
