#!/bin/sh
# Run each unit-test program; each prints "name: N passed, M failed".
# Prints the totals last and fails if any test failed.
passed=0 failed=0 rc=0
for t in "$@"; do
	out=$(${VALGRIND:-} "$t" 2>&1); st=$?
	printf '%s\n' "$out" | grep -v '^ok ' || true
	line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -1)
	p=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/')
	f=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	[ -n "$p" ] || p=0
	[ -n "$f" ] || f=1
	passed=$((passed + p)); failed=$((failed + f))
	[ $st -eq 0 ] || rc=1
done
echo "unit: $passed passed, $failed failed"
[ $failed -eq 0 ] && [ $rc -eq 0 ]
