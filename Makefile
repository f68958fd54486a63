# Thin wrapper over dev.py, which needs nothing but python3.
.PHONY: demo test lint bench
demo:
	python3 dev.py demo
test:
	python3 dev.py test
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
bench:
	python3 dev.py bench
