"""Grading one submission: from its files to scored rubric items.

grade.py runs the checks (grader/checks/) against the sandboxed submission and scores them; what it
needs lives beside it: the rubric and its schema (rubric.py, rubric_schema.py), the expected values
(oracle.py, or the recorded public fixtures: oracle_replay.py, fixture_file.py), the import policy
(policy.py, on the code read by sources.py), which item a failure is blamed on (blame.py), what a
failing case says (failures.py) and the scores themselves (scoring.py).
"""
