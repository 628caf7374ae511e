/* tests/unit/mem_cache.c — see mem_cache.h. */
#include "mem_cache.h"

#include <string.h>

#include "eap_iot/err.h"

static int mc_get(void *user, const char *key, uint8_t *buf, size_t cap, size_t *len)
{
	struct mem_cache *mc = user;
	if (!mc->len || strcmp(mc->key, key))
		return EIOT_ERR_WANT_MORE;
	if (mc->len > cap)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	memcpy(buf, mc->value, mc->len);
	*len = mc->len;
	return EIOT_OK;
}

static int mc_put(void *user, const char *key, const uint8_t *value, size_t len)
{
	struct mem_cache *mc = user;
	size_t key_len = strlen(key);
	if (key_len >= sizeof(mc->key) || len > sizeof(mc->value))
		return EIOT_ERR_BAD_PARAM;
	memcpy(mc->key, key, key_len + 1);
	memcpy(mc->value, value, len);
	mc->len = len;
	return EIOT_OK;
}

static int mc_remove(void *user, const char *key)
{
	struct mem_cache *mc = user;
	if (!strcmp(mc->key, key))
		mc->len = 0;
	return EIOT_OK;
}

const struct eiot_cert_cache_ops mem_cache_ops = { mc_get, mc_put, mc_remove };
