# swift-team: the two commands of the README are `make demo` and `make test`.
SWIFT ?= swift

.PHONY: setup build release test unit lab demo clean-lab

# Installs what the lab needs (Debian packages, the guest kernel, the initramfs), idempotently.
setup:
	lab/setup >/dev/null

build:
	$(SWIFT) build

# Static binaries that run anywhere with only glibc.
release:
	$(SWIFT) build -c release --static-swift-stdlib

unit:
	$(SWIFT) test

lab: setup build
	lab/test

# Everything: the build, the unit tests, then every lab scenario against the real kernel driver.
test: setup build unit
	lab/test

# The main job: a team in the lab, with failover shown.
demo: setup build
	lab/run lab/demo.sh
