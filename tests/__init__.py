"""The test suite of torcino-grader (make test)."""
