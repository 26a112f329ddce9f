"""What a graded submission is written as: results.json (results.py), report.html and summary.md
(report.py, with grader/templates/), the notebook check's table (notebook_check.py, on the code a
kernel ran: kernel_cells.py) and the progress bars of long runs (progress.py).
"""
