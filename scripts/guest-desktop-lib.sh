# Sourced IN THE GUEST by scripts/guest-{multihead,xorg,weston}-checks.sh
# (started with scripts/guest-run --device ...): counting, the fakegpu card,
# host screenshots checked where something was drawn.
# shellcheck shell=bash
pass=0 fail=0
ut=/src/userspace-tests/build
out=/src/out

ok() {	# ok STATUS MESSAGE
	if [ "$1" = 0 ]; then pass=$((pass + 1)); echo "ok - $2"; else fail=$((fail + 1)); echo "not ok - $2"; fi
}

# summary NAME: the line scripts/run-tests.sh counts; exit status.
summary() {
	echo "$1: $pass passed, $fail failed"
	[ "$fail" = 0 ]
}

# Load fakegpu and print its card node (/dev/dri/cardN); exits on failure.
load_fakegpu() {
	local line
	line=$(/src/scripts/guest-load-module) || { echo "not ok - fakegpu did not load" >&2; exit 1; }
	echo "$line" >&2
	sed -n 's|.* as \(/dev/dri/card[0-9]*\)$|\1|p' <<<"$line"
}

# Connector names of the card, one per line, in head order (Virtual-1 ...).
connectors() {
	modetest -M fakegpu -c 2>/dev/null | awk '$3 == "connected" || $3 == "disconnected" { print $4 }' |
		grep -v '^Writeback' | sort -t- -k2 -n
}

# shot HEAD FILE PATTERN-CHECK-ARGS...: the host screenshots HEAD into FILE
# and pattern-check (--pattern none) must accept it. The display latches at
# the next vblank and the client may still be drawing: retried for ~10 s.
# Prints the last verdict.
shot() {
	local head=$1 file=$2 res i
	shift 2
	for i in $(seq 10); do
		if ! res=$(/src/scripts/host-ctl screenshot "$head" "$file" 2>&1); then
			sleep 1
			continue
		fi
		res=$("$ut/pattern-check" --pattern none "$@" "$file" 2>&1) && { echo "$res"; return 0; }
		sleep 1
	done
	echo "$res"
	return 1
}

# head_mode HEAD: "WxH" of the head as the device reports it, or "off".
head_mode() {
	/src/scripts/host-ctl status | sed -nE "s/^head $1: on, ([0-9]+x[0-9]+)@.*/\1/p; s/^head $1: off.*/off/p"
}

# wait_for SECONDS CMD...: until CMD succeeds (polled every 0.5 s).
wait_for() {
	local n=$(($1 * 2))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.5
	done
}

# mode_is HEAD WxH|off: the device shows that mode on HEAD.
mode_is() {
	[ "$(head_mode "$1")" = "$2" ]
}
