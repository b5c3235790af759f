# fakegpu — top-level entry points. Everything runs inside the toolbox tree
# (scripts/toolbox.sh builds it on first use; needs root and a Debian mirror).
#
#   make demo     the main job: device + guest + driver + modeset-atomic + screenshot
#   make test     the product's test suite: build, host, driver lane, guest
#                 lanes, igt (docs/testing.md; ends "N passed, N failed")
#   make check    the quick tier for iteration: build, host tests, driver lane
#   make compare  the anchor runs on other drivers (igt on bochs, vkms's
#                 drm-ci expectations) that docs/testing.md's tables show
#   make soak     repeats that hunt rare failures: the listed igt flakes x50,
#                 long fuzzing, flip runs; prints a table
#   make build    build the device, the tools, the userspace tests and the module
#   make deb      the Debian packages fakegpu-dkms and fakegpu-tools in out/deb/,
#                 checked by lintian (scripts/make-deb)
#   make bench    benchmarks (print figures; see docs/performance.md)

TOOLBOX := scripts/toolbox.sh

all: build

toolbox:
	$(TOOLBOX) build

build: toolbox
	$(TOOLBOX) run make -C /src/device all tests
	$(TOOLBOX) run make -C /src/userspace-tests
	$(TOOLBOX) run /src/scripts/build-module

deb: toolbox
	$(TOOLBOX) run /src/scripts/make-deb

test:
	scripts/run-tests.sh

check:
	FAKEGPU_TIERS="build host driver" scripts/run-tests.sh

compare: build
	scripts/compare

soak: build
	scripts/soak

demo:
	scripts/demo.sh

bench: build
	$(TOOLBOX) run make -C /src/bench run
	$(TOOLBOX) run /src/bench/viewer-cpu.sh
	bench/guest-bench.sh
	bench/vblank-latency.sh
	bench/flip-margin.sh
	bench/flip-rate.sh
	bench/ctl-guest.sh

clean:
	rm -rf out device/build userspace-tests/build bench/build
	-$(TOOLBOX) run make -C /src/drm-driver clean

.PHONY: all toolbox build deb test check compare soak demo bench clean
