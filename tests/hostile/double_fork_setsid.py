"""Hostile: a method that leaves a process behind: fork, setsid (where allowed), fork again; the
grandchild renames itself __MARKER__, keeps the worker's output pipe open and sleeps."""
import ctypes
import os
import time


def leave_behind():
    child = os.fork()
    if child:
        os.waitpid(child, 0)
        return
    try:
        os.setsid()
    except OSError:
        pass
    if os.fork() == 0:
        ctypes.CDLL(None).prctl(15, b"__MARKER__", 0, 0, 0)  # PR_SET_NAME: what the test looks for
        time.sleep(60)
    os._exit(0)


try:
    _Base = ReLU  # the lesson's ReLU this file is appended to (bench/hostile.py, the grade tests)
except NameError:
    _Base = object
_forward = getattr(_Base, "forward", lambda self, x: x * (x > 0))


class ReLU(_Base):
    def forward(self, x):
        leave_behind()
        return _forward(self, x)
