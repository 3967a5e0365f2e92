# keyward — the two set-up commands are `make run` and `make test`.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
LISTEN ?= 127.0.0.1:8420
DB ?= sqlite:./data/keyward.db

.PHONY: all deps configure build run test lint format sanitize bench clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@mkdir -p data
	$(BUILD_DIR)/keyward serve --listen $(LISTEN) --db $(DB)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# Static checks, run by CI before the tests (scripts/lint.sh): the module rules of
# docs/architecture.md, cppcheck over src/, and clang-format over src/ tests/ bench/.
# LINT_FORMAT=0 skips the clang-format check (until the one-time `make format` has landed).
lint: deps
	@./scripts/lint.sh

# Formats every C++ file of src/ tests/ bench/ in place with the repository's .clang-format.
format: deps
	find src tests bench \( -name '*.h' -o -name '*.cc' \) -type f -print0 | xargs -0 clang-format -i --style=file

# Every test again in a build with sanitizers (RelWithDebInfo, in build-sanitize/):
# AddressSanitizer with LeakSanitizer and UndefinedBehaviorSanitizer, or another
# -fsanitize= list in SANITIZE. About 20 minutes on 2 cores from scratch, most of it the build.
SANITIZE ?= address,undefined
SANITIZE_BUILD_DIR ?= build-sanitize
sanitize: deps
	cmake -S . -B $(SANITIZE_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKEYWARD_SANITIZE=$(SANITIZE)
	cmake --build $(SANITIZE_BUILD_DIR) -j $(JOBS)
	cd $(SANITIZE_BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The benchmark suite (docs/benchmarks.md): its own Release build without tests, then
# micro-benchmarks, HTTP load against keyward and two nginx peers, management figures.
# Writes docs/bench/results.md, results.json and the PNG charts. Takes about 10 minutes.
BENCH_BUILD_DIR ?= build-bench
BENCH_ARGS ?=
bench: deps
	cmake -S . -B $(BENCH_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DKEYWARD_BUILD_TESTS=OFF -DKEYWARD_BUILD_BENCH=ON
	cmake --build $(BENCH_BUILD_DIR) -j $(JOBS)
	python3 bench/run_bench.py --build $(BENCH_BUILD_DIR) $(BENCH_ARGS)

clean:
	rm -rf $(BUILD_DIR)
