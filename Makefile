# The two commands a newcomer needs: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/bash
BUILD_DIR ?= build
FUZZ_DIR ?= build-fuzz
JOBS ?= $(shell nproc)
DEMO_DIR ?= demo

# OpenMPI refuses to start as root unless told; containers and CI run as root.
export OMPI_ALLOW_RUN_AS_ROOT := 1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM := 1
# Ranks on one machine talk over shared memory and loopback; no InfiniBand probing noise.
export OMPI_MCA_btl := self,vader,tcp
export OMPI_MCA_btl_tcp_if_include := lo
export OMPI_MCA_oob_tcp_if_include := lo

.PHONY: setup build test test-unit demo bench fuzz image test-image clean

setup:
	@bash scripts/setup.sh

$(BUILD_DIR)/build.ninja: CMakeLists.txt | setup
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: setup
	@test -f $(BUILD_DIR)/build.ninja || cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Every test: unit tests, integration tests with real mpirun/tshark/Prometheus/browser, and a
# bounded fuzzing run.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --no-tests=error -j $(JOBS) --timeout 900
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$${FUZZ_SECONDS:-30}

test-unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure --no-tests=error -j $(JOBS) -L unit -LE integration

demo: build
	bash scripts/demo.sh $(BUILD_DIR)/tad $(DEMO_DIR)

bench: build
	bash scripts/bench.sh $(BUILD_DIR)

FUZZ_SECONDS ?= 60
fuzz: setup
	@if [ -f fuzz/CMakeLists.txt ] && grep -q add_executable fuzz/CMakeLists.txt; then \
	  test -f $(FUZZ_DIR)/build.ninja || CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DTAD_FUZZ=ON -DTAD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo; \
	  cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_targets && bash scripts/fuzz.sh $(FUZZ_DIR) $(FUZZ_SECONDS); \
	else echo "fuzz: no fuzz targets yet"; fi

# The container image (Containerfile); see scripts/image.sh for the registry-less route.
image: setup
	bash scripts/image.sh

# Builds the image and runs tad inside it (opt-in: minutes of compiling; `make test` skips it).
test-image: build
	cd $(BUILD_DIR) && TAD_TEST_IMAGE=1 ctest --output-on-failure -L image

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR)
