# Sourced by scripts/run-tests.sh (a step) and scripts/lane-lib.sh (a check
# of a guest lane): how many checks a log passed and failed.
# shellcheck shell=bash

# tally LOG RC: prints "P F". The log's finer counts are added up - cmocka
# summaries ("[  PASSED  ] 12 test(s)." / "[  FAILED  ] 1 test(s), ...") and
# our own tools' "<name>: N passed, M failed" lines - and stand for the
# command's single verdict; without any, RC is that verdict. A command that
# failed beyond what its counts say counts one failure.
tally() {
	local log=$1 rc=$2 p f
	read -r p f < <(awk '
		/^\[  PASSED  \] [0-9]+ test/ {p += $4}
		/^\[  FAILED  \] [0-9]+ test/ {f += $4}
		/^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed/ {p += $2; f += $4}
		END {print p+0, f+0}' "$log")
	if [ $((p + f)) = 0 ]; then
		if [ "$rc" = 0 ]; then p=1; else f=1; fi
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
	fi
	echo "$p $f"
}
