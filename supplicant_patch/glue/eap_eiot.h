/*
 * eap_eiot.h — shared by the two glue files that put eap_iot's EAP-TLS peer into hostap:
 * eap_eiot_conf.c (a network block -> one eiot_config, checked when the configuration is read)
 * and eap_eiot_tls.c (hostap's struct eap_method for EAP type 13, "TLS").
 */
#ifndef EAP_EIOT_H
#define EAP_EIOT_H

#include "eap_iot/eap_tls.h"

#define EAP_EIOT_PREFIX "EAP-TLS (eap_iot): "

struct eap_peer_config;
struct eiot_file_cache;

/* What one network block turns into; shared by the block (method_conf) and by each running
 * conversation, freed when the last of them lets go. */
struct eap_eiot_conf {
	struct eiot_config *cfg;
	struct eiot_eap_tls_opts opts; /* opts.resume stays NULL: sessions live in the method data */
	int resume;                    /* phase1 eiot_resume (default 1) */
	struct eiot_file_cache *cert_cache; /* phase1 eiot_cert_cache (NULL: off); closed last */
	unsigned refs;
};

/* struct eap_method::check_config: parse and check the block, keep the result in
 * config->method_conf. 0, or -1 after logging which option and file are wrong. */
int eap_eiot_check_config(struct eap_peer_config *config, int network_id);

/* A reference to the block's parsed form, building it (and logging errors) when the block was
 * not checked at startup or was changed since. NULL on error. */
struct eap_eiot_conf *eap_eiot_conf_get(struct eap_peer_config *config);
void eap_eiot_conf_put(struct eap_eiot_conf *conf);

#endif
