/* SPDX-License-Identifier: MIT */
/* TLS material of https:// listeners, as PEM in memory for
 * libmicrohttpd: from PEM files, or from a PKCS#12 keystore (Confluent's
 * ssl.keystore.location). */
#ifndef KR_TLS_H
#define KR_TLS_H

#include <stddef.h>

#include "kr_conf.h"

struct kr_tls {
	char *tls_cert; /* certificate chain, PEM */
	char *tls_key;  /* private key, PEM (secret) */
	char *tls_pass; /* its passphrase, or NULL (secret) */
};

/* Fills tls from conf. Returns 0, or -1 with errstr set. */
int kr_tls_load(const struct kr_conf *conf, struct kr_tls *tls, char *errstr,
    size_t errlen);
/* Zeroes and frees what tls holds. */
void kr_tls_free(struct kr_tls *tls);

#endif
