# Two commands for a fresh machine; both set up .venv themselves.
.PHONY: demo test lint format

demo:  ## set up, seed demo data, print the logins, serve http://127.0.0.1:8000/
	bash scripts/demo

test:  ## ruff, Django checks (incl. the deploy check), migrations check, pytest
	bash scripts/test

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .
