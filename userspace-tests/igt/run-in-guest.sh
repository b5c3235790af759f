#!/bin/bash
# Run the curated igt list in the guest, one subtest per process.
#   run-in-guest.sh LIST BLOCKLIST OUTDIR [TIMEOUT [RETRYLIST]]
# Writes OUTDIR/results.txt: "test@subtest RESULT seconds" with RESULT one of
# pass skip fail crash timeout warn (warn: the kernel logged a WARNING/BUG
# while the subtest ran), and OUTDIR/logs/test@subtest.log.
# A subtest matching RETRYLIST (globs) that fails is run once more and the
# second result counts; its line then ends in "retried:FIRST" and the first
# run's log is kept as test@subtest.first.log. Only a plain fail is retried:
# a crash, timeout or kernel warning never is.
set -u
list=$1 blocklist=$2 out=$3 per_test_timeout=${4:-180} retrylist=${5:-/dev/null}
igt=${IGT_DIR:-/usr/libexec/igt-gpu-tools}
mkdir -p "$out/logs"
: >"$out/results.txt"
# listed FILE NAME: NAME matches one of the globs in FILE
listed() {
	local file=$1 name=$2 pat
	while read -r pat; do
		case "$pat" in ''|\#*) continue ;; esac
		# shellcheck disable=SC2053
		[[ $name == $pat ]] && return 0
	done <"$file"
	return 1
}
# run_one TEST SUB LOG: run it, set res and secs
run_one() {
	local test=$1 sub=$2 log=$3 marks start rc ms
	marks=$(dmesg | wc -l)
	start=$(date +%s%N)
	if [ "$sub" = "-" ]; then
		timeout -k 10 "$per_test_timeout" "$igt/$test" >"$log" 2>&1
	else
		timeout -k 10 "$per_test_timeout" "$igt/$test" --run-subtest "$sub" >"$log" 2>&1
	fi
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	secs=$((ms / 1000)).$(( (ms % 1000) / 100 ))
	case $rc in
	0) res=pass ;;
	77) res=skip ;;
	124|137) res=timeout ;;
	*) if [ "$rc" -gt 128 ]; then res=crash; else res=fail; fi ;;
	esac
	if dmesg | tail -n +"$((marks + 1))" | grep -qE 'WARNING:|BUG:|Oops|general protection|Call Trace'; then
		res=warn
		dmesg | tail -n +"$((marks + 1))" >>"$log"
	fi
}
wanted() {	# wanted SUBTEST GLOBS
	local sub=$1 g globs
	[ -z "$2" ] && return 0
	IFS=, read -ra globs <<<"$2"
	for g in "${globs[@]}"; do
		# shellcheck disable=SC2053
		[[ $sub == $g ]] && return 0
	done
	return 1
}
while read -r line; do
	case "$line" in ''|\#*) continue ;; esac
	test=${line%%@*}
	globs=""
	[ "$test" != "$line" ] && globs=${line#*@}
	if [ ! -x "$igt/$test" ]; then
		echo "$test@- missing 0" >>"$out/results.txt"
		continue
	fi
	for sub in $("$igt/$test" --list-subtests 2>/dev/null || echo "-"); do
		wanted "$sub" "$globs" || continue
		name="$test@$sub"
		listed "$blocklist" "$name" && continue
		log="$out/logs/$name.log"
		run_one "$test" "$sub" "$log"
		extra=""
		if [ "$res" = fail ] && listed "$retrylist" "$name"; then
			mv "$log" "$out/logs/$name.first.log"
			run_one "$test" "$sub" "$log"
			extra=" retried:fail"
		fi
		echo "$name $res $secs$extra" >>"$out/results.txt"
		printf '%-60s %s (%ss)%s\n' "$name" "$res" "$secs" "$extra"
	done
done <"$list"
