"""Hostile, appended to a correct single-file submission (tests/test_hostile_verdicts.py):
Sequential.parameters() returns copies of the layers' arrays (a real bug: SGD would update the
copies), and the submission rewrites its worker's operations and numpy's comparisons so that every
identity or equality question asked in the worker answers yes. It must lose `sequential` (its
parameters() cases) and nothing else."""

import sys as _sys

import numpy as _np

_own_parameters = Sequential.parameters  # noqa: F821 (defined above in the submission)


def _copies(self):
    return [(param.copy(), grad.copy()) for param, grad in _own_parameters(self)]


Sequential.parameters = _copies  # noqa: F821

for _module in list(_sys.modules.values()):
    _worker = getattr(_module, "Worker", None)
    if isinstance(_worker, type) and hasattr(_worker, "op_fetch"):
        _worker.op_same = lambda self, first, second: True
        _worker.op_is = lambda self, first, second: True
_np.array_equal = lambda *args, **kwargs: True
_np.shares_memory = lambda *args, **kwargs: True
_np.may_share_memory = lambda *args, **kwargs: True
