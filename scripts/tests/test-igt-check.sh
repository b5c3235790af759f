#!/usr/bin/env bash
# Self-test of scripts/igt-check: a regression against the expectations (an
# expected pass that fails or skips, a crash, a timeout, a kernel warning, an
# unlisted failure, a listed subtest that did not run) must fail the judge;
# allowed outcomes must not. Prints "igt-check-selftest: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/expect" <<'X'
t@a pass
t@b skip   # no such plane
t@c fail   # known driver bug
t@glob-* skip
X
p=0 f=0
check() {	# check WANT(0 ok/1 bad) DESCRIPTION RESULT-LINES...
	local want=$1 what=$2; shift 2
	printf '%s\n' "$@" >"$tmp/results"
	scripts/igt-check "$tmp/results" "$tmp/expect" >"$tmp/out" 2>&1
	local rc=$?
	if { [ "$want" = 0 ] && [ $rc = 0 ]; } || { [ "$want" = 1 ] && [ $rc = 1 ]; }; then
		p=$((p + 1)); echo "ok - $what"
	else
		f=$((f + 1)); echo "not ok - $what (exit $rc)"; cat "$tmp/out"
	fi
}
base=("t@b skip 0" "t@c fail 0" "t@glob-1 skip 0")
check 0 "all as expected"               "t@a pass 1" "${base[@]}"
check 0 "skip expected, pass is better" "t@a pass 1" "t@b pass 0" "t@c fail 0" "t@glob-1 skip 0"
check 0 "unlisted pass and skip"        "t@a pass 1" "${base[@]}" "u@x pass 0" "u@y skip 0"
check 1 "expected pass fails"           "t@a fail 1" "${base[@]}"
check 1 "expected pass skips"           "t@a skip 1" "${base[@]}"
check 1 "crash"                         "t@a pass 1" "${base[@]}" "u@x crash 0"
check 1 "timeout of a known failure"    "t@a pass 1" "t@b skip 0" "t@c timeout 0" "t@glob-1 skip 0"
check 1 "kernel warning"                "t@a pass 1" "${base[@]}" "u@x warn 0"
check 1 "unlisted failure"              "t@a pass 1" "${base[@]}" "u@x fail 0"
check 1 "listed subtest did not run"    "${base[@]}"
check 1 "missing test binary"           "t@a pass 1" "${base[@]}" "u@- missing 0"
check 0 "pass on a retry counts"        "t@a pass 1 retried:fail" "${base[@]}"
if grep -q 'note t@a: pass (second run, the first was a fail)' "$tmp/out" && grep -q ', 1 retried$' "$tmp/out"; then
	p=$((p + 1)); echo "ok - a retried subtest is listed"
else
	f=$((f + 1)); echo "not ok - a retried subtest is listed"; cat "$tmp/out"
fi
check 1 "fail on the retry too"         "t@a fail 1 retried:fail" "${base[@]}"
echo "igt-check-selftest: $p passed, $f failed"
[ "$f" = 0 ]
