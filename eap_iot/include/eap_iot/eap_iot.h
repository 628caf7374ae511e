/* eap_iot/eap_iot.h — everything public. */
#ifndef EAP_IOT_H
#define EAP_IOT_H
#include "eap_iot/config.h"
#include "eap_iot/conn.h"
#include "eap_iot/dtls.h"
#include "eap_iot/eap_tls.h"
#include "eap_iot/err.h"
#include "eap_iot/stores.h"
#endif
