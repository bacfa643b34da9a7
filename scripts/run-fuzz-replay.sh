#!/bin/sh
# Replay every committed corpus and crash input through each harness.
rc=0 n=0
for r in "$@"; do
	name=$(basename "$r" | sed 's/^replay_//')
	dir=test/fuzz/corpus/$name
	[ -d "$dir" ] || continue
	if "$r" "$dir"/* >/dev/null 2>&1; then n=$((n + 1)); else
		echo "fuzz-replay: $name FAILED"; "$r" "$dir"/* 2>&1 | tail -20; rc=1; fi
done
echo "fuzz-replay: $n harnesses replayed"
exit $rc
