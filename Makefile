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
# and run leaner than dynamically linked ones (bench/results).
release: deps
	$(SWIFT) build -c release --static-swift-stdlib -Xswiftc -static-executable

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
