#!/usr/bin/env bash
# viewer-cpu.sh [SECONDS] — device CPU use with one 1024x768@60 head idle vs.
# with fakegpu-view attached (under Xvfb), same run. Prints figures; it
# neither passes nor fails. Run in the toolbox after `make -C device all tests`:
#   scripts/toolbox.sh run /src/bench/viewer-cpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
B=device/build secs=${1:-10}
tmp=$(mktemp -d /tmp/viewer-cpu.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$tmp"' EXIT

# ticks PID: utime + stime of PID, in clock ticks
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# cpu PID: percent of one core PID uses over $secs seconds
cpu() {
	local t0 t1 hz; hz=$(getconf CLK_TCK); t0=$(ticks "$1"); sleep "$secs"; t1=$(ticks "$1")
	awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$secs" 'BEGIN { printf "%.2f", 100 * (b - a) / hz / s }'
}

"$B/fakegpu-device" --socket "$tmp/vfu" --ctl "$tmp/ctl" >/dev/null 2>&1 & dev=$!; pids+=("$dev")
for _ in $(seq 50); do "$B/fakegpu-ctl" --socket "$tmp/ctl" status >/dev/null 2>&1 && break; sleep 0.1; done
coproc DRAW { exec "$B/fg-vfu-draw" --socket "$tmp/vfu"; }
pids+=("$DRAW_PID")
read -r -u "${DRAW[0]}" _
echo "mode 0 1024 768 60" >&"${DRAW[1]}"; read -r -u "${DRAW[0]}" reply
[ "$reply" = ok ] || { echo "viewer-cpu: the device refused the mode" >&2; exit 1; }

exec 3>"$tmp/display"
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp -noreset -extension GLX >/dev/null 2>&1 & pids+=("$!")
exec 3>&-
for _ in $(seq 50); do [ -s "$tmp/display" ] && break; sleep 0.1; done
export DISPLAY=:$(head -n1 "$tmp/display")

idle=$(cpu "$dev")
"$B/fakegpu-view" --ctl "$tmp/ctl" >/dev/null 2>&1 & view=$!; pids+=("$view")
sleep 2
f0=$("$B/fakegpu-ctl" --socket "$tmp/ctl" stats | awk '$1 == "head" && $2 == 0 { for (i = 3; i <= NF; i++) if ($i ~ /^frames=/) print substr($i, 8) }')
viewing=$(cpu "$dev")
f1=$("$B/fakegpu-ctl" --socket "$tmp/ctl" stats | awk '$1 == "head" && $2 == 0 { for (i = 3; i <= NF; i++) if ($i ~ /^frames=/) print substr($i, 8) }')
vcpu=$(awk -v t="$(ticks "$view")" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t / hz }')
echo "device CPU, head 0 1024x768@60, ${secs} s each:"
echo "  idle:            $idle % of one core"
echo "  viewer attached: $viewing % of one core (device frames advanced: $((f1 - f0)) in ${secs} s)"
awk -v a="$idle" -v b="$viewing" 'BEGIN { if (a > 0) printf "  ratio attached/idle: %.1f\n", b / a; else print "  ratio: idle use below the tick resolution" }'
echo "  viewer process CPU since start: $vcpu s"
