"""Hostile: reads another student's submission, as it lies in the batch's folder and as another
sandbox's private copy."""

TARGETS = ["__OTHER__", "__OTHER_COPY__"]


def probe():
    """{path: 'read' or the error} for every target."""
    outcome = {}
    for path in TARGETS:
        try:
            with open(path) as source:
                source.read()
            outcome[path] = "read"
        except OSError as error:
            outcome[path] = f"{type(error).__name__}"
    return outcome


class ReLU:
    def forward(self, x):
        probe()
        return x * (x > 0)
