/*
 * radius_module/src/rlm_eap_tls7925.c — eap_iot's EAP-TLS server as an rlm_eap submodule of
 * Debian's stock FreeRADIUS 3.2.
 *
 * rlm_eap finds us through the dictionary: radius_dict binds EAP-Type 13 to the name TLS7925,
 * so `eap { tls7925 { ... } }` makes rlm_eap dlopen rlm_eap_tls7925.so and read the symbol
 * rlm_eap_tls7925 for type 13 (see radius_dict/dictionary.eap_iot).
 *
 * One conversation per EAP handler: session_init sends the EAP-TLS Start, process feeds each
 * EAP-Response to eap_iot and answers with the next EAP-Request, or ends it. rlm_eap turns
 * our Success into Access-Accept and a failure (process returning 0) into EAP-Failure and
 * Access-Reject. The conversation is a talloc child of the handler, so a handler that
 * FreeRADIUS frees — finished, failed, or abandoned halfway and expired — frees it too.
 */
#include <freeradius-devel/radiusd.h>
#include <freeradius-devel/modules.h>

#include "eap.h"
#include "eap_iot/conn.h"
#include "eap_iot/err.h"
#include "tls7925.h"

/*
 * handler->opaque. rlm_eap's expiry of abandoned sessions (mem.c, eaplist_expire) calls
 * tls_fail(handler->opaque) for every handler of type 13, reading it as OpenSSL's
 * tls_session_t: its first three pointers (ctx, ssl, session) stay NULL here, which makes that
 * SSL_CTX_remove_session(NULL, NULL) do nothing.
 */
struct conversation {
	void *freeradius_tls_session_guard[3];
	struct eiot_eap_tls *eap;
	uint8_t *out; /* one EAP packet: fragment_size + 10 */
	size_t out_cap;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int conversation_free(struct conversation *conv)
{
	eiot_eap_tls_free(conv->eap);
	conv->eap = NULL;
	return 0;
}

static int instance_free(struct tls7925 *inst)
{
	tls7925_conf_free(inst);
	return 0;
}

static int mod_instantiate(CONF_SECTION *cs, void **instance)
{
	struct tls7925 *inst = talloc_zero(cs, struct tls7925);
	*instance = inst;
	if (!inst)
		return -1;
	talloc_set_destructor(inst, instance_free);
	return tls7925_conf_load(inst, cs);
}

/* The EAP packet out, as rlm_eap composes it: its wire bytes already made (eap_wireformat then
 * keeps them), its code and Identifier for eap_compose's Access-Challenge/Accept decision. */
static int set_request(eap_handler_t *handler, const uint8_t *pkt, size_t len)
{
	eap_packet_t *req = handler->eap_ds->request;
	req->packet = talloc_memdup(req, pkt, len);
	if (!req->packet)
		return 0;
	req->code = pkt[0];
	req->id = pkt[1];
	req->length = len;
	req->type.num = len > 4 ? pkt[4] : 0;
	handler->eap_ds->set_request_id = 1;
	return 1;
}

/* RFC 3579 §2.4: the NAS's Framed-MTU may lower the fragment size (FreeRADIUS's rule). */
static struct eiot_eap_tls_opts eap_opts_for(const struct tls7925 *inst, REQUEST *request)
{
	struct eiot_eap_tls_opts o = inst->eap_opts;
	VALUE_PAIR *vp = fr_pair_find_by_num(request->packet->vps, PW_FRAMED_MTU, 0, TAG_ANY);
	if (vp && vp->vp_integer > 100) {
		size_t f = eiot_eap_fragment_from_framed_mtu(vp->vp_integer);
		if (f >= EIOT_EAP_MIN_FRAGMENT && f < o.fragment_size)
			o.fragment_size = f;
	}
	return o;
}

static int mod_session_init(void *instance, eap_handler_t *handler)
{
	struct tls7925 *inst = instance;
	REQUEST *request = handler->request;
	struct eiot_eap_tls_opts eo = eap_opts_for(inst, request);
	size_t len;

	struct conversation *conv = talloc_zero(handler, struct conversation);
	if (!conv)
		return 0;
	talloc_set_destructor(conv, conversation_free);
	conv->out_cap = eo.fragment_size + 10;
	conv->out = talloc_array(conv, uint8_t, conv->out_cap);
	tls7925_log_request(request);
	conv->eap = conv->out ? eiot_eap_tls_new(inst->cfg, &eo, now_ms()) : NULL;
	int err = conv->eap ? eiot_eap_server_start(conv->eap, handler->eap_ds->response->id + 1,
						    conv->out, conv->out_cap, &len)
			    : EIOT_ERR_NO_MEMORY;
	tls7925_log_request(NULL);
	if (err) {
		REDEBUG("cannot start EAP-TLS: %s", eiot_err_str(err));
		talloc_free(conv);
		return 0;
	}
	handler->opaque = conv;
	handler->free_opaque = NULL; /* a talloc child of the handler: freed with it */
	handler->stage = PROCESS;
	RDEBUG2("EAP-TLS (eap_iot): Start sent, fragment_size %zu", eo.fragment_size);
	return set_request(handler, conv->out, len);
}

static void log_outcome(REQUEST *request, const struct eiot_eap_tls *e, bool ok)
{
	const struct eiot_conn *c = eiot_eap_tls_conn(e);
	struct eiot_eap_stats st;
	int sent, recv;
	eiot_eap_tls_stats(e, &st);
	eiot_conn_last_alert(c, &sent, &recv);
	if (ok) {
		struct eiot_peer_info pi;
		eiot_conn_peer_info(c, &pi);
		RDEBUG("EAP-TLS (eap_iot): handshake complete%s, suite %s, cached_info %s, "
		       "certificate URL %s, %s; %u round trips, EAP bytes in %zu out %zu",
		       pi.resumed ? " (resumed)" : "", eiot_suite_name(eiot_conn_suite(c), false),
		       pi.cached_info ? "used" : "not used", pi.cert_url ? "used" : "not used",
		       pi.rpk ? "raw public key" : pi.cert ? "certificate" : "no credential sent",
		       st.round_trips, st.bytes_in, st.bytes_out);
	} else {
		REDEBUG("EAP-TLS (eap_iot): authentication failed: %s (alert sent: %d, received: %d)",
			eiot_err_str(eiot_eap_tls_error(e)), sent, recv);
	}
}

static int CC_HINT(nonnull) mod_process(void *instance, eap_handler_t *handler)
{
	struct tls7925 *inst = instance;
	struct conversation *conv = handler->opaque;
	REQUEST *request = handler->request;
	eap_packet_t *resp = handler->eap_ds->response;
	size_t len = 0;

	tls7925_ticket_keys_refresh(inst->ticket_keys); /* before a ticket is opened or sealed */
	tls7925_log_request(request);
	int err = eiot_eap_tls_process(conv->eap, resp->packet, resp->length, now_ms(), conv->out,
				       conv->out_cap, &len);
	tls7925_log_request(NULL);
	enum eiot_eap_status status = eiot_eap_tls_status(conv->eap);

	if (status == EIOT_EAP_SUCCESS && len > 0 && conv->out[0] == PW_EAP_SUCCESS) {
		log_outcome(request, conv->eap, true);
		if (tls7925_add_success_attrs(request, conv->eap, inst->opts.eap_key_name))
			return 0;
		return set_request(handler, conv->out, len);
	}
	if (status == EIOT_EAP_FAILURE || (len > 0 && conv->out[0] == PW_EAP_FAILURE)) {
		if (len > 0 && conv->out[0] == PW_EAP_REQUEST)
			return set_request(handler, conv->out, len); /* the Request carrying our alert */
		log_outcome(request, conv->eap, false);
		return 0;
	}
	if (err || len == 0) {
		/* a Response eap_iot refused without changing state (malformed, out of place): the
		 * NAS path is authenticated, so the device sent it; end the conversation */
		REDEBUG("EAP-TLS (eap_iot): EAP-Response refused: %s", eiot_err_str(err ? err : EIOT_ERR_DECODE));
		return 0;
	}
	return set_request(handler, conv->out, len);
}

extern rlm_eap_module_t rlm_eap_tls7925;
rlm_eap_module_t rlm_eap_tls7925 = {
	.name = "eap_tls7925",
	.instantiate = mod_instantiate,
	.session_init = mod_session_init,
	.process = mod_process, /* no detach: the instance's talloc destructor frees it */
};
