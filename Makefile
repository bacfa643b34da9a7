# krest: one hand-written Makefile (the Redis/kcat way).
#
#   make            build bin/krestd and the other programs (-O2 -g)
#   make run        build, then start krestd in the foreground (PROPS=file)
#   make test       install missing Debian packages, build, run every test
#   make check      unit tests of lib/ only (no network, under a second)
#   make asan       the whole test suite under ASan+UBSan (bin/asan/)
#   make valgrind   the unit tests under valgrind
#   make fuzz       run each libFuzzer harness for FUZZ_SECONDS
#   make layering   check that lib/ stays pure
#   make format-check
#
# MODE=asan selects the sanitizer build; objects live in build/$(MODE).

MODE     ?= default
PYTHON   ?= /usr/bin/python3
CC       ?= cc
FUZZ_SECONDS ?= 60

CSTD   = -std=c11 -D_GNU_SOURCE
WARN   = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	 -Wmissing-prototypes -Wold-style-definition -Wpointer-arith \
	 -Wcast-qual -Wwrite-strings -Wvla -Wimplicit-fallthrough -Wundef \
	 -Wnull-dereference -Werror=implicit-function-declaration \
	 -Werror=incompatible-pointer-types
WARN_GCC = -Wduplicated-cond -Wduplicated-branches -Wlogical-op
WARN_LIB = -Wconversion -Wsign-conversion
HARDEN = -fstack-protector-strong -fstack-clash-protection -fPIE
LDHARD = -pie -Wl,-z,relro,-z,now

# The gcc-only warnings, when CC is gcc.
ifneq ($(shell $(CC) --version 2>/dev/null | grep -c 'Free Software'),0)
WARN += $(WARN_GCC)
endif

# CI (CI=true in the environment) turns every warning into an error.
ifneq ($(CI),)
WERROR = -Werror
endif

ifeq ($(MODE),asan)
OPT = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
      -fno-omit-frame-pointer
BIN = bin/asan
else
OPT = -O2 -g -D_FORTIFY_SOURCE=3
BIN = $(if $(filter default,$(MODE)),bin,bin/$(MODE))
endif
OBJ = build/$(MODE)

CFLAGS_ALL = $(CSTD) $(WARN) $(WERROR) $(HARDEN) $(OPT) -Ilib \
	     $(shell pkg-config --cflags libcjson 2>/dev/null) $(CFLAGS)
LDFLAGS_ALL = $(OPT) $(LDHARD) $(LDFLAGS)

LIB_SRC    = $(wildcard lib/*.c)
LIB_OBJ    = $(LIB_SRC:%.c=$(OBJ)/%.o)
LIBKREST   = $(OBJ)/libkrest.a

DAEMON_MAINS = daemon/krestd.c daemon/krest-iam-token.c
DAEMON_SRC = $(filter-out $(DAEMON_MAINS),$(wildcard daemon/*.c))
DAEMON_OBJ = $(DAEMON_SRC:%.c=$(OBJ)/%.o)
EMU_SRC    = $(wildcard emulator/*.c)
EMU_OBJ    = $(EMU_SRC:%.c=$(OBJ)/%.o)
UNIT_SRC   = $(wildcard test/unit/test_*.c)
UNIT_BIN   = $(UNIT_SRC:test/unit/%.c=$(BIN)/test/%)

DAEMON_LIBS = -lmicrohttpd -lrdkafka $(shell pkg-config --libs libcjson 2>/dev/null) -lssl -lcrypto -lcrypt -lm
EMU_LIBS    = -lcurl $(shell pkg-config --libs libmariadb 2>/dev/null) -lm
UNIT_LIBS   = -lssl -lcrypto -lcrypt -lm

PROGRAMS = $(if $(wildcard daemon/krestd.c),$(BIN)/krestd) \
	   $(if $(wildcard daemon/krest-iam-token.c),$(BIN)/krest-iam-token) \
	   $(if $(EMU_SRC),$(BIN)/krest-emulate) \
	   $(if $(wildcard test/mockbroker.c),$(BIN)/test/mockbroker) \
	   $(if $(wildcard bench/direct_producer.c),$(BIN)/test/direct_producer)

.SECONDARY:

.PHONY: all run deps test check integration asan valgrind fuzz fuzz-replay \
	layering format format-check clean bench bench-smoke install soak

all: $(PROGRAMS) $(UNIT_BIN)

# ---- objects ------------------------------------------------------------

$(OBJ)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(WARN_LIB) -MMD -MP -c -o $@ $<

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(LIBKREST): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

# ---- programs -----------------------------------------------------------

$(BIN)/krestd: $(OBJ)/daemon/krestd.o $(DAEMON_OBJ) $(LIBKREST)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(DAEMON_LIBS)

$(BIN)/krest-iam-token: $(OBJ)/daemon/krest-iam-token.o $(DAEMON_OBJ) $(LIBKREST)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(DAEMON_LIBS)

$(BIN)/krest-emulate: $(EMU_OBJ) $(LIBKREST)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(EMU_LIBS)

$(BIN)/test/mockbroker: $(OBJ)/test/mockbroker.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -rdynamic -o $@ $^ -lrdkafka

$(BIN)/test/direct_producer: $(OBJ)/bench/direct_producer.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ -lrdkafka

$(BIN)/test/%: $(OBJ)/test/unit/%.o $(LIBKREST)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(UNIT_LIBS)

-include $(shell find build -name '*.d' 2>/dev/null)

# ---- running ------------------------------------------------------------

deps:
	@scripts/install-deps.sh

run: deps $(BIN)/krestd
	$(BIN)/krestd $(PROPS)

check: $(UNIT_BIN)
	@scripts/run-unit.sh $(UNIT_BIN)

integration: all
	@KREST_BIN=$(BIN) $(PYTHON) test/integration/run.py $(TESTS)

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory layering
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory fuzz-replay
	@$(MAKE) --no-print-directory integration

asan: deps
	@$(MAKE) --no-print-directory MODE=asan all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 $(MAKE) --no-print-directory MODE=asan check integration

valgrind: $(UNIT_BIN)
	@VALGRIND="valgrind -q --leak-check=full --error-exitcode=1" \
	 scripts/run-unit.sh $(UNIT_BIN)

# ---- installation -------------------------------------------------------

PREFIX ?= /usr/local
DESTDIR ?=

install: all
	@PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" BIN="$(BIN)" scripts/install.sh

# ---- benchmarks (not part of make test) --------------------------------

bench: deps all
	@$(PYTHON) bench/run.py

bench-smoke: all
	@$(PYTHON) bench/run.py --smoke

# ---- soak (minutes of load with faults; not part of make test) ---------

soak: all
	@KREST_BIN=$(BIN) $(PYTHON) test/soak.py $(SOAK_ARGS)

# ---- fuzzing (clang + libFuzzer) ----------------------------------------

FUZZ_SRC = $(wildcard test/fuzz/fuzz_*.c)
FUZZ_CFLAGS = $(CSTD) -g -O1 -Ilib -fsanitize=fuzzer,address,undefined
FUZZ_REPLAY = $(FUZZ_SRC:test/fuzz/%.c=$(BIN)/test/replay_%)

$(BIN)/test/replay_%: test/fuzz/%.c $(LIB_SRC)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(WERROR) $(OPT) -Ilib -Itest/fuzz -DWITH_MAIN -o $@ $< $(LIB_SRC) $(UNIT_LIBS)

fuzz-replay: $(FUZZ_REPLAY)
	@scripts/run-fuzz-replay.sh $(FUZZ_REPLAY)

fuzz:
	@scripts/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_SRC)

# ---- hygiene ------------------------------------------------------------

layering:
	@scripts/check-layering.sh

FORMAT_FILES = $(wildcard lib/*.[ch] daemon/*.[ch] emulator/*.[ch] \
	       test/unit/*.[ch] test/fuzz/*.c test/*.c bench/*.c)

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf build bin
