# Every target installs what it needs into .venv first, so each works on a brand-new machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# nbgrader creates gradebooks with the `alembic` command, which must be on PATH.
RUN := PATH="$(CURDIR)/$(VENV)/bin:$$PATH" MPLBACKEND=agg

.PHONY: install demo test test-paths test-student-env lint bench release clean

$(STAMP): pyproject.toml
	@# The grading sandbox (bubblewrap) is a system package: install it where we can, else warn.
	@command -v bwrap >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ apt-get install -y -qq bubblewrap >/dev/null 2>&1 || \
		  { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq bubblewrap >/dev/null 2>&1; }; }; } || \
		echo "WARNING: bubblewrap is not installed; autograde will run student code WITHOUT a sandbox"
	@# PostgreSQL, for the test of a shared gradebook server; the test is skipped (saying why) without it.
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ apt-get install -y -qq postgresql >/dev/null 2>&1 || \
		  { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq postgresql >/dev/null 2>&1; }; }; } || \
		echo "NOTE: PostgreSQL is not installed; the PostgreSQL gradebook test will be skipped"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(RUN) $(PY) -m cs231n_lib.grading.cli demo

# Two pytest workers, each taking whole modules (a module's graded course is built once), longest
# first (grading_tests/conftest.py): the long grading fixtures overlap the in-process tests. Every test
# process computes on one BLAS thread, as the grading kernels do (conftest.py): both cores are busy anyway.
test: $(STAMP)
	$(RUN) $(PY) -m ruff check .
	$(RUN) $(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=10

# Every grading path and grading under load (slow: every notebook graded four times). The slowest
# tests are printed so CI's log shows where its time went.
test-paths: $(STAMP)
	$(RUN) $(PY) -m pytest -m paths --durations=5

# Each release folder run with only what its requirements.txt installs (every notebook twice).
test-student-env: $(STAMP)
	$(RUN) $(PY) -m pytest -m student_env

lint: $(STAMP)
	$(RUN) $(PY) -m ruff check .

release: $(STAMP)
	$(RUN) $(PY) -m cs231n_lib.grading.cli sync
	$(RUN) $(PY) -m cs231n_lib.grading.cli release

# Every benchmark, then issue 18's table of their rows (what, measured, goal, met?) from BENCH_RESULTS.
# Slow: about an hour on 2 cores (`make test` in a fresh clone alone 14–17 min). A script that fails leaves
# its rows "not measured" and the rest go on; without torch (no network, say) its rows read so too.
BENCH_RESULTS ?= $(CURDIR)/build/bench/results.jsonl
BENCH_SUBMISSIONS ?= 40
BENCH := $(RUN) BENCH_RESULTS="$(BENCH_RESULTS)" $(PY)

bench: $(STAMP)
	-$(PY) -m pip install --quiet -e '.[bench]'
	rm -f "$(BENCH_RESULTS)"
	-$(BENCH) benchmarks/bench_knn_distances.py
	-$(BENCH) benchmarks/bench_batchnorm_backward.py
	-$(BENCH) benchmarks/bench_conv.py
	-$(BENCH) benchmarks/bench_lstm.py
	-$(BENCH) benchmarks/bench_grading_overhead.py
	-$(BENCH) benchmarks/bench_parallel_autograde.py --submissions $(BENCH_SUBMISSIONS)
	-$(BENCH) benchmarks/bench_course_commands.py
	$(BENCH) benchmarks/bench_table.py

clean:
	rm -rf build autograded/*/ submitted feedback gradebook.db .pytest_cache
