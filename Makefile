# The two commands of the README, and a few helpers. `make run` and `make test` bootstrap what
# the machine lacks (Odoo 18 in .venv from ODOO_SOURCE, PostgreSQL, Chromium): README.md.
.PHONY: run test lint bench clean

run:  ## serve the web client with the three addons and demo data (http://localhost:8069)
	bash scripts/run.sh

test:  ## lint, fresh database, every test (browser tours included); fails on any skip
	bash scripts/test.sh $(ARGS)

lint:  ## ruff, vermin (Python 3.10) and pylint-odoo only; also the pre-commit hook
	bash scripts/lint.sh

bench:  ## full-size benchmarks (figures for the README); the test command runs them small
	BENCH_CHURN_ROWS=100000 bash scripts/test.sh -s tests/bench_churn_push.py
	BENCH_FORECAST_ROWS=100000 bash scripts/test.sh -s tests/bench_forecast.py
	BENCH_FORECAST_ROWS=1000000 bash scripts/test.sh -s tests/bench_forecast.py
	BENCH_OVERHEAD_ROWS=10000 bash scripts/test.sh -s tests/bench_overhead.py
	ODOO_SUITES_CONTROL=1 bash scripts/test.sh -s tests/test_odoo_suites.py

.PHONY: stress
stress:  ## the flake hunt: HTTP and live-server tests, rounds in random order, CPU loaded
	bash scripts/stress.sh $(ARGS)

clean:  ## remove the embedded databases and run files (the bootstrapped .venv stays)
	rm -rf .pgdata .run
