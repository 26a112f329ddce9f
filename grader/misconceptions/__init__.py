"""The lesson's misconceptions and the differential diagnosis that names them on a failing item.

catalogue.CATALOGUE maps each class of the lesson to its misconceptions (one module per class or
group: conv2d, maxpool2d, linear, activations, loss, sgd); each predicts what code with that mistake
returns through a known-bug variant of the reference (variants.py), run in the checks' experiments
(experiments.py). engine.py decides, on the trusted side, which one (if any) explains an item's
failing cases; items.py applies it to a grade.
"""

from grader.misconceptions.catalogue import BY_ID, CATALOGUE
from grader.misconceptions.model import Diagnosis, Misconception

__all__ = ["BY_ID", "CATALOGUE", "Diagnosis", "Misconception"]
