"""Hostile, appended to a correct single-file submission (tests/test_hostile_verdicts.py): ReLU's
forward clamps its input in place (a real bug: the caller's x changes), and the submission rewrites
its worker's operations so that an array kept there reads back as it was before any forward, and
numpy's comparisons always agree. It must lose the `relu` case "input left untouched" and nothing
else."""

import sys as _sys

import numpy as _np

_pristine = {}  # id of a kept array -> a copy made when it was kept


def _clamping_forward(self, x):
    self.mask = x > 0
    _np.maximum(x, 0, out=x)
    return x


ReLU.forward = _clamping_forward  # noqa: F821 (defined above in the submission)

for _module in list(_sys.modules.values()):
    _worker = getattr(_module, "Worker", None)
    if isinstance(_worker, type) and hasattr(_worker, "op_fetch"):
        _keep, _fetch = _worker.op_keep, _worker.op_fetch

        def _op_keep(self, value, _keep=_keep):
            if isinstance(value, _np.ndarray):
                _pristine[id(value)] = value.copy()
            return _keep(self, value)

        def _op_fetch(self, target, _fetch=_fetch):
            return _pristine.get(id(target), _fetch(self, target))

        _worker.op_keep, _worker.op_fetch = _op_keep, _op_fetch
        _worker.op_same = lambda self, first, second: True
_np.array_equal = lambda *args, **kwargs: True
_np.allclose = lambda *args, **kwargs: True
