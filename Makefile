# The two commands of the README, and a few helpers.
.PHONY: run test lint bench clean

run:  ## serve the web client with the three addons and demo data (http://localhost:8069)
	bash scripts/run.sh

test:  ## lint, fresh database, every test (browser tours included); fails on any skip
	bash scripts/test.sh $(ARGS)

lint:  ## ruff and pylint-odoo only
	python3 -m ruff check addons scoring_job tests scripts conftest.py
	python3 -m ruff format --check addons scoring_job tests scripts conftest.py
	python3 -m pylint --rcfile=.pylintrc-mandatory addons/*

bench:  ## full-size benchmarks (figures for the README); the test command runs them small
	BENCH_CHURN_ROWS=100000 bash scripts/test.sh -s tests/bench_churn_push.py
	BENCH_FORECAST_ROWS=100000 bash scripts/test.sh -s tests/bench_forecast.py
	BENCH_FORECAST_ROWS=1000000 bash scripts/test.sh -s tests/bench_forecast.py

.PHONY: stress
stress:  ## the flake hunt: HTTP and live-server tests, rounds in random order, CPU loaded
	bash scripts/stress.sh $(ARGS)

clean:  ## remove the embedded databases and run files
	rm -rf .pgdata .run
