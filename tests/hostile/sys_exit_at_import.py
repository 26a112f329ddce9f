"""Hostile: a training script left at module level that exits the interpreter."""
import sys

print("training...")
sys.exit(3)
