/*
 * radius_module/src/ticket_keys.c — session ticket keys shared by a pool of AAA servers
 * (RFC 5077 §4: stateless tickets, so any server holding the keys resumes any session).
 *
 * The file holds two lines of 64 hex digits each — key_name (16 bytes) then the AES-128 key
 * (16 bytes) — the current key first, the previous one second. Rotating is writing a new file
 * (new current, old current as previous) and renaming it over the old one; every server picks
 * it up within a second, and tickets under either key keep resuming meanwhile. The file is
 * as secret as a private key: whoever reads it can open every ticket.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "eap_iot/err.h"
#include "tls7925.h"

struct tls7925_ticket_keys {
	char *path;
	struct eiot_session_cache *sc;
	pthread_mutex_t lock;
	time_t checked;     /* last stat(), whole seconds */
	struct stat loaded; /* the file as it was when last loaded */
};

static int hex_key(const char *line, uint8_t out[EIOT_TICKET_KEY_LEN])
{
	for (size_t i = 0; i < EIOT_TICKET_KEY_LEN; i++) {
		unsigned v;
		if (!isxdigit((unsigned char)line[2 * i]) || !isxdigit((unsigned char)line[2 * i + 1]) ||
		    sscanf(line + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	const char *rest = line + 2 * EIOT_TICKET_KEY_LEN;
	while (*rest && isspace((unsigned char)*rest))
		rest++;
	return *rest ? -1 : 0;
}

/* Read both keys and hand them to the cache. 0, or -1 with why filled. */
static int load(struct tls7925_ticket_keys *tk, char *why, size_t why_cap)
{
	uint8_t keys[2][EIOT_TICKET_KEY_LEN];
	char line[2][128];
	struct stat st;
	int rc = -1;
	FILE *f = fopen(tk->path, "r");
	if (!f) {
		snprintf(why, why_cap, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st)) {
		snprintf(why, why_cap, "cannot stat: %s", strerror(errno));
	} else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(why, why_cap, "readable by others (mode %03o): it opens every ticket; chmod 600",
			 (unsigned)(st.st_mode & 0777));
	} else if (!fgets(line[0], sizeof(line[0]), f) || !fgets(line[1], sizeof(line[1]), f) ||
		   hex_key(line[0], keys[0]) || hex_key(line[1], keys[1])) {
		snprintf(why, why_cap, "expected two lines of 64 hex digits (current key, previous key)");
	} else if (eiot_session_cache_set_ticket_keys(tk->sc, keys[0], keys[1])) {
		snprintf(why, why_cap, "refused by eap_iot");
	} else {
		tk->loaded = st;
		rc = 0;
	}
	fclose(f);
	memset(keys, 0, sizeof(keys));
	memset(line, 0, sizeof(line));
	return rc;
}

struct tls7925_ticket_keys *tls7925_ticket_keys_open(const char *path, struct eiot_session_cache *sc,
						     char *why, size_t why_cap)
{
	struct tls7925_ticket_keys *tk = talloc_zero(NULL, struct tls7925_ticket_keys);
	if (!tk || !(tk->path = talloc_strdup(tk, path))) {
		snprintf(why, why_cap, "no memory");
		talloc_free(tk);
		return NULL;
	}
	tk->sc = sc;
	if (load(tk, why, why_cap) || pthread_mutex_init(&tk->lock, NULL)) {
		talloc_free(tk);
		return NULL;
	}
	tk->checked = time(NULL);
	return tk;
}

void tls7925_ticket_keys_refresh(struct tls7925_ticket_keys *tk)
{
	if (!tk)
		return;
	time_t now = time(NULL);
	struct stat st;
	pthread_mutex_lock(&tk->lock);
	if (now != tk->checked) {
		tk->checked = now;
		if (stat(tk->path, &st) == 0 &&
		    (st.st_ino != tk->loaded.st_ino || st.st_mtime != tk->loaded.st_mtime ||
		     st.st_size != tk->loaded.st_size)) {
			char why[160];
			if (load(tk, why, sizeof(why))) {
				ERROR(TLS7925 ": ticket_key_file \"%s\" changed but %s: keeping the keys in use",
				      tk->path, why);
				tk->loaded = st; /* one line per change of the file, not one a second */
			} else
				INFO(TLS7925 ": ticket_key_file \"%s\" re-read: keys rotated", tk->path);
		}
	}
	pthread_mutex_unlock(&tk->lock);
}

void tls7925_ticket_keys_free(struct tls7925_ticket_keys *tk)
{
	if (!tk)
		return;
	pthread_mutex_destroy(&tk->lock);
	talloc_free(tk);
}
