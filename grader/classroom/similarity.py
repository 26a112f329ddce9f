"""Pairwise code similarity of a class, with copydetect's winnowing and the handed-out code excluded.

    result = class_similarity(entries, settings, base_code, cache=OUT / ".similarity")
    result.pairs        # Pair(a, b, sim_a, sim_b, flagged) above settings.floor, most similar first

What copydetect (https://github.com/blingenf/copydetect) does here: tokenise each submission's
code with pygments and normalise it (every variable, attribute, function and class name becomes
one letter, strings one letter, comments and whitespace vanish: copydetect.utils.filter_code),
pick fingerprints among its k-grams by winnowing (copydetect.utils.winnow), and compare two
fingerprint sets, giving each side's share of matched code and the matched regions
(copydetect.compare_files). What this module adds: the k-gram hash is a fixed 64-bit hash instead
of Python's hash(), which changes with every process (PYTHONHASHSEED), so that fingerprints and
scores can be cached on disk and a resumed batch gets the same numbers; the base code (the
student template and whatever else the lesson hands out) is fingerprinted with every k-gram and
those fingerprints are removed from every submission, as copydetect's boilerplate does.

Cache (under OUT/.similarity/): one fingerprint per submission, named by the hash of its SHA-256
and the settings key (k, window, base code, scheme), and the scores of every pair compared with
that settings key: a resumed batch fingerprints and compares only what involves new or changed
submissions.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from grader.grading.sources import comparable_code, read_sources, sources_under
from grader.reports.results import write_json
from grader.sandbox.prepare import SubmissionError

SCHEME = "torcino-similarity-1"  # bump when fingerprints change meaning: old caches are then ignored
LANGUAGE_FILE = "submission.py"  # copydetect picks the pygments lexer from a file name
BASE = np.uint64(1_000_003)


class SimilarityError(Exception):
    """Similarity cannot run (copydetect missing, base code missing); one-line message."""


@dataclass(frozen=True)
class SimilaritySettings:
    """The rubric's [similarity] table: threshold and floor are shares of a submission's own code
    (0..1); noise is the shortest match that counts and guarantee the length of a match that is
    always found, in normalised characters (copydetect's noise and guarantee thresholds)."""

    threshold: float = 0.6
    floor: float = 0.3
    noise: int = 25
    guarantee: int = 30
    base: tuple[str, ...] = ()  # extra handed-out files or folders, as absolute paths

    @property
    def window(self) -> int:
        return self.guarantee - self.noise + 1


@dataclass
class Fingerprint:
    """What copydetect.compare_files reads of a copydetect.CodeFingerprint, plus the raw code."""

    raw_code: str
    filtered_code: str
    offsets: np.ndarray
    hash_idx: dict[int, list[int]]
    k: int
    token_coverage: float
    hashes: set[int] = field(init=False)

    def __post_init__(self) -> None:
        self.hashes = set(self.hash_idx)

    def to_json(self) -> dict[str, Any]:
        return {
            "raw_code": self.raw_code,
            "filtered_code": self.filtered_code,
            "offsets": self.offsets.tolist(),
            "hash_idx": {str(h): [int(i) for i in idx] for h, idx in self.hash_idx.items()},
            "k": self.k,
            "token_coverage": float(self.token_coverage),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Fingerprint":
        offsets = np.array(data["offsets"], dtype=np.int64).reshape(-1, 2) if data["offsets"] else np.array([])
        return cls(
            data["raw_code"],
            data["filtered_code"],
            offsets,
            {int(h): idx for h, idx in data["hash_idx"].items()},
            data["k"],
            data["token_coverage"],
        )


@dataclass(frozen=True)
class Pair:
    """Two submissions: sim_a is the share of a's code (outside the base code) found in b."""

    a: str
    b: str
    sim_a: float
    sim_b: float
    flagged: bool

    @property
    def score(self) -> float:
        return max(self.sim_a, self.sim_b)


@dataclass
class ClassSimilarity:
    pairs: list[Pair]  # above the floor, most similar first
    compared: int  # pairs of readable submissions
    computed: int  # of which compared in this run (the rest came from the cache)
    unreadable: list[tuple[str, str]]  # (student, reason)
    settings: SimilaritySettings
    fingerprints: dict[str, Fingerprint]  # student -> Fingerprint (for the side-by-side pages)


def copydetect() -> ModuleType:
    """The copydetect module, or SimilarityError saying how to install it."""
    try:
        import copydetect as module
    except ImportError as error:
        raise SimilarityError(
            f"similarity needs copydetect ({error}), a dependency of torcino-grader: reinstall it "
            "(pip install torcino-grader), or pass --no-similarity"
        ) from None
    return module


def kgram_hashes(text: str, k: int) -> np.ndarray:
    """A fixed 64-bit hash of every k-character window of text (polynomial, then a splitmix64 mix)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - k + 1
    if n <= 0:
        return np.array([], dtype=np.int64)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        h = h * BASE + codes[j : j + n]
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h.view(np.int64)


def base_hashes(code: str, settings: SimilaritySettings) -> np.ndarray:
    """Every k-gram hash of the base code (copydetect fingerprints boilerplate with a window of 1)."""
    filtered, _ = copydetect().utils.filter_code(code, LANGUAGE_FILE)
    return np.unique(kgram_hashes(filtered, settings.noise))


def fingerprint(code: str, settings: SimilaritySettings, boilerplate: np.ndarray) -> Fingerprint:
    """Tokenise, normalise and winnow code (copydetect), leaving out the base code's k-grams."""
    utils = copydetect().utils
    filtered, offsets = utils.filter_code(code, LANGUAGE_FILE)
    hashes, idx = utils.winnow(kgram_hashes(filtered, settings.noise), settings.window, remove_duplicates=False)
    if len(boilerplate) and len(hashes):
        keep = ~np.isin(hashes, boilerplate)
        hashes, idx = hashes[keep], idx[keep]
    hash_idx: defaultdict[int, list[int]] = defaultdict(list)
    for value, index in zip(hashes.tolist(), idx.tolist(), strict=False):
        hash_idx[value].append(index)
    coverage = utils.get_token_coverage(hash_idx, settings.noise, len(filtered))
    return Fingerprint(code, filtered, np.asarray(offsets), dict(hash_idx), settings.noise, coverage)


def compare(a: Fingerprint, b: Fingerprint) -> tuple[float, float, np.ndarray, np.ndarray]:
    """(sim_a, sim_b, slices_a, slices_b) by copydetect.compare_files; slices are 2xN arrays of
    [start, end) positions in each raw code."""
    _, (sim_a, sim_b), (slices_a, slices_b) = copydetect().compare_files(a, b)
    return float(sim_a), float(sim_b), slices_a, slices_b


def base_code(paths: Iterable[str | Path]) -> str:
    """The comparable code of the handed-out files and folders (SimilarityError when one is missing)."""
    texts = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise SimilarityError(
                f"{path}: base code not found (the rubric's similarity.base, or the student "
                "template); give the files the lesson hands out"
            )
        texts.append(comparable_code(sources_under(path) if path.is_dir() else read_sources(path)))
    return "\n\n".join(texts)


def settings_key(settings: SimilaritySettings, base: str) -> str:
    import copydetect as module

    text = json.dumps(
        [SCHEME, module.__version__, settings.noise, settings.window, hashlib.sha256(base.encode()).hexdigest()]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def class_similarity(
    entries: Iterable[tuple[str, str, str]], settings: SimilaritySettings, base: str, cache: str | Path | None = None
) -> ClassSimilarity:
    """Every pair of entries ((student, path, sha256) triples) compared; cache: a folder or None."""
    key = settings_key(settings, base)
    boilerplate = base_hashes(base, settings)
    folder = Path(cache) if cache is not None else None
    fingerprints: dict[str, Fingerprint] = {}
    shas: dict[str, str] = {}
    unreadable: list[tuple[str, str]] = []
    for student, path, sha256 in entries:
        try:
            fingerprints[student] = _cached_fingerprint(path, sha256, settings, boilerplate, key, folder)
            shas[student] = sha256
        except (SubmissionError, OSError) as error:
            unreadable.append((student, str(error)))
    known = _load_pairs(folder, key)
    kept: dict[str, tuple[float, ...]] = {}
    listed: list[Pair] = []
    computed = 0
    for a, b in combinations(sorted(fingerprints), 2):
        first, second = sorted((a, b), key=lambda s: (shas[s], s))
        pair_key = f"{shas[first]}:{shas[second]}" if shas[first] and shas[second] else None
        sims: tuple[float, ...]
        if pair_key is not None and pair_key in known:
            sims = known[pair_key]
        else:
            sims = compare(fingerprints[first], fingerprints[second])[:2]
            computed += 1
        if pair_key is not None:
            kept[pair_key] = sims
        by_student = dict(zip((first, second), sims, strict=False))
        pair = Pair(a, b, by_student[a], by_student[b], max(sims) >= settings.threshold)
        if pair.score >= settings.floor:
            listed.append(pair)
    listed.sort(key=lambda p: (-p.score, p.a, p.b))
    if folder is not None:
        write_json({"key": key, "pairs": {k: list(v) for k, v in kept.items()}}, folder / "pairs.json")
    n = len(fingerprints)
    return ClassSimilarity(listed, n * (n - 1) // 2, computed, unreadable, settings, fingerprints)


def _cached_fingerprint(
    path: str, sha256: str, settings: SimilaritySettings, boilerplate: np.ndarray, key: str, cache: Path | None
) -> Fingerprint:
    name = hashlib.sha256(f"{sha256}:{key}".encode()).hexdigest() if sha256 else None
    stored = cache / "fingerprints" / f"{name}.json" if cache is not None and name else None
    if stored is not None and stored.is_file():
        try:
            return Fingerprint.from_json(json.loads(stored.read_text()))
        except (ValueError, KeyError, TypeError):
            pass  # a damaged cache entry is computed again
    result = fingerprint(comparable_code(read_sources(path)), settings, boilerplate)
    if stored is not None:
        write_json(result.to_json(), stored)
    return result


def _load_pairs(cache: Path | None, key: str) -> dict[str, tuple[float, ...]]:
    if cache is None:
        return {}
    try:
        data = json.loads((cache / "pairs.json").read_text())
    except (OSError, ValueError, TypeError, AttributeError):
        return {}
    if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("pairs"), dict):
        return {}
    return {pair: tuple(value) for pair, value in data["pairs"].items() if isinstance(value, list) and len(value) == 2}
