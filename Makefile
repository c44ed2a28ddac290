# swift-team: the two commands of the README are `make demo` and `make test`.
SWIFT ?= swift

.PHONY: bench-many-teams deps setup build release test unit lab demo demo-bonding clean-lab install install-files install-list uninstall deb check-dist fuzz fuzz-short soak lacp-long lab-restart-fast

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

# Coverage-guided fuzzing (libFuzzer, AddressSanitizer) of the pure codecs: each target of
# Fuzz/Targets runs FUZZ_SECONDS from its committed seeds (Fuzz/README.md). `fuzz-short` is the
# 10 s form `make test` runs.
FUZZ_SECONDS ?= 60
fuzz:
	Fuzz/fuzz.sh run $(FUZZ_SECONDS)

fuzz-short:
	Fuzz/fuzz.sh run 10

# The long forms of the stress scenarios of lab/stress (see lab/stress/README.md): the soak, SOAK_FLAPS
# steps of link flaps over two 8-port teams under a stream of control requests, and 30 s of malformed
# frames on the wire. Not in `make test` yet: lab/stress/README.md says why.
SOAK_FLAPS ?= 10000
soak: setup build
	SOAK_FLAPS=$(SOAK_FLAPS) LAB_ENV="SOAK_FLAPS SOAK_RATE FLOOD_SECONDS $(LAB_ENV)" LAB_TIMEOUT=$${LAB_TIMEOUT:-3600} \
		lab/test lab/stress/teamd-soak.sh lab/stress/teamd-malformed-frames.sh
	# The pid file race (issue 15 item 6) in full: 100 rounds of two simultaneous teamd -d (make test: 5).
	PIDFILE_ROUNDS=100 LAB_ENV="PIDFILE_ROUNDS $(LAB_ENV)" LAB_TIMEOUT=$${LAB_TIMEOUT:-3600} lab/test teamd-lifecycle
	# libteam's overrun reproducer (issue 15 item 3) in full: 50 runs of teamd -o -N over 150 VLANs with a
	# 32 KiB event buffer, each ending complete (make test: 3).
	OVERRUN_RUNS=50 LAB_ENV="OVERRUN_RUNS $(LAB_ENV)" LAB_TIMEOUT=$${LAB_TIMEOUT:-3600} lab/test teamd-overrun-resync

# Issue 14's scale case (not in `make test`): BENCH_TEAMS (256) teams of 2 ports in one of our processes
# (`teamd --config-dir`) against as many C teamd processes, in one lab boot (bench/many-teams).
bench-many-teams: setup
	bench/many-teams

# The long LACP form of issue 11 (not in `make test`): one side of a retry-count-5 aggregate stopped for
# 100 s at the slow rate (lab/stress/teamd-lacp-retry-count-100s.sh, about 2.5 minutes).
lacp-long: setup build
	LAB_TIMEOUT=$${LAB_TIMEOUT:-600} lab/test lab/stress/teamd-lacp-retry-count-100s.sh

# Hitless restart at LACP fast rate (issue 12): teamd's exit and start must stay well under the partner's
# 3 s, which needs a quiet host; make test runs the slow-rate form (lab/scenarios/teamd-hitless-restart.sh).
lab-restart-fast: setup build
	lab/test lab/stress/teamd-hitless-restart-fast.sh

# Everything: the build, the unit tests, the install checks, the short fuzzing runs, then every lab scenario against the
# real kernel driver.
test: setup build unit check-dist fuzz-short
	lab/test

# Installing on a real machine: the static release executables, man pages, shell completions, the
# systemd units and the D-Bus policy (dist/install.sh has the list and the places). PREFIX defaults to
# /usr/local; DESTDIR stages into another root. `make uninstall` removes exactly those files.
PREFIX ?= /usr/local
DESTDIR ?=
EXEDIR ?= $(SCRATCH)/release
install: release
	$(MAKE) install-files
install-files:
	PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) EXEDIR=$(EXEDIR) dist/install.sh install
install-list:
	@PREFIX=$(PREFIX) dist/install.sh list
uninstall:
	PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) dist/install.sh uninstall

# A Debian package of the release build (swift-team_VERSION_ARCH.deb in DEBDIR) that replaces
# libteam-utils, checked by lintian (tags we accept are explained in dist/lintian-overrides).
DEBDIR ?= .build/deb
deb: release
	@deb=$$(dist/deb.sh $(EXEDIR) $(DEBDIR)) && echo "$$deb" && \
	  lintian --fail-on warning --suppress-tags-from-file dist/lintian-overrides "$$deb"

# The source and install checks (a few seconds, on the debug build): the layering of the targets, man pages render without warnings, the
# completions complete, the units verify, make install/uninstall lay out and remove the files.
check-dist: build
	checks/layering.sh
	checks/man.sh
	checks/completions.sh
	checks/units.sh
	checks/install.sh

# The main job: a team in the lab, with failover shown.
demo: setup build
	lab/run lab/demo.sh

# The demo with team.ko blocked in the guest: the same team on the bonding driver (issue 13).
demo-bonding: setup build
	lab/run lab/demo-bonding.sh
