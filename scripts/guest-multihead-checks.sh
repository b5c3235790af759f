#!/bin/bash
# Runs IN THE GUEST (scripts/check-multihead boots it with --heads N): one
# connector, EDID and CRTC per head, modes set independently per head, flips
# on every head at once, hotplug of one head leaving the others alone.
# Prints "ok - ..." / "not ok - ..." and "multihead: N passed, M failed".
#   guest-multihead-checks.sh HEADS
set -uo pipefail
heads=${1:?usage: guest-multihead-checks.sh HEADS}
. /src/scripts/guest-desktop-lib.sh

load_fakegpu >/dev/null
mapfile -t conns < <(connectors)
echo "connectors: ${conns[*]}"
[ "${#conns[@]}" = "$heads" ]; ok $? "$heads connectors for $heads heads"
mt=$(modetest -M fakegpu -c 2>&1)
[ "$(grep -cE '^[0-9]+[[:space:]]+[0-9]+[[:space:]]+connected[[:space:]]+Virtual-' <<<"$mt")" = "$heads" ]
ok $? "every head's connector is connected"

# 1. One EDID per head: valid size, a monitor name and serial of its own.
names=() sums=()
for i in $(seq 0 $((heads - 1))); do
	e=$(ls /sys/class/drm/card*-Virtual-$((i + 1))/edid 2>/dev/null | head -n1)
	size=$(cat "$e" 2>/dev/null | wc -c)
	name=$(cat "$e" 2>/dev/null | tr -c '[:print:]' '\n' | grep -m1 '^fakegpu-' || true)
	serial=$(cat "$e" 2>/dev/null | od -An -tu4 -j12 -N4 | tr -d ' ')
	echo "head $i: ${e:-no edid file}, $size bytes, monitor name '${name}', serial ${serial:-?}"
	[ "$size" = 128 ] && [ "$name" = "fakegpu-$i" ] && [ "$serial" = $((i + 1)) ]
	ok $? "head $i: EDID of 128 bytes, monitor name fakegpu-$i, serial $((i + 1))"
	names+=("$name")
	sums+=("$(md5sum <"$e" | cut -d' ' -f1)")
done
[ "$(printf '%s\n' "${sums[@]}" | sort -u | wc -l)" = "$heads" ]; ok $? "the $heads EDIDs all differ"
# The EDID's own modes, not the no-EDID list (which starts at 4096x2160).
modes=$(awk '/Virtual-1/ {on = 1} on && /^  #/ {print $2} /Virtual-2/ {exit}' <<<"$mt" | sort -u | tr '\n' ' ')
echo "head 0 modes: $modes"
[ "$modes" = "1024x768 1280x720 1920x1080 640x480 800x600 " ]
ok $? "modes are the EDID's: 1024x768 1280x720 1920x1080 640x480 800x600"

# 2. Modes set independently per head (one modetest, one CRTC per head).
want=(1280x720 800x600 1920x1080 640x480 1024x768 1280x720 800x600 640x480)
args=()
for i in $(seq 0 $((heads - 1))); do
	id=$(awk -v n="Virtual-$((i + 1))" '$4 == n {print $1}' <<<"$mt")
	args+=(-s "$id:${want[$i]}")
done
echo "modetest -M fakegpu ${args[*]}"
# modetest holds the modes until a line arrives on its stdin.
stop=$(mktemp -u)
modetest -M fakegpu "${args[@]}" >/tmp/modetest.log 2>&1 \
	< <(while [ ! -e "$stop" ]; do sleep 0.2; done; echo) &
mt_pid=$!
# Legacy modetest puts one framebuffer across all heads, side by side, and
# draws one SMPTE pattern on it: each head's top-left pixel is in the top
# colour bar (of 7 across the whole width) its x offset falls in. So each
# screenshot also proves the head scans out its own part of the framebuffer.
smpte=(c0c0c0 c0c000 00c0c0 00c000 c000c0 c00000 0000c0)
fb_w=0
for i in $(seq 0 $((heads - 1))); do fb_w=$((fb_w + ${want[$i]%x*})); done
bar_at() {	# bar_at X: colour of the top SMPTE bar at x = X
	local k
	for k in 0 1 2 3 4 5 6; do
		[ "$1" -lt $((fb_w * (k + 1) / 7)) ] && { echo "${smpte[$k]}"; return; }
	done
}
set_ok=0 x0=0
for i in $(seq 0 $((heads - 1))); do
	wait_for 10 mode_is "$i" "${want[$i]}"; rc=$?
	ok $rc "head $i shows ${want[$i]} ($(head_mode "$i"))"
	set_ok=$((set_ok | rc))
	c=$(bar_at "$x0")
	res=$(shot "$i" "$out/multihead-$heads-$i.png" --expect-size "${want[$i]}" --rect 0,0,1,1="$c" 2>&1); rc=$?
	[ $rc = 0 ] || echo "$res"
	ok $rc "head $i: host screenshot ${want[$i]}, framebuffer x=$x0 (bar #$c) at its top-left (out/multihead-$heads-$i.png)"
	x0=$((x0 + ${want[$i]%x*}))
done
[ "$set_ok" = 0 ] || sed 's/^/  modetest: /' /tmp/modetest.log
touch "$stop"
wait "$mt_pid"; ok $? "modetest held and released every head"
rm -f "$stop"

# 3. Flips with events on every head at once.
res=$("$ut/modeset-atomic" --all-connectors --frames 60 2>&1); rc=$?
grep -E 'frames=' <<<"$res"
ok $rc "modeset-atomic --all-connectors: 60 flips, every event on $heads heads"

# 4. Unplugging the last head leaves the others connected.
last=$((heads - 1))
/src/scripts/host-ctl unplug "$last" >/dev/null
wait_for 10 bash -c "modetest -M fakegpu -c | grep -qE '[[:space:]]disconnected[[:space:]]+Virtual-$heads[[:space:]]'"
ok $? "unplug head $last: Virtual-$heads disconnected"
n=$(modetest -M fakegpu -c | grep -cE '^[0-9]+[[:space:]]+[0-9]+[[:space:]]+connected[[:space:]]+Virtual-')
[ "$n" = $((heads - 1)) ]; ok $? "the other $((heads - 1)) heads stay connected ($n)"
/src/scripts/host-ctl plug "$last" >/dev/null
wait_for 10 bash -c "modetest -M fakegpu -c | grep -qE '[[:space:]]connected[[:space:]]+Virtual-$heads[[:space:]]'"
ok $? "plug head $last again: connected"

summary multihead
