#!/bin/sh
# Build each libFuzzer harness with clang and run it for $1 seconds.
set -eu
secs=$1; shift
mkdir -p bin/fuzz test/fuzz/artifacts
for src in "$@"; do
	name=$(basename "$src" .c)
	clang -std=c11 -D_GNU_SOURCE -g -O1 -Ilib \
	    -fsanitize=fuzzer,address,undefined -o "bin/fuzz/$name" "$src" lib/*.c \
	    -lssl -lcrypto -lcrypt -lm
	mkdir -p "test/fuzz/corpus/$name"
	dict=""; [ -f test/fuzz/json.dict ] && dict="-dict=test/fuzz/json.dict"
	"bin/fuzz/$name" -max_total_time="$secs" $dict \
	    -artifact_prefix="test/fuzz/artifacts/$name-" \
	    "test/fuzz/corpus/$name" 2>&1 | tail -3
done
