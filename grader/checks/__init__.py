"""The checks: pytest tests run on the trusted side against a sandboxed submission.

Each test module covers one concern and marks its tests with the rubric item they count for
(@pytest.mark.item("conv2d.forward")); grader.grading.grade runs them with pytest-json-report and maps
their outcomes to the rubric. The submission, the expected values and the seed come from the
GradingContext (context.py), which grader.grading.grade hands to pytest in a plugin object providing the
`ctx` fixture; the other fixtures (conftest.py) derive from it.
"""
