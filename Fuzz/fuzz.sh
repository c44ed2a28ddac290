#!/bin/bash
# Builds and runs the libFuzzer targets of Fuzz/Targets without SwiftPM: each pure module is compiled
# once (whole-module, -O, instrumented with -sanitize=fuzzer,address) into .build-fuzz/modules, and
# each target is its entry file plus Fuzz/Support/Harness.swift linked against the modules it uses.
#
# usage: Fuzz/fuzz.sh build
#        Fuzz/fuzz.sh run SECONDS [TARGET...]   build, then run each target (all by default)
#
# A run starts from the committed seeds (Fuzz/Corpus/TARGET) plus what earlier runs found
# (.build-fuzz/corpus/TARGET), with -rss_limit_mb=256. It fails when a target crashes, breaks a
# round trip, leaks past the RSS limit, times out on one input, or when no input reached the codec's
# success path ("fuzz-reached: NAME 0": a broken harness or corpus). Crashing inputs land in
# .build-fuzz/crashes/. Each run's executions are appended to .build-fuzz/executions.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${FUZZ_BUILD:-.build-fuzz}
SWIFTC=${SWIFTC:-swiftc}
FLAGS=(-swift-version 6 -parse-as-library -O -sanitize=fuzzer,address -enable-testing -use-ld=lld)

# module: its source directory and the modules it imports.
module_dir() {
    case $1 in
        NetlinkCodec) echo Sources/NetlinkCodec ;;
        TeamWire) echo Sources/TeamWire ;;
        Packets) echo Sources/Packets ;;
        TeamJSON) echo Sources/TeamJSON ;;
        SystemSupport) echo Sources/SystemSupport ;;
        DBusWire) echo Sources/DBusWire ;;
        ZMTP) echo Sources/ZMTP ;;
        TeamdControl) echo Sources/TeamdControl ;;
        # The config decoder is part of TeamdCore, whose other parts need sockets and swift-log:
        # its directory alone is compiled as a module of its own.
        TeamdConfig) echo Sources/TeamdCore/Config ;;
        *) echo "unknown module $1" >&2; exit 2 ;;
    esac
}
module_deps() {
    case $1 in
        TeamWire) echo NetlinkCodec Packets ;;
        TeamdControl) echo TeamJSON SystemSupport DBusWire ZMTP ;;
        TeamdConfig) echo TeamJSON Packets ;;
        *) ;;
    esac
}
# target: the modules it links, in dependency order.
target_modules() {
    case $1 in
        netlink-messages | netlink-attributes) echo NetlinkCodec ;;
        link-message | team-message) echo NetlinkCodec Packets TeamWire ;;
        lacpdu | arp | nsna) echo Packets ;;
        json) echo TeamJSON ;;
        control-request) echo TeamJSON SystemSupport DBusWire ZMTP TeamdControl ;;
        dbus-message | dbus-stream) echo DBusWire ;;
        zmtp-stream) echo ZMTP ;;
        config) echo TeamJSON Packets TeamdConfig ;;
        *) echo "unknown target $1" >&2; exit 2 ;;
    esac
}
ALL_TARGETS=$(cd Fuzz/Targets && ls *.swift | sed 's/\.swift$//')

# True when $1 is missing or older than any of the files after it.
stale() {
    local out=$1; shift
    [[ ! -e $out ]] && return 0
    local f
    for f in "$@"; do [[ $f -nt $out ]] && return 0; done
    return 1
}

build_module() {
    local name=$1 dir deps=() dep
    dir=$(module_dir "$name")
    for dep in $(module_deps "$name"); do build_module "$dep"; deps+=("$OUT/modules/$dep.o"); done
    local sources
    mapfile -t sources < <(find "$dir" -name '*.swift' | sort)
    if stale "$OUT/modules/$name.o" "${sources[@]}" "${deps[@]}"; then
        echo "fuzz: compiling module $name" >&2
        "$SWIFTC" "${FLAGS[@]}" -wmo -module-name "$name" -I "$OUT/modules" \
            -emit-module -emit-module-path "$OUT/modules/$name.swiftmodule" \
            -c -o "$OUT/modules/$name.o.tmp" "${sources[@]}"
        mv "$OUT/modules/$name.o.tmp" "$OUT/modules/$name.o"
    fi
}

build_target() {
    local target=$1 objects=() m
    for m in $(target_modules "$target"); do build_module "$m"; objects+=("$OUT/modules/$m.o"); done
    local entry=Fuzz/Targets/$target.swift
    if stale "$OUT/bin/$target" "$entry" Fuzz/Support/Harness.swift "${objects[@]}"; then
        echo "fuzz: linking $target" >&2
        "$SWIFTC" "${FLAGS[@]}" -module-name FuzzTarget -I "$OUT/modules" \
            "$entry" Fuzz/Support/Harness.swift "${objects[@]}" -o "$OUT/bin/$target"
    fi
}

build() {
    mkdir -p "$OUT/modules" "$OUT/bin"
    local t
    for t in "$@"; do build_target "$t"; done
}

run_target() {
    local target=$1 seconds=$2 log="$OUT/logs/$1.log"
    mkdir -p "$OUT/corpus/$target" "$OUT/crashes" "$OUT/logs"
    local status=0
    "$OUT/bin/$target" -max_total_time="$seconds" -rss_limit_mb=256 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$OUT/crashes/$target-" "$OUT/corpus/$target" "Fuzz/Corpus/$target" >"$log" 2>&1 ||
        status=$?
    local executions reached
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    reached=$(sed -n "s/^fuzz-reached: $target //p" "$log" | tail -1)
    printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$target" "$seconds" "${executions:-0}" "${reached:-0}" \
        >>"$OUT/executions.tsv"
    if [[ $status != 0 ]]; then
        echo "fuzz: $target FAILED (exit $status); log: $log" >&2
        grep -E 'ERROR|round trip|Fatal error|SUMMARY|Test unit written' "$log" | head -20 >&2
        return 1
    fi
    if [[ -z $reached || $reached == 0 ]]; then
        echo "fuzz: $target: no input reached the codec (fuzz-reached 0); log: $log" >&2
        return 1
    fi
    echo "fuzz: $target ok: ${executions:-?} executions in ${seconds}s, $reached decoded"
}

case ${1:-} in
    build)
        shift
        build ${@:-$ALL_TARGETS}
        ;;
    run)
        seconds=${2:?usage: Fuzz/fuzz.sh run SECONDS [TARGET...]}
        shift 2
        targets=${*:-$ALL_TARGETS}
        build $targets
        failed=0
        for t in $targets; do run_target "$t" "$seconds" || failed=$((failed + 1)); done
        if [[ $failed != 0 ]]; then echo "fuzz: $failed target(s) failed" >&2; exit 1; fi
        ;;
    *)
        sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
