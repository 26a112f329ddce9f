"""What can go wrong when the grader calls into a submission. Each error has a kind for the report.

exception  the submitted code raised (type, message, traceback cut to its own files)
memory     the submitted code ran out of memory (MemoryError under the address-space cap)
timeout    one call ran past the per-call limit; the worker was killed
crash      the worker died (exit code or signal); it is replaced for the next call
budget     the submission used up its total time; no further calls are made
protocol   the worker sent something that is not a valid reply; it was killed
stale      an object from a worker that has since been replaced
not-run    not called: the same method timed out or killed its worker on an earlier case
missing    a required name the submission does not define
starved    a step of the grader's own failed in the worker: the submission had used up its resources
"""


class SandboxError(Exception):
    """A failed call into the submission. kind: see above; detail: a one-paragraph explanation."""

    kind = "error"

    def __init__(self, detail: str, call: str = "") -> None:
        super().__init__(detail)
        self.detail = detail
        self.call = call

    def __str__(self) -> str:
        return f"{self.call}: {self.detail}" if self.call else self.detail


class SubmissionRaised(SandboxError):
    """The submitted code raised an exception (the worker is fine)."""

    kind = "exception"

    def __init__(self, type_name: str, message: str, traceback: str = "", call: str = "", where: str = "") -> None:
        super().__init__(f"{type_name}: {message}", call)
        self.type_name, self.message, self.traceback = type_name, message, traceback
        self.where = where  # "Class.method" of the lesson's API that raised it, or ""


class OutOfMemory(SubmissionRaised):
    kind = "memory"


class CallTimeout(SandboxError):
    kind = "timeout"


class WorkerCrashed(SandboxError):
    kind = "crash"


class BudgetExceeded(SandboxError):
    kind = "budget"


class NotRun(SandboxError):
    """A call not made: the same method timed out or killed the worker on an earlier case."""

    kind = "not-run"


class BadReply(SandboxError):
    kind = "protocol"


class StaleObject(SandboxError):
    kind = "stale"


class MissingName(SandboxError):
    kind = "missing"


class GraderStepFailed(SandboxError):
    """A step of the grader's own (seeding, a probe, ...) failed in the worker outside the submission's
    code for want of memory or file descriptors, which the submission had used up: the case fails
    with that explanation (no credit for a case that could not run), not as a bug of a layer."""

    kind = "starved"


class SandboxUnavailable(Exception):
    """Bubblewrap was required but cannot be used here; the grader cannot grade."""
