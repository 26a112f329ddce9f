"""Differential diagnosis, on the trusted side: which misconception explains an item's failures.

For every case a check observed (Observation), each candidate misconception of the case's class
predicts what its known-bug implementation returns on the same inputs, and so does the reference
(the null hypothesis). A failing item gets a diagnosis only when one candidate:
  - explains every failing case: its prediction matches the submission (same outputs within the
    item's tolerance, the same exception where one was raised) and differs from the reference's;
  - agrees with every passing case it predicts (its item's and the other items');
  - and matches clearly better than any other candidate that does the same (otherwise: none).
A wrong diagnosis is worse than none. Items that passed are never diagnosed.

Predictions come from a Predictor: live variants of the reference (instructor mode; recorded for
every case while `make fixtures` grades the reference), or the recording (public mode, the kit).
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol

import numpy as np

from grader.misconceptions.catalogue import BY_ID, candidates
from grader.misconceptions.experiments import EXPERIMENTS
from grader.misconceptions.model import Diagnosis, Misconception, Observation, Prediction
from grader.numerics import relative_error

REFERENCE = "reference"  # the null hypothesis's key among the predictions
CLEARLY_BETTER = 10.0  # the best candidate's error must be this many times below the runner-up's
INIT_APART = 0.2  # two samples of initial weights tell apart at one standard error (a fifth of the check's margin)
EXACT = 1e-9  # errors below this are rounding: two candidates this close are indistinguishable
Predictions = dict[str, Prediction]


class Predictor(Protocol):
    def predict(self, test_id: str, observation: Observation) -> Predictions: ...


def digest(observation: Observation) -> str:
    """A fingerprint of what a case asked, "<kind, class, case>:<inputs>": a recording answers only
    the same question (or, for a submission that raised before the check drew its inputs, the
    same case)."""
    case = hashlib.sha256(f"{observation.kind}|{observation.cls}|{observation.spec!r}".encode())
    inputs = hashlib.sha256()
    for name in sorted(observation.inputs):
        value = np.asarray(observation.inputs[name])
        inputs.update(f"|{name}:{value.dtype.str}:{value.shape}".encode())
        inputs.update(np.ascontiguousarray(value).tobytes())
    return f"{case.hexdigest()}:{inputs.hexdigest()}"


class _Namespace:
    """The reference's names, with some classes replaced."""

    def __init__(self, reference: ModuleType, replacements: Mapping[str, type]) -> None:
        self._reference, self._replacements = reference, replacements

    def __getattr__(self, name: str) -> Any:
        return self._replacements[name] if name in self._replacements else getattr(self._reference, name)


def variant_namespace(reference: ModuleType, misconception: Misconception) -> _Namespace:
    """The reference with a misconception's variant class(es) in place of the originals."""
    replacement = misconception.variant(reference)
    return _Namespace(reference, replacement if isinstance(replacement, Mapping) else {misconception.cls: replacement})


def run_experiment(api: Any, observation: Observation) -> Prediction:
    """The outputs of the observation's experiment run on api, until it raised."""
    outputs: dict[str, np.ndarray] = {}
    state = np.random.get_state()  # constructing layers draws initial weights: leave the caller's stream alone
    try:
        with np.errstate(all="ignore"):
            EXPERIMENTS[observation.kind](api, observation.spec, observation.inputs, outputs)
    except Exception as error:  # noqa: BLE001  a known-bug implementation may raise: that is its prediction
        return Prediction(outputs, exception_text(type(error).__name__, str(error)))
    finally:
        np.random.set_state(state)
    return Prediction(outputs)


def exception_text(type_name: str, message: str) -> str:
    """How raised exceptions are compared: type and the message's first line."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    return f"{type_name}: {first[:300]}"


@dataclass
class LivePredictor:
    """Predictions of the reference's variants, computed in this process (instructor mode).
    record=True keeps every prediction (with the case's digest) for the fixture file."""

    reference: ModuleType
    record: bool = False
    recorded: dict[str, list[tuple[str, Predictions]]] = field(default_factory=dict)
    known: dict[int, tuple[Observation, Predictions]] = field(default_factory=dict)  # each case predicted once

    def predict(self, test_id: str, observation: Observation) -> Predictions:
        if id(observation) in self.known and self.known[id(observation)][0] is observation:
            return self.known[id(observation)][1]
        predictions = {REFERENCE: run_experiment(self.reference, observation)}
        for misconception in candidates(observation.cls, observation.kind):
            predictions[misconception.id] = run_experiment(
                variant_namespace(self.reference, misconception), observation
            )
        if self.record:
            entries, fingerprint = self.recorded.setdefault(test_id, []), digest(observation)
            if all(fingerprint != known for known, _ in entries):
                entries.append((fingerprint, predictions))
        self.known[id(observation)] = (observation, predictions)
        return predictions


@dataclass
class RecordedPredictor:
    """Predictions recorded by `make fixtures` (public mode): answered only for the same case and inputs."""

    recorded: Mapping[str, list[tuple[str, Predictions]]]

    def predict(self, test_id: str, observation: Observation) -> Predictions:
        asked = digest(observation)
        entries = self.recorded.get(test_id, [])
        for fingerprint, predictions in entries:
            if fingerprint == asked:
                return dict(predictions)
        for fingerprint, predictions in entries if not observation.inputs else []:
            if fingerprint.split(":")[0] == asked.split(":")[0]:
                return dict(predictions)
        return {}


def statistics_distance(value: np.ndarray, predicted: np.ndarray) -> float:
    """For random initial weights: how many standard errors apart value's mean and std are from the
    predicted sample's, scaled so that 1 is the check's own margin (five standard errors)."""
    sigma, n = max(float(predicted.std()), 1e-12), max(predicted.size, 1)
    std_gap = abs(float(value.std()) - sigma) / (5 * sigma / np.sqrt(2 * n))
    mean_gap = abs(float(value.mean()) - float(predicted.mean())) / (5 * sigma / np.sqrt(n))
    return max(std_gap, mean_gap)


def _gap(kind: str, name: str, value: np.ndarray, predicted: np.ndarray) -> float:
    """How far value is from predicted, relative to what counts as a match (<= 1 with tolerance 1)."""
    if kind == "init" and name == "weight":
        return statistics_distance(value, predicted)
    finite = np.isfinite(value)
    if not finite.any():
        return 0.0
    return relative_error(value[finite].astype(np.float64), predicted[finite].astype(np.float64))


def distance(got: Observation, predicted: Prediction, tolerance: float) -> float | None:
    """The largest relative error between what the submission returned and a prediction, over the
    outputs the submission returned; None when they do not match (another exception, a missing
    or differently shaped output, non-finite values elsewhere, an error above tolerance)."""
    error = mismatch(got, predicted, tolerance)
    return error if error is not None and error <= tolerance else None


def mismatch(got: Observation, predicted: Prediction, tolerance: float) -> float | None:
    """distance() before its tolerance: None only for a structural mismatch. Initial weights count
    their statistics' gap in units of the check's margin, times tolerance (so a match is <= tolerance)."""
    if got.raised != predicted.raised or (not got.got and not got.raised):
        return None
    worst = 0.0
    for name, value in got.got.items():
        expected = predicted.outputs.get(name)
        if expected is None or value.shape != expected.shape:
            return None
        if not same_non_finite(value, expected):
            return None
        statistical = got.kind == "init" and name == "weight"
        worst = max(worst, _gap(got.kind, name, value, expected) * (tolerance if statistical else 1.0))
    return worst


def same_non_finite(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether a and b are non-finite at the same places, with the same nan, inf or -inf there."""
    bad = ~np.isfinite(a)
    return bool(np.array_equal(bad, ~np.isfinite(b)) and np.array_equal(a[bad], b[bad], equal_nan=True))


def differs(kind: str, a: Prediction, b: Prediction, names: Any, tolerance: float) -> bool:
    """Whether two predictions tell apart on these outputs (or by what they raise)."""
    if a.raised != b.raised:
        return True
    for name in names:
        x, y = a.outputs.get(name), b.outputs.get(name)
        if x is None or y is None:
            if (x is None) != (y is None):
                return True
            continue
        if x.shape != y.shape or not same_non_finite(x, y):
            return True
        if _gap(kind, name, x, y) > (INIT_APART if kind == "init" and name == "weight" else tolerance):
            return True
    return False


def diagnose(
    failing: list[tuple[str, Observation | None]],
    passing: list[tuple[str, Observation | None]],
    predictor: Predictor,
    tolerance: float,
) -> list[Diagnosis]:
    """The diagnosis of one failing item from its failing and passing cases ((test id, observation));
    [] when no single misconception explains it (see the module's docstring)."""
    if not failing or any(observation is None or unwritten(observation) for _, observation in failing):
        return []
    errors: dict[str, float] | None = None
    nulls: list[Prediction] = []
    for test_id, observation in failing:
        assert observation is not None
        predictions = predictor.predict(test_id, observation)
        null = predictions.get(REFERENCE)
        if null is None or (observation.kind != "init" and distance(observation, null, tolerance) is not None):
            return []  # no prediction, or exactly the reference's values: the failure is not in what was observed
        nulls.append(null)
        # random initial weights match by their statistics: the candidate must also be nearer than the reference
        nearest = mismatch(observation, null, tolerance) if observation.kind == "init" else None
        matched = {}
        for name, prediction in predictions.items():
            error = distance(observation, prediction, tolerance)
            if (
                name != REFERENCE
                and error is not None
                and differs(observation.kind, prediction, null, observation.got, tolerance)
                and (nearest is None or error < nearest)
            ):
                matched[name] = error
        errors = matched if errors is None else {m: max(e, matched[m]) for m, e in errors.items() if m in matched}
        if not errors:
            return []
    assert errors is not None
    for test_id, observation in passing:
        if observation is None or not any(applies(BY_ID[name], observation) for name in errors):
            continue
        predictions = predictor.predict(test_id, observation)
        for name in list(errors):
            if name in predictions and distance(observation, predictions[name], tolerance) is None:
                del errors[name]
    ranked = sorted(errors.items(), key=lambda pair: pair[1])
    if not ranked or (len(ranked) > 1 and max(ranked[0][1], EXACT) * CLEARLY_BETTER >= ranked[1][1]):
        return []
    best = BY_ID[ranked[0][0]]
    return [diagnosis(best, failing, ranked[0][1], scale_note(failing, nulls, tolerance))]


def scale_note(failing: list[tuple[str, Observation | None]], nulls: list[Prediction], tolerance: float) -> str:
    """' (on <case>: your dLogits is exactly 5x the reference's)' when, on the first failing case,
    an output is a multiple of the reference's (a factor of N, of kH*kW, a sign...); "" otherwise."""
    observation, null = failing[0][1], nulls[0]
    if observation is None:
        return ""
    for name, value in observation.got.items():
        expected = null.outputs.get(name)
        if expected is None or expected.shape != value.shape or not np.isfinite(value).all():
            continue
        norm = float(np.sum(expected.astype(np.float64) ** 2))
        if norm == 0.0:
            continue
        factor = float(np.sum(value * expected)) / norm
        if abs(factor - 1.0) > tolerance and relative_error(value, factor * expected) <= tolerance:
            return f" (on {observation.spec_label()}: your {name} is exactly {factor:.4g}x the reference's)"
    return ""


def applies(misconception: Misconception, observation: Observation) -> bool:
    """Whether a misconception predicts this observation's experiment."""
    return observation.cls in misconception.classes and observation.kind in misconception.kinds


def unwritten(observation: Observation) -> bool:
    """The case ran into code the student has not written yet: nothing to diagnose."""
    return observation.raised.startswith("NotImplementedError")


def diagnosis(
    misconception: Misconception, failing: list[tuple[str, Observation | None]], error: float, note: str = ""
) -> Diagnosis:
    """The diagnosis record, with its evidence line."""
    count = len(failing)
    outputs = sorted({name for _, observation in failing if observation for name in observation.got})
    raised = any(observation is not None and observation.raised for _, observation in failing)
    what = ", ".join(outputs) if outputs else "results"
    cases = "the failing case" if count == 1 else f"all {count} failing cases"
    evidence = (
        f"On {cases}, your {what}{' and the exception raised' if raised else ''} match what this mistake gives: "
        f"{misconception.relation}{note} (largest relative difference {error:.1g})."
    )
    return {"id": misconception.id, "title": misconception.title, "message": misconception.rule, "evidence": evidence}
