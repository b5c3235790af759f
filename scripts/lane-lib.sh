# Sourced IN THE GUEST by scripts/lanes/*.sh: one guest boot runs several
# checks that need the same guest setup (a boot costs 35-55 s under TCG).
# Each check keeps its own verdict and log, so a failure still names the
# check and shows what it printed.
#   lane_begin LANE     logs go to /src/out/test-logs/LANE/
#   check NAME CMD...   run CMD (in /src); its output goes to LANE/NAME.log
#   lane_end            prints "LANE: P passed, F failed"; the lane's status
# A check is counted as scripts/run-tests.sh counts a step (scripts/tally.sh):
# by the "WORD: N passed, M failed" lines its log carries (the checks of a
# sub-script), or once by its exit status when there are none.
# shellcheck shell=bash
. /src/scripts/tally.sh
lane_name="" lane_dir="" lane_pass=0 lane_fail=0

lane_begin() {
	lane_name=$1
	lane_dir=/src/out/test-logs/$lane_name
	mkdir -p "$lane_dir"
	cd /src || exit 1
}

check() {
	local name=$1 log="$lane_dir/$1.log" s rc p f
	shift
	s=$(date +%s)
	"$@" >"$log" 2>&1 </dev/null
	rc=$?
	read -r p f < <(tally "$log" "$rc")
	lane_pass=$((lane_pass + p)) lane_fail=$((lane_fail + f))
	if [ $rc = 0 ] && [ "$f" = 0 ]; then
		printf 'ok - %s (%ss, %d passed)\n' "$name" "$(($(date +%s) - s))" "$p"
	else
		printf 'not ok - %s (%ss, %d passed, %d failed, exit %d) — out/test-logs/%s/%s.log\n' \
			"$name" "$(($(date +%s) - s))" "$p" "$f" "$rc" "$lane_name" "$name"
		grep -E '^not ok' "$log" | head -n 10 | sed 's/^/    # /'
		tail -n 15 "$log" | sed 's/^/    | /'
	fi
	return $rc
}

lane_end() {
	echo "$lane_name: $lane_pass passed, $lane_fail failed"
	[ "$lane_fail" = 0 ]
}
