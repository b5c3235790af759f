#!/usr/bin/env bash
# Self-test of scripts/igt-check: a regression against the expectations (an
# expected pass that fails or skips, a crash, a timeout, a kernel warning, an
# unlisted failure, a listed subtest that did not run) must fail the judge;
# allowed outcomes must not. With a flakes list, a listed subtest's failure
# is reported and forgiven, its crash, timeout or warning is not.
# Prints "igt-check-selftest: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/expect" <<'X'
t@a pass
t@b skip   # no such plane
t@c fail   # known driver bug
t@glob-* skip
X
cat >"$tmp/test.flakes" <<'X'
# wall-clock bound
t@a
u@flaky-*   # an unlisted one
X
p=0 f=0
flakes=""	# set: check passes it as igt-check's third argument
check() {	# check WANT(0 ok/1 bad) DESCRIPTION RESULT-LINES...
	local want=$1 what=$2; shift 2
	printf '%s\n' "$@" >"$tmp/results"
	scripts/igt-check "$tmp/results" "$tmp/expect" ${flakes:+"$flakes"} >"$tmp/out" 2>&1
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
# out_has DESCRIPTION ERE: the last check's output has a line matching ERE
out_has() {
	if grep -qE "$2" "$tmp/out"; then
		p=$((p + 1)); echo "ok - $1"
	else
		f=$((f + 1)); echo "not ok - $1 (no line matching '$2')"; cat "$tmp/out"
	fi
}
out_lacks() {
	if ! grep -qE "$2" "$tmp/out"; then
		p=$((p + 1)); echo "ok - $1"
	else
		f=$((f + 1)); echo "not ok - $1 (a line matches '$2')"; cat "$tmp/out"
	fi
}
# Without FLAKES nothing changes: the output has no flake lines.
check 1 "no flakes list: a failure of a would-be flake fails" "t@a fail 1" "${base[@]}"
out_lacks "no flakes list: no flake lines" '^(  flake |flakes:)'
out_has "no flakes list: the summary line as before" '^igt: 0 passed, 1 failed, 3 skipped \(expected skips and known failures\)$'

flakes=$tmp/test.flakes
check 0 "listed flake that fails is forgiven"    "t@a fail 1" "${base[@]}"
out_has "a forgiven flake is reported" '^  flake t@a: fail \(listed in test\.flakes\)$'
out_has "the flakes line counts it" '^flakes: 1 of 1 runs failed, listed in test\.flakes$'
out_has "the summary counts it as neither passed nor failed" '^igt: 0 passed, 0 failed, 4 skipped \(expected skips and known failures\), 1 flaky$'
check 0 "listed flake that skips, pass expected" "t@a skip 1" "${base[@]}"
out_has "a skipping flake is reported" '^  flake t@a: skip \(listed in test\.flakes\)$'
check 0 "flakes that fail, a flake that passes"  "t@a fail 1" "${base[@]}" "u@flaky-1 pass 0" "u@flaky-2 fail 0"
out_has "the flakes line counts failed of listed" '^flakes: 2 of 3 runs failed, listed in test\.flakes$'
out_has "a passing flake counts as passed" '^igt: 1 passed, 0 failed, 5 skipped .*, 2 flaky$'
check 0 "all pass with a flakes list"            "t@a pass 1" "${base[@]}"
out_has "the flakes line is printed with no flake" '^flakes: 0 of 1 runs failed, listed in test\.flakes$'
out_lacks "no flake reported when none failed" '^  flake '
out_lacks "the flakes line is not counted as a test tally" '^flakes: [0-9]+ passed, [0-9]+ failed'
awk '/^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed/' "$tmp/out" >"$tmp/tally"
if [ "$(wc -l <"$tmp/tally")" = 1 ] && grep -q '^igt: ' "$tmp/tally"; then
	p=$((p + 1)); echo "ok - the test runner's tally sees only the igt line"
else
	f=$((f + 1)); echo "not ok - the test runner's tally sees only the igt line"; cat "$tmp/tally"
fi
check 0 "listed flake fails on the retry too"    "t@a fail 1 retried:fail" "${base[@]}"
check 1 "listed flake crashes"                   "t@a crash 1" "${base[@]}"
check 1 "listed flake times out"                 "t@a timeout 1" "${base[@]}"
check 1 "listed flake warns"                     "t@a warn 1" "${base[@]}"
out_has "the flakes line counts a warning as listed, not as a flake" '^flakes: 0 of 1 runs failed'
check 1 "unlisted failure with a flakes list"    "t@a pass 1" "${base[@]}" "u@x fail 0"
check 1 "listed flake that did not run"          "${base[@]}"
flakes=$tmp/no-such.flakes
check 1 "a missing flakes file is an error"      "t@a pass 1" "${base[@]}"
echo "igt-check-selftest: $p passed, $f failed"
[ "$f" = 0 ]
