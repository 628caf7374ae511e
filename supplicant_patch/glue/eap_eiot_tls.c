/*
 * eap_eiot_tls.c — hostap's struct eap_method for EAP-TLS (type 13, "TLS") on eap_iot's
 * sans-I/O EAP-TLS peer. hostap hands us whole EAP-Requests and sends back whole
 * EAP-Responses; eap_iot does fragments, reassembly, the TLS handshake and the keys.
 *
 * RFC 4137 §4.1 mapping: while the handshake runs, methodState MAY_CONT with decision FAIL, so
 * an EAP-Success before the handshake completed is taken as a failure and an EAP-Failure ends
 * the conversation; once eap_iot reports TLS_DONE (keys exported, last response is the ACK of
 * the server's Finished), methodState DONE with decision UNCOND_SUCC; when eap_iot fails, DONE
 * with FAIL, and the response carrying our alert still goes out. A resumed handshake
 * (RFC 5216 §2.1.3) completes when we send our Finished, before the server checked it: DONE
 * with COND_SUCC there, so an EAP-Failure is still taken and a missing Success is no success.
 *
 * Resumption: the method data keeps the last good session and outlives a re-authentication
 * through hostap's has_reauth_data / deinit_for_reauth / init_for_reauth (used when fast_reauth
 * is on, the last authentication did not fail and the network block is the same). A changed
 * block (its parsed form replaced) or a failed authentication drops the data and the session
 * with it (eiot_session_clear). phase1 eiot_resume=0 keeps no session.
 *
 * Linked in (eap_peer_eiot_tls_register from eap_register.c) or built as eap_iot.so, where the
 * same function is renamed eap_peer_method_dynamic_init by the Makefile.
 */
#include "includes.h"

#include "common.h"
#include "eap_i.h"
#include "eap_config.h"
#include "eap_methods.h"
#include "eap_eiot.h"
#include "eap_iot/conn.h"
#include "eap_iot/err.h"

struct eap_eiot_data {
	struct eap_eiot_conf *conf;
	struct eiot_eap_tls *eap;      /* NULL between deinit_for_reauth and init_for_reauth */
	enum eiot_eap_status reported; /* last status logged */
	struct eiot_session session;   /* the last good session (valid) to offer next time */
};

static uint64_t eiot_now_ms(void)
{
	struct os_reltime t;

	os_get_reltime(&t);
	return (uint64_t) t.sec * 1000 + (uint64_t) t.usec / 1000;
}

/* A new conversation on data->conf, offering data->session when there is one. */
static int eiot_start(struct eap_eiot_data *data)
{
	struct eiot_eap_tls_opts opts = data->conf->opts;
	bool offer = data->conf->resume && data->session.valid;

	opts.resume = offer ? &data->session : NULL;
	data->eap = eiot_eap_tls_new(data->conf->cfg, &opts, eiot_now_ms());
	if (!data->eap) {
		wpa_printf(MSG_ERROR, EAP_EIOT_PREFIX "cannot start a conversation");
		return -1;
	}
	data->reported = EIOT_EAP_CONTINUE;
	wpa_printf(MSG_DEBUG, EAP_EIOT_PREFIX "start, fragment_size %zu%s",
		   data->conf->opts.fragment_size, offer ? ", offering the last session" : "");
	return 0;
}

static void eiot_deinit(struct eap_sm *sm, void *priv)
{
	struct eap_eiot_data *data = priv;

	(void) sm;
	if (!data)
		return;
	eiot_eap_tls_free(data->eap);
	eiot_session_clear(&data->session);
	eap_eiot_conf_put(data->conf);
	os_free(data);
}

static void *eiot_init(struct eap_sm *sm)
{
	struct eap_peer_config *config = eap_get_config(sm);
	struct eap_eiot_data *data;

	if (!config)
		return NULL;
	data = os_zalloc(sizeof(*data));
	if (!data)
		return NULL;
	data->conf = eap_eiot_conf_get(config);
	if (!data->conf || eiot_start(data) < 0) {
		eiot_deinit(sm, data);
		return NULL;
	}
	return data;
}

/* hostap keeps the method data for a re-authentication when this says there is something to
 * resume with: a session from the last good authentication on this very network block. */
static bool eiot_has_reauth_data(struct eap_sm *sm, void *priv)
{
	struct eap_eiot_data *data = priv;
	struct eap_peer_config *config = eap_get_config(sm);

	return data && data->conf->resume && data->session.valid && config &&
		config->method_conf == data->conf;
}

/* The conversation is over; the session stays for the next one. */
static void eiot_deinit_for_reauth(struct eap_sm *sm, void *priv)
{
	struct eap_eiot_data *data = priv;

	(void) sm;
	eiot_eap_tls_free(data->eap);
	data->eap = NULL;
}

static void *eiot_init_for_reauth(struct eap_sm *sm, void *priv)
{
	struct eap_eiot_data *data = priv;
	struct eap_peer_config *config = eap_get_config(sm);

	if (!config || config->method_conf != data->conf) {
		/* the block changed since the session was made: forget it */
		eiot_session_clear(&data->session);
		eap_eiot_conf_put(data->conf);
		data->conf = config ? eap_eiot_conf_get(config) : NULL;
	}
	if (!data->conf || eiot_start(data) < 0) {
		eiot_deinit(sm, data);
		return NULL;
	}
	return data;
}

/* At TLS_DONE: keep the session to offer next time (or none if the server offered none). */
static void eiot_keep_session(struct eap_eiot_data *data)
{
	int rc;

	eiot_session_clear(&data->session);
	if (!data->conf->resume)
		return;
	rc = eiot_eap_tls_get_session(data->eap, &data->session);
	if (rc != EIOT_OK) {
		eiot_session_clear(&data->session);
		wpa_printf(MSG_DEBUG, EAP_EIOT_PREFIX "no session to resume later: %s",
			   eiot_err_str(rc));
	}
}

/* One line when the conversation ends either way: the proof our code ran, and why it failed. */
static void eiot_report(struct eap_eiot_data *data, enum eiot_eap_status st)
{
	const struct eiot_conn *conn = eiot_eap_tls_conn(data->eap);
	struct eiot_eap_stats stats;
	int sent, received;

	if (st == data->reported || st == EIOT_EAP_CONTINUE)
		return;
	data->reported = st;
	eiot_eap_tls_stats(data->eap, &stats);
	if (st == EIOT_EAP_FAILURE) {
		eiot_conn_last_alert(conn, &sent, &received);
		wpa_printf(MSG_ERROR, EAP_EIOT_PREFIX "authentication failed: %s "
			   "(alert sent: %s, received: %s)",
			   eiot_err_str(eiot_eap_tls_error(data->eap)), eiot_alert_str(sent),
			   eiot_alert_str(received));
		return;
	}
	wpa_printf(MSG_INFO, EAP_EIOT_PREFIX "handshake complete%s, suite %s; "
		   "%u round trips, EAP bytes out %zu in %zu",
		   eiot_eap_tls_resumed(data->eap) ? " (resumed)" : "",
		   eiot_suite_name(eiot_conn_suite(conn), false), stats.round_trips, stats.bytes_out,
		   stats.bytes_in);
}

static struct wpabuf *eiot_process(struct eap_sm *sm, void *priv, struct eap_method_ret *ret,
				   const struct wpabuf *req)
{
	struct eap_eiot_data *data = priv;
	size_t cap = data->conf->opts.fragment_size + 10, out_len = 0;
	enum eiot_eap_status st;
	struct wpabuf *resp;
	int rc;

	(void) sm;
	resp = wpabuf_alloc(cap);
	if (!resp) {
		ret->ignore = true;
		return NULL;
	}
	rc = eiot_eap_tls_process(data->eap, wpabuf_head(req), wpabuf_len(req), eiot_now_ms(),
				  wpabuf_mhead(resp), cap, &out_len);
	st = eiot_eap_tls_status(data->eap);
	if ((rc != EIOT_OK && st != EIOT_EAP_FAILURE) ||
	    (out_len == 0 && st == EIOT_EAP_CONTINUE)) {
		/* A malformed or spoofed packet: eap_iot kept its state, so do we. */
		wpa_printf(MSG_DEBUG, EAP_EIOT_PREFIX "request ignored: %s", eiot_err_str(rc));
		wpabuf_free(resp);
		ret->ignore = true;
		return NULL;
	}
	wpabuf_put(resp, out_len);
	ret->ignore = false;
	ret->allowNotifications = true;
	if (st == EIOT_EAP_CONTINUE) {
		ret->methodState = METHOD_MAY_CONT;
		ret->decision = DECISION_FAIL;
	} else if (st == EIOT_EAP_FAILURE) {
		ret->methodState = METHOD_DONE;
		ret->decision = DECISION_FAIL;
		eiot_session_clear(&data->session);
	} else {
		ret->methodState = METHOD_DONE;
		ret->decision = eiot_eap_tls_resumed(data->eap) ? DECISION_COND_SUCC :
			DECISION_UNCOND_SUCC;
		if (data->reported != st)
			eiot_keep_session(data);
	}
	eiot_report(data, st);
	if (out_len == 0) {
		wpabuf_free(resp);
		return NULL;
	}
	return resp;
}

static bool eiot_key_available(struct eap_sm *sm, void *priv)
{
	struct eap_eiot_data *data = priv;
	enum eiot_eap_status st = eiot_eap_tls_status(data->eap);

	(void) sm;
	return st == EIOT_EAP_TLS_DONE || st == EIOT_EAP_SUCCESS;
}

enum eiot_key_kind { EIOT_KEY_MSK, EIOT_KEY_EMSK, EIOT_KEY_SESSION_ID };

/* A copy of one RFC 5216 §2.3 value for hostap (which frees it), or NULL before TLS_DONE. */
static u8 *eiot_key_copy(struct eap_sm *sm, void *priv, size_t *len, enum eiot_key_kind kind)
{
	struct eap_eiot_data *data = priv;
	struct eiot_eap_keys keys;
	u8 *out = NULL;

	if (!eiot_key_available(sm, priv) || eiot_eap_tls_keys(data->eap, &keys) != EIOT_OK)
		return NULL;
	if (kind == EIOT_KEY_MSK) {
		out = os_memdup(keys.msk, sizeof(keys.msk));
		*len = sizeof(keys.msk);
	} else if (kind == EIOT_KEY_EMSK) {
		out = os_memdup(keys.emsk, sizeof(keys.emsk));
		*len = sizeof(keys.emsk);
	} else {
		out = os_memdup(keys.session_id, sizeof(keys.session_id));
		*len = sizeof(keys.session_id);
	}
	forced_memzero(&keys, sizeof(keys));
	return out;
}

static u8 *eiot_get_key(struct eap_sm *sm, void *priv, size_t *len)
{
	return eiot_key_copy(sm, priv, len, EIOT_KEY_MSK);
}

static u8 *eiot_get_emsk(struct eap_sm *sm, void *priv, size_t *len)
{
	return eiot_key_copy(sm, priv, len, EIOT_KEY_EMSK);
}

static u8 *eiot_get_session_id(struct eap_sm *sm, void *priv, size_t *len)
{
	return eiot_key_copy(sm, priv, len, EIOT_KEY_SESSION_ID);
}

int eap_peer_eiot_tls_register(void)
{
	struct eap_method *eap;

	eap = eap_peer_method_alloc(EAP_PEER_METHOD_INTERFACE_VERSION, EAP_VENDOR_IETF,
				    EAP_TYPE_TLS, "TLS");
	if (!eap)
		return -1;
	eap->init = eiot_init;
	eap->deinit = eiot_deinit;
	eap->process = eiot_process;
	eap->isKeyAvailable = eiot_key_available;
	eap->getKey = eiot_get_key;
	eap->get_emsk = eiot_get_emsk;
	eap->getSessionId = eiot_get_session_id;
	eap->has_reauth_data = eiot_has_reauth_data;
	eap->deinit_for_reauth = eiot_deinit_for_reauth;
	eap->init_for_reauth = eiot_init_for_reauth;
	eap->check_config = eap_eiot_check_config;
	wpa_printf(MSG_DEBUG, EAP_EIOT_PREFIX "registered as EAP type 13 \"TLS\"");
	return eap_peer_method_register(eap);
}
