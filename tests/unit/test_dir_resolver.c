/*
 * tests/unit/test_dir_resolver.c — the directory resolver for client certificate URLs
 * (store/dir_resolver.c behind eap_iot/stores.h): PEM and DER hits, a three-certificate chain,
 * missing names, path traversal in every spelling, a buffer one byte short, a non-certificate.
 * Certificates come from $EIOT_PKI_DIR (configs/pki/make_pki.sh), copied into a mkdtemp
 * directory under /tmp.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "eap_iot/err.h"
#include "eap_iot/stores.h"
#include "tmpdir.h"
#include "util/bytes.h"

#define CAP 16384

struct fixture {
	char dir[64];
	struct eiot_dir_resolver *r;
	uint8_t der[4096]; /* server.der */
	size_t der_len;
};

static const char *pki_dir(void)
{
	const char *d = getenv("EIOT_PKI_DIR");
	return d ? d : "build/pki";
}

static size_t read_all(const char *path, uint8_t *buf, size_t cap)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		fail_msg("cannot read %s (is EIOT_PKI_DIR set?)", path);
	size_t n = fread(buf, 1, cap, fp);
	assert_true(n < cap);
	fclose(fp);
	return n;
}

static void write_file(const char *dir, const char *name, const uint8_t *buf, size_t n)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

static void copy_pki(const char *dir, const char *from, const char *to)
{
	static uint8_t buf[65536];
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", pki_dir(), from);
	size_t n = read_all(path, buf, sizeof(buf));
	write_file(dir, to, buf, n);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/eiot-dr-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	copy_pki(f->dir, "server.pem", "server.pem");
	copy_pki(f->dir, "server.der", "server.der");
	copy_pki(f->dir, "server-chain3.pem", "chain3.pem");
	write_file(f->dir, "junk.pem", (const uint8_t *)"not a certificate\n", 18);
	char sub[128];
	snprintf(sub, sizeof(sub), "%s/sub", f->dir);
	assert_int_equal(mkdir(sub, 0700), 0);

	char path[512];
	snprintf(path, sizeof(path), "%s/server.der", pki_dir());
	f->der_len = read_all(path, f->der, sizeof(f->der));
	f->r = eiot_dir_resolver_new(f->dir);
	assert_non_null(f->r);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tmpdir_remove(f->dir);
	eiot_dir_resolver_free(f->r);
	free(f);
	return 0;
}

static int resolve(struct fixture *f, const char *url, uint8_t *buf, size_t cap, size_t *len)
{
	return eiot_dir_resolver_ops.resolve(f->r, url, buf, cap, len);
}

/* The answer is exactly one certificate: server.der with its 3-byte length. */
static void expect_server_cert(struct fixture *f, const char *url)
{
	static uint8_t buf[CAP];
	size_t len = 0;
	assert_int_equal(resolve(f, url, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 3 + f->der_len);
	assert_int_equal(ld_be24(buf), f->der_len);
	assert_memory_equal(buf + 3, f->der, f->der_len);
}

static void test_pem_and_der_hits(void **state)
{
	struct fixture *f = *state;
	expect_server_cert(f, "file:///server.pem");
	expect_server_cert(f, "file:///server.der");
	expect_server_cert(f, "http://certs.example.com/server.der");
	expect_server_cert(f, "https://certs.example.com/devices/v1/server.pem");
	expect_server_cert(f, "https://[2001:db8::1]:8443/server.pem");
}

static void test_chain_of_three_in_file_order(void **state)
{
	struct fixture *f = *state;
	static uint8_t buf[CAP];
	size_t len = 0, off = 0, count = 0;
	assert_int_equal(resolve(f, "file:///chain3.pem", buf, sizeof(buf), &len), 0);
	while (off < len) {
		assert_true(len - off >= 3);
		size_t n = ld_be24(buf + off);
		assert_true(n > 0 && len - off - 3 >= n);
		assert_int_equal(buf[off + 3], 0x30); /* a DER SEQUENCE */
		off += 3 + n;
		count++;
	}
	assert_int_equal(count, 3);
}

static void test_missing_names_want_more(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[64];
	size_t len = 0;
	assert_int_equal(resolve(f, "file:///nothere.pem", buf, sizeof(buf), &len), EIOT_ERR_WANT_MORE);
	assert_int_equal(resolve(f, "https://h/a/nothere.der", buf, sizeof(buf), &len), EIOT_ERR_WANT_MORE);
	assert_int_equal(resolve(f, "file:///sub", buf, sizeof(buf), &len), EIOT_ERR_WANT_MORE);

	struct eiot_dir_resolver *gone = eiot_dir_resolver_new("/nonexistent/eiot-certs");
	assert_non_null(gone);
	assert_int_equal(eiot_dir_resolver_ops.resolve(gone, "file:///server.pem", buf, sizeof(buf), &len),
			 EIOT_ERR_WANT_MORE);
	eiot_dir_resolver_free(gone);
}

/* Every URL here would reach outside the directory, name it ambiguously, or is not a URL we
 * map at all: each is refused before the file system is touched. */
static const char *const refused_urls[] = {
	"file:///../server.pem",
	"file:///..",
	"file:///.",
	"file:///%2e%2e",
	"file:///%2e%2e/server.pem",
	"file:///a/b",
	"file:///sub/server.pem",
	"file:///",
	"file://server.pem",
	"file://localhost/server.pem",
	"file:///server.pem/",
	"file:///.\\server.pem",
	"file:///ser ver.pem",
	"file:///server.pem?x=1",
	"file:///server.pem#frag",
	"http://h/../server.pem",
	"http://h/%2e%2e/server.pem",
	"http://h/./server.pem",
	"http://h//server.pem",
	"http://h/",
	"http://h",
	"http:///server.pem",
	"https://h/dir/",
	"ftp://h/server.pem",
	"server.pem",
	"/server.pem",
	"",
};

static void test_traversal_and_bad_urls_refused(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[64];
	size_t len = 0;
	for (size_t i = 0; i < sizeof(refused_urls) / sizeof(refused_urls[0]); i++)
		if (resolve(f, refused_urls[i], buf, sizeof(buf), &len) != EIOT_ERR_BAD_PARAM)
			fail_msg("not refused: \"%s\"", refused_urls[i]);

	/* A URL over the length bound, and a NAME over NAME_MAX. */
	static char url[4096];
	memcpy(url, "file:///", 8);
	memset(url + 8, 'a', sizeof(url) - 9);
	url[sizeof(url) - 1] = '\0';
	assert_int_equal(resolve(f, url, buf, sizeof(buf), &len), EIOT_ERR_BAD_PARAM);
	url[8 + 256] = '\0';
	assert_int_equal(resolve(f, url, buf, sizeof(buf), &len), EIOT_ERR_BAD_PARAM);
	url[8 + 255] = '\0';
	assert_int_equal(resolve(f, url, buf, sizeof(buf), &len), EIOT_ERR_WANT_MORE);

	assert_int_equal(resolve(f, NULL, buf, sizeof(buf), &len), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_dir_resolver_ops.resolve(NULL, "file:///server.pem", buf, sizeof(buf), &len),
			 EIOT_ERR_BAD_PARAM);
	assert_null(eiot_dir_resolver_new(""));
	assert_null(eiot_dir_resolver_new(NULL));
}

static void test_chain_over_cap_buffer_too_small(void **state)
{
	struct fixture *f = *state;
	static uint8_t buf[CAP];
	size_t len = 0, need = 0;
	assert_int_equal(resolve(f, "file:///chain3.pem", buf, sizeof(buf), &need), 0);
	assert_int_equal(resolve(f, "file:///chain3.pem", buf, need - 1, &len), EIOT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(resolve(f, "file:///chain3.pem", buf, 2, &len), EIOT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(resolve(f, "file:///chain3.pem", NULL, 0, &len), EIOT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(resolve(f, "file:///chain3.pem", buf, need, &len), 0);
	assert_int_equal(len, need);
	assert_int_equal(resolve(f, "file:///server.der", buf, 3 + f->der_len - 1, &len),
			 EIOT_ERR_BUFFER_TOO_SMALL);
}

static void test_non_certificate_file_is_an_error(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[64];
	size_t len = 0;
	assert_int_equal(resolve(f, "file:///junk.pem", buf, sizeof(buf), &len), EIOT_ERR_FILE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pem_and_der_hits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_of_three_in_file_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_names_want_more, setup, teardown),
		cmocka_unit_test_setup_teardown(test_traversal_and_bad_urls_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_over_cap_buffer_too_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_non_certificate_file_is_an_error, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
