#!/bin/bash
# Runs IN THE GUEST (scripts/check-xorg boots it with two heads): Xorg with
# the modesetting driver on fakegpu (userspace-tests/x11/xorg.conf), xrandr
# per head, a mode switch, a desktop across both heads, and an X client's
# drawing checked in the host screenshots (out/xorg-2head-N.png).
# Prints "ok - ..." / "not ok - ..." and "xorg: N passed, M failed".
set -uo pipefail
. /src/scripts/guest-desktop-lib.sh

card=$(load_fakegpu)
log=$out/xorg-2head-Xorg.log
conf=/tmp/xorg-fakegpu.conf
sed "s|\"kmsdev\" \"/dev/dri/card[0-9]*\"|\"kmsdev\" \"$card\"|" \
	/src/userspace-tests/x11/xorg.conf >"$conf"
export DISPLAY=:1
Xorg :1 -config "$conf" -logfile "$log" -noreset -nolisten tcp >/tmp/Xorg.out 2>&1 &
xorg=$!
cleanup() {
	[ -z "${draw:-}" ] || kill "$draw" 2>/dev/null
	[ -z "${xorg:-}" ] || { kill "$xorg" 2>/dev/null && wait "$xorg" 2>/dev/null; }
}
trap cleanup EXIT
wait_for 60 xdpyinfo; ok $? "Xorg :1 is up on $card (log: out/xorg-2head-Xorg.log)"
grep -q 'modeset(0): using drv' "$log" && ! grep -q 'LoadModule: "glamoregl"' "$log"
ok $? "the modesetting driver drives the screen, glamor not loaded"

# 1. xrandr: both heads, each with its EDID's modes.
xr=$(xrandr 2>&1)
echo "$xr" | grep -vE '^   '
for o in Virtual-1 Virtual-2; do
	modes=$(awk -v o="$o" '$1 == o {on = 1; next} /^[^ ]/ {on = 0} on {print $1}' <<<"$xr" | sort | tr '\n' ' ')
	grep -q "^$o connected" <<<"$xr" && [ "$modes" = "1024x768 1280x720 1920x1080 640x480 800x600 " ]
	ok $? "xrandr: $o connected with the EDID modes ($modes)"
done

# 2. Arrange: Virtual-2 at 1280x720 right of Virtual-1 (1024x768).
xrandr --output Virtual-1 --mode 1024x768 --pos 0x0 --output Virtual-2 --mode 1280x720 --right-of Virtual-1
ok $? "xrandr --output Virtual-2 --mode 1280x720 --right-of Virtual-1"
xrandr | grep -q 'current 2304 x 768'; ok $? "the screen spans both heads: 2304x768"
wait_for 10 mode_is 0 1024x768 && wait_for 10 mode_is 1 1280x720
ok $? "the device shows head 0 $(head_mode 0), head 1 $(head_mode 1)"

# 3. A background and an X client's rectangles, one across the heads' border.
bg=203040
xsetroot -solid "#$bg"; ok $? "xsetroot -solid #$bg"
"$ut/x11-draw" --ready-file /tmp/x11-draw.ready --hold 600 \
	100,100,200,150=ff0000 1224,300,160,120=00ff00 974,500,100,60=0000ff >/tmp/x11-draw.out 2>&1 &
draw=$!
wait_for 30 test -e /tmp/x11-draw.ready; ok $? "x11-draw drew its rectangles: $(cat /tmp/x11-draw.out)"
shot 0 "$out/xorg-2head-0.png" --expect-size 1024x768 --rect 100,100,200,150=ff0000 \
	--rect 974,500,50,60=0000ff --rect 600,20,100,50=$bg
ok $? "head 0 screenshot: red rectangle, left half of the blue one, background"
shot 1 "$out/xorg-2head-1.png" --expect-size 1280x720 --rect 200,300,160,120=00ff00 \
	--rect 0,500,50,60=0000ff --rect 600,20,100,50=$bg
ok $? "head 1 screenshot: green rectangle, right half of the blue one, background"

# 4. Mode switch on head 0; head 1 moves right with it.
xrandr --output Virtual-1 --mode 1280x720 --output Virtual-2 --right-of Virtual-1
ok $? "xrandr --output Virtual-1 --mode 1280x720"
wait_for 10 mode_is 0 1280x720; ok $? "the device shows head 0 $(head_mode 0)"
shot 0 "$out/xorg-2head-switched-0.png" --expect-size 1280x720 --rect 100,100,200,150=ff0000
ok $? "head 0 screenshot is 1280x720 and still shows the red rectangle"

kill "$draw"; wait "$draw"; ok $? "x11-draw ended cleanly"
draw=""
kill "$xorg"; wait "$xorg"; ok $? "Xorg terminated cleanly"
xorg=""
# No D-Bus system bus in the guest: that one error is expected.
ee=$(grep -E '^\[ *[0-9.]+\] \(EE\)' "$log" | grep -v 'dbus-core: error connecting to system bus')
[ -z "$ee" ] || sed 's/^/  Xorg.log: /' <<<"$ee"
[ -z "$ee" ]; ok $? "no (EE) lines in the Xorg log but the missing D-Bus system bus"
summary xorg
