#!/usr/bin/env bash
# Runs IN THE GUEST for bench/flip-rate.sh: FRAMES RUNS.
set -euo pipefail
frames=$1 runs=$2
bin=userspace-tests/build
tr=/sys/kernel/tracing
[ -d $tr/instances ] || mount -t tracefs nodev $tr
bar0() { scripts/host-ctl status | sed -nE 's/^bar0: reads ([0-9]+), writes ([0-9]+)$/\1 \2/p'; }
scripts/guest-load-module >/dev/null
for shm in 0 1; do
	rmmod fakegpu
	modprobe fakegpu shm=$shm
	for _ in $(seq 50); do ls /dev/dri/card* >/dev/null 2>&1 && break; sleep 0.1; done
	path=registers
	[ "$shm" = 1 ] && [ "$(dmesg | grep -c 'shared pages: vblank status')" -gt 0 ] && path="shared pages"
	$bin/modeset-atomic --frames 20 >/dev/null 2>&1	# warm-up: TCG translates the path once
	read -r r0 w0 < <(bar0)
	hz_all=() miss_all=() late_all=()
	for k in $(seq "$runs"); do
		line=$($bin/modeset-atomic --frames "$frames" 2>&1 | grep '^modeset-atomic: frames=' | tail -n1)
		hz=$(sed -nE 's/.* hz=([0-9.]+).*/\1/p' <<<"$line")
		miss=$(sed -nE 's/.* missed=([0-9]+) .*/\1/p' <<<"$line")
		late=$(sed -nE 's/.* late=([0-9]+) .*/\1/p' <<<"$line")
		hz_all+=("${hz:-?}") miss_all+=("${miss:-?}") late_all+=("${late:-?}")
	done
	read -r r1 w1 < <(bar0)
	# The same client with few frames: what a run costs whatever its length
	# (connector probe, EDID, modeset), to tell it from the cost per flip.
	$bin/modeset-atomic --frames 60 >/dev/null 2>&1
	read -r r2 w2 < <(bar0)
	# The handler's time comes from a run of its own: function_graph slows
	# the guest enough (under TCG) to make the timed runs above miss vblanks
	# they do not miss untraced, so it never runs during them. Only the
	# handler is patched (set_ftrace_filter), at depth 1.
	echo 0 >$tr/tracing_on
	echo fakegpu_irq_handler >$tr/set_ftrace_filter
	echo fakegpu_irq_handler >$tr/set_graph_function
	echo 1 >$tr/max_graph_depth
	echo function_graph >$tr/current_tracer
	echo >$tr/trace
	echo 1 >$tr/tracing_on
	$bin/modeset-atomic --frames "$frames" >/dev/null 2>&1
	echo 0 >$tr/tracing_on
	# Durations of the handler (us), one per interrupt.
	cp $tr/trace "/src/out/bench-flip-rate-trace-shm$shm.txt"
	durs=$(grep -E 'fakegpu_irq_handler' $tr/trace | grep -oE '[0-9]+\.[0-9]+ us' | sed 's/ us//' | sort -n)
	echo nop >$tr/current_tracer
	echo >$tr/set_ftrace_filter
	echo >$tr/set_graph_function
	n=$(wc -l <<<"$durs")
	pct() { sed -n "$(( ($1 * n + 99) / 100 ))p" <<<"$durs"; }
	flips=$((runs * frames))
	echo "$path (shm=$shm):"
	echo "  flip rate per run (Hz): ${hz_all[*]}; missed vblanks per run: ${miss_all[*]} (of which by late commits: ${late_all[*]})"
	# hz is the display's vblank rate over the run; the client's flip rate
	# is that times flips / (flips + vblanks missed between them).
	awk -v h="${hz_all[*]}" -v m="${miss_all[*]}" -v f="$frames" 'BEGIN {
		n = split(h, a, " "); split(m, b, " "); s = 0; t = 0; v = 0
		for (i = 1; i <= n; i++) { s += a[i] * (f - 1) / (f - 1 + b[i]); t += b[i]; v += a[i] }
		printf "  mean flip rate %.2f Hz (%.2f %% of the %.2f Hz display), %d missed in all\n", s / n, s / v * 100, v / n, t }'
	awk -v r=$((r1 - r0)) -v w=$((w1 - w0)) -v f=$flips -v n=$runs -v fr=$frames \
		-v rs=$((r2 - r1)) -v ws=$((w2 - w1)) 'BEGIN {
		printf "  BAR0 over the socket: %d reads, %d writes in %d flips (%.2f and %.2f per flip)\n", r, w, f, r / f, w / f
		if (fr > 60)
			printf "  per run of 60 flips: %d reads, %d writes; so per flip beyond a run'"'"'s fixed cost: %.3f reads, %.3f writes\n", rs, ws, (r / n - rs) / (fr - 60), (w / n - ws) / (fr - 60) }'
	if [ "$n" -gt 0 ] && [ -n "$durs" ]; then
		echo "  interrupt handler: $n calls, p50 $(pct 50) us, p99 $(pct 99) us, max $(tail -n1 <<<"$durs") us"
	else
		echo "  interrupt handler: no trace (function_graph unavailable?)"
	fi
done
