# eap_iot — top-level build. `make` builds the libraries and tools; `make test` installs what
# it needs and runs every test (unit, engine, sanitizers, fuzz corpora, interop).
CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
VERSION  := 0.1.0

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wundef
CFLAGS   ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) -fPIC -Ieap_iot/include -Ieap_iot/src

# Crypto backends (eap_iot/src/crypto/<name>/): the library is built once per backend, in
# BUILD/<name>/ (libeap_iot.a, libeap_iot.so, the unit tests). Devices keep mbedTLS; servers
# that authenticate many devices run on OpenSSL's libcrypto. CRYPTO=<name> puts everything on
# one backend.
BACKENDS := mbedtls openssl
DEVICE_CRYPTO ?= mbedtls
SERVER_CRYPTO ?= openssl
ifdef CRYPTO
DEVICE_CRYPTO := $(CRYPTO)
SERVER_CRYPTO := $(CRYPTO)
endif
$(foreach b,$(DEVICE_CRYPTO) $(SERVER_CRYPTO),$(if $(filter $(b),$(BACKENDS)),,\
	$(error unknown crypto backend '$(b)': one of $(BACKENDS))))
CRYPTO_DEFS_mbedtls :=
CRYPTO_DEFS_openssl := -DEIOT_CRYPTO_OPENSSL -DOPENSSL_API_COMPAT=0x10101000L
CRYPTO_LIBS_mbedtls := -lmbedx509 -lmbedcrypto
CRYPTO_LIBS_openssl := -lcrypto
# The servers among the tools; the others are the device side.
SERVER_TOOLS := coaps-server
tool_crypto = $(if $(filter $(SERVER_TOOLS),$(1)),$(SERVER_CRYPTO),$(DEVICE_CRYPTO))

LIB_COMMON := $(sort $(wildcard eap_iot/src/*/*.c))
lib_src = $(LIB_COMMON) $(sort $(wildcard eap_iot/src/crypto/$(1)/*.c))
lib_obj = $(patsubst %.c,$(BUILD)/$(1)/obj/%.o,$(call lib_src,$(1)))
TOOL_SRC := $(sort $(wildcard eap_iot/tools/*.c))
TOOLS    := $(TOOL_SRC:eap_iot/tools/%.c=$(BUILD)/bin/%)
TOOL_COMMON := $(sort $(wildcard eap_iot/tools/common/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_HELPERS := $(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c))
UNIT_NAMES := $(UNIT_SRC:tests/unit/%.c=%)
UNITS    := $(foreach b,$(BACKENDS),$(UNIT_NAMES:%=$(BUILD)/$(b)/tests/%))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
PKI      := $(BUILD)/pki/.done

.PHONY: all lib tools test unit unit-run asan valgrind clang fuzz fuzz-replay interop deps pki \
        install uninstall bench demo netns clean
all: lib tools

lib: $(foreach b,$(BACKENDS),$(BUILD)/$(b)/libeap_iot.a $(BUILD)/$(b)/libeap_iot.so)
tools: $(TOOLS) $(foreach b,$(BACKENDS),$(TOOL_SRC:eap_iot/tools/%.c=$(BUILD)/$(b)/bin/%))

# One library per backend: objects, the archive of every object with internal symbols (what
# the unit tests link against), and the libraries users link, where only eiot_* is global so
# the internal names (rd_*, hs_*, ...) cannot clash with a host program's (wpa_supplicant,
# FreeRADIUS) when linked statically.
define backend_rules
$(BUILD)/$(1)/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) $$(CRYPTO_DEFS_$(1)) -MMD -MP -c $$< -o $$@

$(BUILD)/$(1)/libeap_iot_test.a: $(call lib_obj,$(1))
	@rm -f $$@
	ar rcs $$@ $$^

$(BUILD)/$(1)/libeap_iot.a: $(call lib_obj,$(1))
	@rm -f $$@ $(BUILD)/$(1)/eap_iot_all.o
	ld -r -o $(BUILD)/$(1)/eap_iot_all.o $$^
	objcopy -w --keep-global-symbol='eiot_*' $(BUILD)/$(1)/eap_iot_all.o
	ar rcs $$@ $(BUILD)/$(1)/eap_iot_all.o

$(BUILD)/$(1)/libeap_iot.so: $(call lib_obj,$(1)) eap_iot/libeap_iot.map
	$$(CC) -shared -Wl,-soname,libeap_iot.so.0 -Wl,--version-script=eap_iot/libeap_iot.map \
		-o $$@ $(call lib_obj,$(1)) $$(CRYPTO_LIBS_$(1))

$(BUILD)/$(1)/tests/%: tests/unit/%.c $$(UNIT_HELPERS) $(BUILD)/$(1)/libeap_iot_test.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) $$(CRYPTO_DEFS_$(1)) -Itests/unit $$< $$(UNIT_HELPERS) -o $$@ \
		$(BUILD)/$(1)/libeap_iot_test.a $$(CRYPTO_LIBS_$(1)) -lcmocka

$(BUILD)/$(1)/bin/%: eap_iot/tools/%.c $$(TOOL_COMMON) $$(wildcard eap_iot/tools/common/*.h) \
		$(BUILD)/$(1)/libeap_iot.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) $$(CRYPTO_DEFS_$(1)) -Ieap_iot/tools/common $$< $$(TOOL_COMMON) -o $$@ \
		$(BUILD)/$(1)/libeap_iot.a $$(CRYPTO_LIBS_$(1))
endef
$(foreach b,$(BACKENDS),$(eval $(call backend_rules,$(b))))

# Device profiles (eap_iot/include/eap_iot/profiles/<name>.h, eap_iot/features.h): the library
# built with one features file on the device backend, in BUILD/profiles/<name>/, with the unit
# tests that apply to a device build (records, replay, reassembly, flights, crypto, keys, the
# CoAP message layer, the profile's own checks; not the handshake codec's, whose extension
# parsers a profile trims); the engine runs against a full build in tests/cross (both
# dlopen()ed).
PROFILES := psk-client rpk-client cert-client eap-peer
PROFILE_UNITS := test_profile test_record test_replay test_reasm test_flight test_crypto test_keys \
	test_coap_msg test_coap_peer
# the helpers but the in-memory client/server pump, which needs both roles
PROFILE_HELPERS := $(filter-out tests/unit/pump%,$(UNIT_HELPERS))
profile_defs = -DEIOT_FEATURES_FILE='"eap_iot/profiles/$(1).h"'
profile_obj = $(patsubst %.c,$(BUILD)/profiles/$(1)/obj/%.o,$(call lib_src,mbedtls))
define profile_rules
$(BUILD)/profiles/$(1)/obj/%.o: %.c eap_iot/include/eap_iot/profiles/$(1).h
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) $(call profile_defs,$(1)) -MMD -MP -c $$< -o $$@

$(BUILD)/profiles/$(1)/libeap_iot_test.a: $(call profile_obj,$(1))
	@rm -f $$@
	ar rcs $$@ $$^

$(BUILD)/profiles/$(1)/libeap_iot.so: $(call profile_obj,$(1)) eap_iot/libeap_iot.map
	$$(CC) -shared -Wl,-soname,libeap_iot.so.0 -Wl,--version-script=eap_iot/libeap_iot.map \
		-o $$@ $(call profile_obj,$(1)) $$(CRYPTO_LIBS_mbedtls)

$(BUILD)/profiles/$(1)/tests/%: tests/unit/%.c $$(PROFILE_HELPERS) $(BUILD)/profiles/$(1)/libeap_iot_test.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) $(call profile_defs,$(1)) -Itests/unit $$< $$(PROFILE_HELPERS) -o $$@ \
		$(BUILD)/profiles/$(1)/libeap_iot_test.a $$(CRYPTO_LIBS_mbedtls) -lcmocka
endef
$(foreach p,$(PROFILES),$(eval $(call profile_rules,$(p))))
PROFILE_TESTS := $(foreach p,$(PROFILES),$(PROFILE_UNITS:%=$(BUILD)/profiles/$(p)/tests/%))
.PHONY: profiles
profiles: $(foreach p,$(PROFILES),$(BUILD)/profiles/$(p)/libeap_iot_test.a $(BUILD)/profiles/$(p)/libeap_iot.so)
PROFILE_LIBS := $(foreach p,$(PROFILES),$(BUILD)/profiles/$(p)/libeap_iot.so)

# Every tool is built on each backend (BUILD/<backend>/bin); BUILD/bin holds each tool on its
# side's backend (tool_crypto), which is what `make install` installs.
.SECONDEXPANSION:
$(BUILD)/bin/%: $(BUILD)/$$(call tool_crypto,$$*)/bin/%
	@mkdir -p $(dir $@)
	cp -f $< $@

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
	supplicant_patch/glue/* eap_iot/include/eap_iot/*.h) $(BUILD)/$(DEVICE_CRYPTO)/libeap_iot.a
supplicant: $(BUILD)/$(DEVICE_CRYPTO)/libeap_iot.a
	sh supplicant_patch/build.sh $(BUILD) $(DEVICE_CRYPTO)
	@touch $(SUPP_STAMP)
$(SUPP_STAMP): $(SUPP_DEPS)
	sh supplicant_patch/build.sh $(BUILD) $(DEVICE_CRYPTO)
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
	$(wildcard eap_iot/include/eap_iot/*.h) $(BUILD)/$(SERVER_CRYPTO)/libeap_iot.a
radius: $(BUILD)/$(SERVER_CRYPTO)/libeap_iot.a
	sh radius_module/build.sh $(BUILD) $(SERVER_CRYPTO)
$(RADIUS_SO): $(RADIUS_DEPS)
	sh radius_module/build.sh $(BUILD) $(SERVER_CRYPTO)
	@touch $@
ifeq ($(RADIUS),1)
ifeq ($(MAKELEVEL),0)
all: $(RADIUS_SO)
endif
endif

deps:
	@sh .ci/deps.sh

# An engine on each backend against an engine on the other, in one process (both libraries
# dlopen()ed).
CROSS := $(BUILD)/tests/cross_backend
CROSS_RUN = $(CROSS) $(BUILD)/mbedtls/libeap_iot.so $(BUILD)/openssl/libeap_iot.so $(BUILD)/pki
$(CROSS): tests/cross/cross_backend.c $(wildcard eap_iot/include/eap_iot/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< -o $@ -ldl

unit: $(UNITS) $(CROSS) $(PKI) $(foreach b,$(BACKENDS),$(BUILD)/$(b)/libeap_iot.so) \
	$(PROFILE_TESTS) $(PROFILE_LIBS)
unit-run: unit
	@fail=0; for t in $(UNITS) $(PROFILE_TESTS); do EIOT_PKI_DIR=$(BUILD)/pki $$t || { echo "FAILED: $$t"; fail=1; }; done; \
		$(CROSS_RUN) || { echo "FAILED: $(CROSS)"; fail=1; }; \
		for p in $(PROFILE_LIBS); do $(CROSS) $$p $(BUILD)/mbedtls/libeap_iot.so $(BUILD)/pki || \
			{ echo "FAILED: $(CROSS) $$p"; fail=1; }; done; exit $$fail

# ASan + UBSan build of the library and the unit/engine tests, run by `make test`.
asan:
	$(MAKE) BUILD=$(BUILD)/asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS=-fsanitize=address,undefined unit
	@fail=0; for t in $(UNITS:$(BUILD)/%=$(BUILD)/asan/%); do \
		EIOT_PKI_DIR=$(BUILD)/pki ASAN_OPTIONS=detect_leaks=1 $$t || { echo "FAILED: $$t"; fail=1; }; done; \
		ASAN_OPTIONS=detect_leaks=1 $(CROSS_RUN:$(BUILD)/%=$(BUILD)/asan/%) >/dev/null || \
		{ echo "FAILED: cross_backend (asan)"; fail=1; }; exit $$fail

# Memcheck over the engine and codec tests (the slow ECDHE matrices are left to ASan), on
# each backend.
VALGRIND_UNITS := test_engine_basic test_engine_negative test_engine_stream test_msgs test_record \
	test_cookie test_reasm test_eap_packet test_coap_msg test_coap_peer test_coaps_client test_coaps_server \
	test_engine_compact test_conn_save test_engine_cid test_engine_after_handshake \
	test_engine_shared_region
valgrind: unit
	@fail=0; for t in $(foreach b,$(BACKENDS),$(VALGRIND_UNITS:%=$(BUILD)/$(b)/tests/%)); do \
		EIOT_PKI_DIR=$(BUILD)/pki valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=9 $$t >/dev/null 2>$$t.vg && echo "valgrind clean: $$t" || \
		{ echo "valgrind FAILED: $$t"; cat $$t.vg; fail=1; }; done; exit $$fail

# The same tree with clang (warnings are errors there too).
clang:
	$(MAKE) BUILD=$(BUILD)/clang CC=clang all unit

# libFuzzer harnesses: `make fuzz` runs each for FUZZ_SECONDS; `make fuzz-replay` replays corpora.
FUZZ_SECONDS ?= 30
FUZZ_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -g -O1 -Ieap_iot/include -Ieap_iot/src
FUZZ_OBJ := $(patsubst %.c,$(BUILD)/fuzzobj/%.o,$(call lib_src,mbedtls))
$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c $< -o $@
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/unit/det_random.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -Itests/unit -fsanitize=fuzzer,address,undefined $< tests/unit/det_random.c \
		$(FUZZ_OBJ) -o $@ $(CRYPTO_LIBS_mbedtls)
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

# The interop and 802.1X suites once more with every side on the other backend: BUILD/swap holds
# each tool built on the backend its side does not default to, our wpa_supplicant and the
# FreeRADIUS module on theirs too; the PKI, the mbedTLS peer and the sources are shared.
SWAP := $(BUILD)/swap
swap_of = $(filter-out $(1),$(BACKENDS))
TOOL_NAMES := $(TOOL_SRC:eap_iot/tools/%.c=%)
.PHONY: swap interop-swap netns-swap
swap: tools $(PKI) $(BUILD)/interop/mbedtls-peer $(SUPP_STAMP) $(RADIUS_SO)
	@rm -rf $(SWAP)/bin && mkdir -p $(SWAP)/bin $(SWAP)/interop $(SWAP)/radius
	@$(foreach t,$(TOOL_NAMES),cp $(BUILD)/$(call swap_of,$(call tool_crypto,$(t)))/bin/$(t) $(SWAP)/bin/ &&) true
	@ln -sfn ../pki $(SWAP)/pki && ln -sfn ../../interop/mbedtls-peer $(SWAP)/interop/mbedtls-peer && \
		ln -sfn ../../radius/include $(SWAP)/radius/include && \
		mkdir -p $(SWAP)/supplicant && ln -sfn ../../supplicant/src $(SWAP)/supplicant/src && \
		$(foreach b,$(BACKENDS),ln -sfn ../$(b) $(SWAP)/$(b) &&) true
	sh radius_module/build.sh $(SWAP) $(call swap_of,$(SERVER_CRYPTO))
	sh supplicant_patch/build.sh $(SWAP) $(call swap_of,$(DEVICE_CRYPTO))
interop-swap: swap
	@echo "interop with the backends swapped: $(foreach t,$(TOOL_NAMES),$(t) on $(call swap_of,$(call tool_crypto,$(t))))"
	@sh tests/interop/run.sh $(SWAP)
netns-swap: swap
	@echo "802.1X with our wpa_supplicant on $(call swap_of,$(DEVICE_CRYPTO)) and the FreeRADIUS module on $(call swap_of,$(SERVER_CRYPTO))"
	@VARIANTS="static plugin" AAA_VARIANTS=static COAPS_LOSSY=0 sh tests/netns/run.sh $(SWAP)

test: deps
	$(MAKE) all $(SUPP_STAMP) $(RADIUS_SO)
	$(MAKE) unit-run
	$(MAKE) asan
	$(MAKE) valgrind
	$(MAKE) clang
	$(MAKE) fuzz-replay
	$(MAKE) device-test
	$(MAKE) interop
	$(MAKE) netns
	$(MAKE) interop-swap
	$(MAKE) netns-swap

# The device programs on an emulated Cortex-M4 (QEMU mps2-an386) through its UART and a relay
# of ours: a real DTLS handshake and an echo with iot-tls, PSK (psk-client profile) and
# ECDHE-ECDSA with mutual certificates from the test PKI (cert-client profile); the scripts in
# tests/device install qemu-system-arm and the toolchain when missing.
.PHONY: device-test
device-test: $(BUILD)/bin/iot-tls $(PKI)
	@sh tests/device/qemu_psk.sh $(BUILD)
	@sh tests/device/qemu_cert.sh $(BUILD)

# A device joins the network (EAP-TLS through hostapd + FreeRADIUS in namespaces), then talks
# CoAPS to an application server over the same link with the same engine (demo/coaps.sh).
demo: deps
	$(MAKE) tools pki $(SUPP_STAMP) $(RADIUS_SO)
	@sh demo/eap.sh $(BUILD)

$(BUILD)/bin/eap_ext: bench/eap_ext.c tests/unit/mem_cache.c $(BUILD)/$(DEVICE_CRYPTO)/libeap_iot.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $< tests/unit/mem_cache.c -o $@ \
		$(BUILD)/$(DEVICE_CRYPTO)/libeap_iot.a $(CRYPTO_LIBS_$(DEVICE_CRYPTO))

# The CoAPS load generator: many clients, on the fast backend so that it is not the bottleneck.
$(BUILD)/bin/coaps_load: bench/coaps_load.c $(TOOL_COMMON) $(BUILD)/$(SERVER_CRYPTO)/libeap_iot.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CRYPTO_DEFS_$(SERVER_CRYPTO)) -Ieap_iot/tools/common $< $(TOOL_COMMON) -o $@ \
		$(BUILD)/$(SERVER_CRYPTO)/libeap_iot.a $(CRYPTO_LIBS_$(SERVER_CRYPTO))

bench: tools swap $(PKI) $(SUPP_STAMP) $(RADIUS_SO) $(BUILD)/bin/eap_ext $(BUILD)/bin/coaps_load
	@sh bench/run.sh $(BUILD)
	@sh bench/hs_rate.sh $(BUILD)
	@sh bench/eap_rounds.sh $(BUILD)
	@sh bench/aaa_load.sh $(BUILD)
	@sh bench/eap_ext.sh $(BUILD)
	@sh bench/flash.sh $(BUILD)
	@sh bench/coaps_load.sh $(BUILD)
	@sh bench/coaps_bytes.sh $(BUILD)
	@sh bench/wake.sh $(BUILD)

install: lib $(if $(filter 1,$(RADIUS)),$(RADIUS_SO))
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/eap_iot $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(BUILD)/$(DEVICE_CRYPTO)/libeap_iot.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/$(DEVICE_CRYPTO)/libeap_iot.so $(DESTDIR)$(PREFIX)/lib/libeap_iot.so.0
	ln -sf libeap_iot.so.0 $(DESTDIR)$(PREFIX)/lib/libeap_iot.so
	install -m 644 eap_iot/include/eap_iot/*.h $(DESTDIR)$(PREFIX)/include/eap_iot/
	install -d $(DESTDIR)$(PREFIX)/include/eap_iot/profiles/mbedtls
	install -m 644 eap_iot/include/eap_iot/profiles/*.h $(DESTDIR)$(PREFIX)/include/eap_iot/profiles/
	install -m 644 eap_iot/include/eap_iot/profiles/mbedtls/*.h $(DESTDIR)$(PREFIX)/include/eap_iot/profiles/mbedtls/
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
		-e 's|@CRYPTO_LIBS@|$(CRYPTO_LIBS_$(DEVICE_CRYPTO))|' eap_iot/eap_iot.pc.in \
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

-include $(foreach b,$(BACKENDS),$(patsubst %.o,%.d,$(call lib_obj,$(b)))) $(FUZZ_OBJ:.o=.d) $(foreach p,$(PROFILES),$(patsubst %.o,%.d,$(call profile_obj,$(p))))
