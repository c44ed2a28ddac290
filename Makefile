# swift-team: the two commands of the README are `make demo` and `make test`.
SWIFT ?= swift

.PHONY: deps setup build release test unit lab demo clean-lab

# The Debian packages the lab needs (the build needs none: D-Bus and ZeroMQ are our own Swift code),
# installed before anything is compiled, whatever the order or -j of the targets given.
deps:
	lab/setup --packages

# Installs what the lab needs (Debian packages, the guest kernel, the initramfs), idempotently.
setup: deps
	lab/setup >/dev/null

build: deps
	$(SWIFT) build

# Static executables (Swift runtime and glibc linked in): they need nothing on the target, and start
# and run leaner than dynamically linked ones (bench/results). Linked with the toolchain's lld: GNU ld
# repeats glibc's warning that the Swift runtime's one dlopen (of an optional prespecialization
# library, never present on Linux) would need the build's glibc at run time; lld links the same code.
SCRATCH ?= .build
RELEASE_FLAGS = -c release --static-swift-stdlib -Xswiftc -static-executable -Xswiftc -use-ld=lld
release: deps
	$(SWIFT) build $(RELEASE_FLAGS) --scratch-path $(SCRATCH)

unit: deps
	$(SWIFT) test

lab: setup build
	lab/test

# Everything: the build, the unit tests, then every lab scenario against the real kernel driver.
test: setup build unit
	lab/test

# The main job: a team in the lab, with failover shown.
demo: setup build
	lab/run lab/demo.sh
