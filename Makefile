# teemed - one hand-written Makefile (see README "Source tour").
#   make            build/teemed
#   make check      every test, twice: gcc -Werror build and ASan+UBSan build; then the
#                   fuzz corpora under clang's UBSan
#   make demo       the main job, end to end, on bundled sample data
#   make bench      performance figures against the Python yardstick
#   make fuzz       libFuzzer targets (clang), FUZZ_SECONDS each
.SUFFIXES:

BUILD    ?= build
CC       ?= cc
PKGS      = libcjson sqlite3 openssl libcurl libmicrohttpd
# Fallbacks for a fresh machine where pkg-config arrives with `make deps` itself.
PKG_CFLAGS := $(or $(shell pkg-config --cflags $(PKGS) 2>/dev/null),-I/usr/include/cjson)
PKG_LIBS   := $(or $(shell pkg-config --libs $(PKGS) 2>/dev/null),-lcjson -lsqlite3 -lssl -lcrypto -lcurl -lmicrohttpd)

WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wformat=2 \
           -Wno-format-nonliteral -Werror
OPT     ?= -O2 -g
HARDEN   = -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
REPRO    = -ffile-prefix-map=$(CURDIR)=. -fdebug-prefix-map=$(CURDIR)=.
CFLAGS_ALL = -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude -Ilib -I. $(WARN) $(OPT) $(HARDEN) $(REPRO) \
             $(PKG_CFLAGS) $(SAN) $(CFLAGS)
LDFLAGS_ALL = -pie -Wl,-z,relro,-z,now $(SAN) $(LDFLAGS)
LIBS     = $(PKG_LIBS) -lm -lpthread

LIB_SRC  = $(sort $(wildcard lib/*/*.c))
CLI_SRC  = $(sort $(wildcard cli/*.c server/*.c))
DEV_SRC  = $(sort $(wildcard tools/dev/*.c))
TEST_SRC = $(sort $(wildcard tests/unit/*.c))
# The Public Suffix List and an English word list come from Debian packages
# (publicsuffix, wamerican; scripts/install-deps): host names, and telling names from words.
PSL      = /usr/share/publicsuffix/public_suffix_list.dat
WORDS    = /usr/share/dict/american-english
DATA     = $(sort $(wildcard data/taxonomy/*.json)) $(wildcard data/background.tsv data/lexicon.tsv) data/api/ops.json \
           $(wildcard data/intel/*.der) $(PSL) $(WORDS)
HDRS     = $(wildcard include/tm/*.h lib/*/*.h cli/*.h server/*.h tools/dev/*.h tests/unit/*.h)

LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/embed.o
CLI_OBJ  = $(CLI_SRC:%.c=$(BUILD)/%.o)
DEV_OBJ  = $(DEV_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ = $(TEST_SRC:%.c=$(BUILD)/%.o)

all: $(BUILD)/teemed $(BUILD)/teemed-dev

# Quiet by default; `make V=1` prints every command.
Q = $(if $(V),,@)

$(BUILD)/%.o: %.c $(HDRS) | deps
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(PSL) $(WORDS):
	@sh scripts/install-deps

$(BUILD)/gen/embed.c: $(DATA) scripts/embed.sh Makefile
	@mkdir -p $(@D)
	sh scripts/embed.sh $@ $(DATA)

$(BUILD)/gen/embed.o: $(BUILD)/gen/embed.c lib/base/embed.h
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/libteemed.a: $(LIB_OBJ)
	$(Q)rm -f $@
	$(Q)ar rcD $@ $(LIB_OBJ)

$(BUILD)/teemed: $(CLI_OBJ) $(BUILD)/libteemed.a
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJ) $(BUILD)/libteemed.a $(LIBS)

$(BUILD)/teemed-dev: $(DEV_OBJ) $(BUILD)/libteemed.a
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(DEV_OBJ) $(BUILD)/libteemed.a $(LIBS)

# the baseline server for the HTTP figures of make bench
$(BUILD)/bench-bare: bench/bare.c
	$(Q)$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ bench/bare.c $(LIBS)

$(BUILD)/test-unit: $(TEST_OBJ) $(BUILD)/libteemed.a
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(TEST_OBJ) $(BUILD)/libteemed.a $(LIBS)

# a fuzz target may need front-end sources too (the HTTP server)
FUZZ_EXTRA_http = server/http.c server/openapi.c server/mcp.c

$(BUILD)/fuzz-replay-%: fuzz/fuzz_%.c fuzz/replay.c $(BUILD)/libteemed.a
	$(Q)$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ fuzz/fuzz_$*.c $(FUZZ_EXTRA_$*) fuzz/replay.c $(BUILD)/libteemed.a $(LIBS)

FUZZ_TARGETS = $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))

# Install missing Debian packages first (as root; otherwise print the command).
deps:
	@sh scripts/install-deps

$(BUILD)/fuzz-selftest: fuzz/selftest.c fuzz/replay.c
	$(Q)$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ fuzz/selftest.c fuzz/replay.c

# One pass of the test suite with the build in $(BUILD).
test-pass: $(BUILD)/teemed $(BUILD)/teemed-dev $(BUILD)/test-unit $(BUILD)/fuzz-selftest \
           $(FUZZ_TARGETS:%=$(BUILD)/fuzz-replay-%)
	sh scripts/check-layers.sh
	$(BUILD)/test-unit
	sh tests/cli/run.sh $(BUILD)/teemed
	@for t in $(FUZZ_TARGETS); do timeout 600 $(BUILD)/fuzz-replay-$$t fuzz/corpus/$$t || exit 1; done
	@$(BUILD)/fuzz-selftest fuzz/selftest-corpus 2>$(BUILD)/selftest.err | grep -q ': 1 passed, 1 failed' && \
	  grep -q 'FAIL fuzz/selftest-corpus/crash' $(BUILD)/selftest.err || \
	  { echo "fuzz replay does not report a failing input"; exit 1; }

# gcc's -fsanitize=undefined leaves out float-cast-overflow: named here
ASAN_FLAGS = -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer

# The fuzz corpora once more under clang's UBSan (its checks differ from gcc's).
replay-clang:
	$(MAKE) $(FUZZ_TARGETS:%=build/clang/fuzz-replay-%) BUILD=build/clang CC=clang OPT="-O1 -g" \
	    SAN="-fsanitize=undefined,float-cast-overflow,integer-divide-by-zero -fno-sanitize-recover=all"
	@for t in $(FUZZ_TARGETS); do UBSAN_OPTIONS=print_stacktrace=1 timeout 600 \
	    build/clang/fuzz-replay-$$t fuzz/corpus/$$t || exit 1; done

check:
	@sh scripts/install-deps --check
	$(MAKE) test-pass
	$(MAKE) test-pass BUILD=build/asan OPT="-O1 -g" SAN="$(ASAN_FLAGS)" \
	    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
	$(MAKE) replay-clang

demo: deps
	$(MAKE) $(BUILD)/teemed
	$(BUILD)/teemed demo examples

bench:
	@sh scripts/install-deps --bench
	$(MAKE) $(BUILD)/teemed $(BUILD)/teemed-dev $(BUILD)/bench-bare
	sh bench/bench.sh $(BUILD)/teemed

FUZZ_SECONDS ?= 60
fuzz: deps
	$(MAKE) build/fuzz/libteemed.a BUILD=build/fuzz CC=clang OPT="-O1 -g" \
	    SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" WARN="-Wall -Werror"
	@for t in $(FUZZ_TARGETS); do \
	  clang -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude -Ilib -I. -g -O1 $(PKG_CFLAGS) \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o build/fuzz/fuzz-$$t fuzz/fuzz_$$t.c \
	    $$(case $$t in http) echo $(FUZZ_EXTRA_http);; esac) build/fuzz/libteemed.a $(LIBS) || exit 1; \
	  mkdir -p build/fuzz/corpus-$$t; \
	  build/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
	    build/fuzz/corpus-$$t fuzz/corpus/$$t 2>&1 | grep -E 'stat::number_of_executed_units|ERROR|crash' ; \
	done

# The analysis measured against planted truth on a corpus it was not written against
# (eval/gen-corpus.py: three domains, six datasets, several seeds): figures, not a test.
EVAL_SEEDS ?= 1,2,3
eval: $(BUILD)/teemed
	python3 eval/run.py $(BUILD)/teemed --seeds $(EVAL_SEEDS)

# Rebuild data/background.tsv from public Debian-packaged text only (man pages, fortunes;
# data/background.sources lists the packages and versions) and data/lexicon.tsv (the
# part-of-speech prior) from WordNet (wordnet-base). Never from test data.
background: $(BUILD)/teemed-dev
	@sh scripts/install-deps --background
	sh scripts/make-background.sh $(BUILD)/teemed-dev > data/background.tsv.new
	mv data/background.tsv.new data/background.tsv
	python3 scripts/make-lexicon.py > data/lexicon.tsv.new
	mv data/lexicon.tsv.new data/lexicon.tsv

clean:
	rm -rf build

.PHONY: all deps check test-pass replay-clang demo bench fuzz eval background clean
