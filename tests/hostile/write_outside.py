"""Hostile: writes into the user's home, next to the submission and in /tmp."""
import os

TARGETS = ["__HOME__/__MARKER__", "__PARENT__/__MARKER__", os.path.expanduser("~/../__MARKER__"),
           "../__MARKER__", "/tmp/__MARKER__", "/dev/shm/__MARKER__"]


def probe():
    """{path: 'written' or the error} for every target."""
    outcome = {}
    for path in TARGETS:
        try:
            with open(path, "w") as out:
                out.write("was here")
            outcome[path] = "written"
        except OSError as error:
            outcome[path] = f"{type(error).__name__}"
    return outcome


class ReLU:
    def forward(self, x):
        probe()
        return x * (x > 0)
