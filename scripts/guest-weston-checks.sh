#!/bin/bash
# Runs IN THE GUEST (scripts/check-weston boots it with two heads): weston's
# DRM backend with the pixman renderer on fakegpu, a seat from libseat's
# builtin backend (an embedded seatd: no daemon, root only), and
# weston-simple-shm's window checked in the host screenshot against the idle
# desktop. Prints "ok - ..." / "not ok - ..." and "weston: N passed, M failed".
set -uo pipefail
. /src/scripts/guest-desktop-lib.sh

card=$(load_fakegpu)
log=$out/weston-weston.log
bg=204060
XDG_RUNTIME_DIR=$(mktemp -d /tmp/xdg-XXXXXX)
export XDG_RUNTIME_DIR LIBSEAT_BACKEND=builtin
chmod 700 "$XDG_RUNTIME_DIR"
weston --backend=drm --renderer=pixman --drm-device="${card#/dev/dri/}" \
	--config=/src/userspace-tests/wayland/weston.ini --socket=fakegpu-0 \
	--log="$log" >/tmp/weston.out 2>&1 &
weston=$!
cleanup() {
	[ -z "${client:-}" ] || kill "$client" 2>/dev/null
	[ -z "${weston:-}" ] || { kill "$weston" 2>/dev/null && wait "$weston" 2>/dev/null; }
}
trap cleanup EXIT
wait_for 60 test -S "$XDG_RUNTIME_DIR/fakegpu-0"
ok $? "weston --backend=drm --renderer=pixman is up on $card (log: out/weston-weston.log)"
grep -q 'Using Pixman renderer\|pixman renderer\|Pixman' "$log"; ok $? "weston uses the pixman renderer"
for h in 0 1; do
	wait_for 20 bash -c "/src/scripts/host-ctl status | grep -q '^head $h: on'"
	ok $? "weston lit head $h ($(head_mode $h))"
done

# 1. The idle desktop: weston-desktop-shell's solid background on both heads.
shot 0 "$out/weston-idle-0.png" --rect 0,0,64,64=$bg --rect 900,650,64,64=$bg
ok $? "head 0 shows the idle background #$bg (out/weston-idle-0.png)"
shot 1 "$out/weston-idle-1.png" --rect 0,0,64,64=$bg
ok $? "head 1 shows the idle background #$bg (out/weston-idle-1.png)"

# 2. A wl_shm client: its 250x250 window must appear on head 0.
WAYLAND_DISPLAY=fakegpu-0 weston-simple-shm >/tmp/simple-shm.out 2>&1 &
client=$!
shot 0 "$out/weston-shm-0.png" --changed-from "$out/weston-idle-0.png" --min-changed 40000
ok $? "weston-simple-shm's window is in the host screenshot (out/weston-shm-0.png)"
kill -0 "$client"; ok $? "weston-simple-shm still running"
kill "$client"; wait "$client" 2>/dev/null
client=""
# The pointer (the guest's PS/2 mouse) may sit on the desktop: a few
# hundred pixels may differ from the idle screenshot, never the window.
shot 0 "$out/weston-closed-0.png" --changed-from "$out/weston-idle-0.png" --min-changed 0 --max-changed 4096
ok $? "the window is gone once the client quit (head 0 as idle again)"

kill "$weston"; wait "$weston"; rc=$?
weston=""
[ $rc = 0 ]; ok $? "weston terminated cleanly (status $rc)"
summary weston
