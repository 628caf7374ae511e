# eap_iot — top-level build. `make` builds the libraries and tools; `make test` installs what
# it needs and runs every test (unit, engine, sanitizers, fuzz corpora, interop).
CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
VERSION  := 0.1.0

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS   ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) -fPIC -Ieap_iot/include -Ieap_iot/src
LIBS     := -lmbedx509 -lmbedcrypto

LIB_SRC  := $(sort $(wildcard eap_iot/src/*/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
TOOL_SRC := $(sort $(wildcard eap_iot/tools/*.c))
TOOLS    := $(TOOL_SRC:eap_iot/tools/%.c=$(BUILD)/bin/%)
TOOL_COMMON := $(sort $(wildcard eap_iot/tools/common/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_HELPERS := $(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c))
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
PKI      := $(BUILD)/pki/.done

.PHONY: all lib tools test unit unit-run asan valgrind clang fuzz fuzz-replay interop deps pki \
        install uninstall bench demo netns clean
all: lib tools

lib: $(BUILD)/libeap_iot.a $(BUILD)/libeap_iot.so
tools: $(TOOLS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# Every object, internal symbols included: what the unit tests link against.
$(BUILD)/libeap_iot_test.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The libraries users link: only eiot_* is global, so the internal names (rd_*, hs_*, ...)
# cannot clash with a host program's (wpa_supplicant, FreeRADIUS) when linked statically.
$(BUILD)/libeap_iot.a: $(LIB_OBJ)
	@rm -f $@ $(BUILD)/eap_iot_all.o
	ld -r -o $(BUILD)/eap_iot_all.o $^
	objcopy -w --keep-global-symbol='eiot_*' $(BUILD)/eap_iot_all.o
	ar rcs $@ $(BUILD)/eap_iot_all.o

$(BUILD)/libeap_iot.so: $(LIB_OBJ) eap_iot/libeap_iot.map
	$(CC) -shared -Wl,-soname,libeap_iot.so.0 -Wl,--version-script=eap_iot/libeap_iot.map -o $@ $(LIB_OBJ) $(LIBS)

$(BUILD)/bin/%: eap_iot/tools/%.c $(TOOL_COMMON) $(wildcard eap_iot/tools/common/*.h) $(BUILD)/libeap_iot.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ieap_iot/tools/common $< $(TOOL_COMMON) -o $@ $(BUILD)/libeap_iot.a $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(UNIT_HELPERS) $(BUILD)/libeap_iot_test.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $< $(UNIT_HELPERS) -o $@ $(BUILD)/libeap_iot_test.a $(LIBS) -lcmocka

# Test credentials: an RFC 7925 PKI plus deliberately broken certificates.
pki: $(PKI)
$(PKI): configs/pki/make_pki.sh
	sh configs/pki/make_pki.sh $(BUILD)/pki
	@touch $@

# hostap 2.10 (`apt-get source wpa`) with eap_iot's EAP-TLS: BUILD/supplicant/bin (linked in) and
# BUILD/supplicant/plugin (eap_iot.so). `make`, `make test` and `make demo` rebuild it when its
# inputs changed (not the sub-makes of asan/clang); SUPPLICANT=0 leaves it out; `make supplicant`
# always runs the (idempotent) build script.
.PHONY: supplicant
SUPPLICANT ?= 1
SUPP_STAMP := $(BUILD)/supplicant/.stamp-build
SUPP_DEPS := $(wildcard supplicant_patch/*.sh supplicant_patch/*.patch supplicant_patch/config.* \
	supplicant_patch/glue/* eap_iot/include/eap_iot/*.h) $(BUILD)/libeap_iot.a
supplicant: $(BUILD)/libeap_iot.a
	sh supplicant_patch/build.sh $(BUILD)
	@touch $(SUPP_STAMP)
$(SUPP_STAMP): $(SUPP_DEPS)
	sh supplicant_patch/build.sh $(BUILD)
	@touch $@
ifeq ($(SUPPLICANT),1)
ifeq ($(MAKELEVEL),0)
all: $(SUPP_STAMP)
endif
endif

# radius_module: eap_iot's EAP-TLS server as rlm_eap_tls7925.so for Debian's FreeRADIUS
# (BUILD/radius). Built with `make` like the supplicant (RADIUS=0 leaves it out); `make radius`
# always runs the (idempotent) build script.
.PHONY: radius
RADIUS ?= 1
RADIUS_SO := $(BUILD)/radius/rlm_eap_tls7925.so
RADIUS_DEPS := $(wildcard radius_module/*.sh radius_module/*.map radius_module/src/*) \
	$(wildcard eap_iot/include/eap_iot/*.h) $(BUILD)/libeap_iot.a
radius: $(BUILD)/libeap_iot.a
	sh radius_module/build.sh $(BUILD)
$(RADIUS_SO): $(RADIUS_DEPS)
	sh radius_module/build.sh $(BUILD)
	@touch $@
ifeq ($(RADIUS),1)
ifeq ($(MAKELEVEL),0)
all: $(RADIUS_SO)
endif
endif

deps:
	@sh .ci/deps.sh

unit: $(UNITS) $(PKI)
unit-run: unit
	@fail=0; for t in $(UNITS); do EIOT_PKI_DIR=$(BUILD)/pki $$t || { echo "FAILED: $$t"; fail=1; }; done; exit $$fail

# ASan + UBSan build of the library and the unit/engine tests, run by `make test`.
asan:
	$(MAKE) BUILD=$(BUILD)/asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS=-fsanitize=address,undefined unit
	@fail=0; for t in $(UNITS:$(BUILD)/%=$(BUILD)/asan/%); do \
		EIOT_PKI_DIR=$(BUILD)/pki ASAN_OPTIONS=detect_leaks=1 $$t || { echo "FAILED: $$t"; fail=1; }; done; exit $$fail

# Memcheck over the engine and codec tests (the slow ECDHE matrices are left to ASan).
VALGRIND_UNITS := test_engine_basic test_engine_negative test_engine_stream test_msgs test_record \
	test_cookie test_reasm test_eap_packet test_coap_msg test_coap_peer test_coaps_client test_coaps_server
valgrind: unit
	@fail=0; for t in $(VALGRIND_UNITS); do EIOT_PKI_DIR=$(BUILD)/pki valgrind -q --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=9 $(BUILD)/tests/$$t >/dev/null 2>$(BUILD)/tests/$$t.vg \
		&& echo "valgrind clean: $$t" || { echo "valgrind FAILED: $$t"; cat $(BUILD)/tests/$$t.vg; fail=1; }; done; exit $$fail

# The same tree with clang (warnings are errors there too).
clang:
	$(MAKE) BUILD=$(BUILD)/clang CC=clang all unit

# libFuzzer harnesses: `make fuzz` runs each for FUZZ_SECONDS; `make fuzz-replay` replays corpora.
FUZZ_SECONDS ?= 30
FUZZ_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -g -O1 -Ieap_iot/include -Ieap_iot/src
FUZZ_OBJ := $(LIB_SRC:%.c=$(BUILD)/fuzzobj/%.o)
$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c $< -o $@
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/unit/det_random.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -Itests/unit -fsanitize=fuzzer,address,undefined $< tests/unit/det_random.c \
		$(FUZZ_OBJ) -o $@ $(LIBS)
FUZZERS := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
fuzz: $(FUZZERS) $(PKI)
	@set -e; export EIOT_PKI_DIR=$(BUILD)/pki; for f in $(FUZZERS); do n=$$(basename $$f); mkdir -p $(BUILD)/fuzz/corpus-$$n; \
		$$f -max_total_time=$(FUZZ_SECONDS) $(BUILD)/fuzz/corpus-$$n tests/fuzz/corpus/$$n; done
fuzz-replay: $(FUZZERS) $(PKI)
	@set -e; export EIOT_PKI_DIR=$(BUILD)/pki; for f in $(FUZZERS); do n=$$(basename $$f); \
		$$f -runs=0 tests/fuzz/corpus/$$n >/dev/null 2>&1 || { echo "fuzz replay failed: $$n"; \
		$$f -runs=0 tests/fuzz/corpus/$$n; exit 1; }; echo "fuzz replay ok: $$n"; done

# Interop against real openssl, gnutls, libcoap and mbedTLS programs on 127.0.0.1 (the mbedTLS
# one is ours, tests/interop/mbedtls_peer.c, on Debian's libmbedtls: mbedTLS's own TLS/DTLS).
$(BUILD)/interop/mbedtls-peer: tests/interop/mbedtls_peer.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) $< -o $@ -lmbedtls -lmbedx509 -lmbedcrypto
interop: tools $(PKI) $(BUILD)/interop/mbedtls-peer
	@sh tests/interop/run.sh $(BUILD)

# The real 802.1X topology in network namespaces: stock hostapd + FreeRADIUS (with rlm_eap_tls
# and with radius_module's rlm_eap_tls7925), Debian's and our wpa_supplicant/eapol_test (needs
# root).
netns: tools $(PKI) $(SUPP_STAMP) $(RADIUS_SO)
	@sh tests/netns/run.sh $(BUILD)

test: deps
	$(MAKE) all $(SUPP_STAMP) $(RADIUS_SO)
	$(MAKE) unit-run
	$(MAKE) asan
	$(MAKE) valgrind
	$(MAKE) clang
	$(MAKE) fuzz-replay
	$(MAKE) interop
	$(MAKE) netns

# A device joins the network (EAP-TLS through hostapd + FreeRADIUS in namespaces), then talks
# CoAPS to an application server over the same link with the same engine (demo/coaps.sh).
demo: deps
	$(MAKE) tools pki $(SUPP_STAMP) $(RADIUS_SO)
	@sh demo/eap.sh $(BUILD)

$(BUILD)/bin/eap_ext: bench/eap_ext.c tests/unit/mem_cache.c $(BUILD)/libeap_iot.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $< tests/unit/mem_cache.c -o $@ $(BUILD)/libeap_iot.a $(LIBS)

$(BUILD)/bin/coaps_load: bench/coaps_load.c $(TOOL_COMMON) $(BUILD)/libeap_iot.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ieap_iot/tools/common $< $(TOOL_COMMON) -o $@ $(BUILD)/libeap_iot.a $(LIBS)

bench: tools $(PKI) $(SUPP_STAMP) $(RADIUS_SO) $(BUILD)/bin/eap_ext $(BUILD)/bin/coaps_load
	@sh bench/run.sh $(BUILD)
	@sh bench/eap_rounds.sh $(BUILD)
	@sh bench/aaa_load.sh $(BUILD)
	@sh bench/eap_ext.sh $(BUILD)
	@sh bench/flash.sh $(BUILD)
	@sh bench/coaps_load.sh $(BUILD)
	@sh bench/coaps_bytes.sh $(BUILD)

install: lib $(if $(filter 1,$(RADIUS)),$(RADIUS_SO))
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/eap_iot $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(BUILD)/libeap_iot.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libeap_iot.so $(DESTDIR)$(PREFIX)/lib/libeap_iot.so.0
	ln -sf libeap_iot.so.0 $(DESTDIR)$(PREFIX)/lib/libeap_iot.so
	install -m 644 eap_iot/include/eap_iot/*.h $(DESTDIR)$(PREFIX)/include/eap_iot/
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' eap_iot/eap_iot.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/eap_iot.pc
ifeq ($(RADIUS),1)
	install -d $(DESTDIR)$(PREFIX)/lib/eap_iot/freeradius $(DESTDIR)$(PREFIX)/share/eap_iot/radius_dict
	install -m 644 $(RADIUS_SO) $(DESTDIR)$(PREFIX)/lib/eap_iot/freeradius/
	install -m 644 radius_dict/dictionary.eap_iot $(DESTDIR)$(PREFIX)/share/eap_iot/radius_dict/
endif

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libeap_iot.* $(DESTDIR)$(PREFIX)/lib/pkgconfig/eap_iot.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/eap_iot $(DESTDIR)$(PREFIX)/lib/eap_iot \
		$(DESTDIR)$(PREFIX)/share/eap_iot

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d)
