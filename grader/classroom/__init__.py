"""A class batch: every submission of a class folder graded, and what an instructor reads of it.

batch.py grades the folder (class_folder.py) in the order batch_order.py picks, on a local pool or
Dask (executors.py), into a gradebook (gradebook.py) kept with its history (history.py) and what moved
(changes.py); class_report.py and class_statistics.py write the class overview, lms_export.py the
LMS's import files, similarity.py and similarity_report.py the pairwise code similarity.
"""
