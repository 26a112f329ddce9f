"""Hostile: a method that writes files of 8 MiB into its temporary directory and its copy until a
write fails (or 2 GiB are written); probe() says how much it managed."""
import os
import tempfile

WRITTEN = {"bytes": 0, "stopped": ""}


def fill():
    chunk = b"x" * (8 << 20)
    folders = [tempfile.gettempdir(), os.getcwd()]
    for index in range(256):
        try:
            with open(os.path.join(folders[index % 2], f"fill-{index}"), "wb") as out:
                out.write(chunk)
            WRITTEN["bytes"] += len(chunk)
        except OSError as error:
            WRITTEN["stopped"] = type(error).__name__
            return


def probe():
    fill()
    return dict(WRITTEN)


try:
    _Base = ReLU  # the lesson's ReLU this file is appended to (bench/hostile.py, the grade tests)
except NameError:
    _Base = object
_forward = getattr(_Base, "forward", lambda self, x: x * (x > 0))


class ReLU(_Base):
    def forward(self, x):
        fill()
        return _forward(self, x)
