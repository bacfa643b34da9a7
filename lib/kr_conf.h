/* SPDX-License-Identifier: MIT */
/* kafka-rest.properties -> struct kr_conf: a pure parser of Java
 * .properties text that routes the client./producer./admin./consumer. keys,
 * translates Java client settings to librdkafka ones and collects every
 * problem as "file:line: message" diagnostics. */
#ifndef KR_CONF_H
#define KR_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "kr_auth.h"
#include "kr_buf.h"

/* One HTTP listener. */
struct kr_listener {
	char *ls_scheme;     /* "http" or "https" */
	char *ls_host;       /* "0.0.0.0", "127.0.0.1", "::", a name */
	uint16_t ls_port;    /* 1..65535 */
	int ls_metrics_only; /* from metrics.listeners: /metrics, /healthz,
	                        /readyz only */
};

/* One librdkafka property, in the order it must be applied. */
struct kr_kv {
	char *kv_key;   /* librdkafka name */
	char *kv_value; /* value (may be a secret: see kr_conf_key_is_secret) */
	int kv_line;    /* file line it came from; 0 for krest defaults */
};

/* One diagnostic. */
struct kr_diag {
	char *dg_file; /* file name as given to kr_conf_parse() */
	int dg_line;   /* 1-based line in that file */
	int dg_error;  /* 1 error, 0 warning */
	char *dg_msg;  /* message; never holds a secret value */
};

/* Every diagnostic of one parse, in file order of discovery. */
struct kr_diags {
	struct kr_diag *d_list;
	size_t d_count;
	size_t d_cap;
	int d_errors; /* how many of d_list are errors */
};

/* MSK IAM (JAAS IAMLoginModule, or OAUTHBEARER with the
 * IAMOAuthBearerLoginCallbackHandler). Strings are NULL when not given. */
struct kr_iam {
	int iam_enabled;              /* 1: sign tokens with AWS credentials */
	char *iam_profile;            /* awsProfileName */
	char *iam_role_arn;           /* awsRoleArn */
	char *iam_role_session_name;  /* awsRoleSessionName */
	char *iam_sts_region;         /* awsStsRegion */
	char *iam_role_external_id;   /* awsRoleExternalId */
	int iam_debug_creds;          /* awsDebugCreds=true */
	int iam_max_retries;          /* awsMaxRetries, default 3 */
	int iam_max_backoff_ms;       /* awsMaxBackOffTimeMs, default 5000 */
	char *iam_role_access_key_id; /* awsRoleAccessKeyId */
	char *iam_role_secret_access_key; /* awsRoleSecretAccessKey (secret) */
	char *iam_role_session_token;     /* awsRoleSessionToken (secret) */
	char *iam_region;                 /* from the bootstrap host names
	                                     (*.kafka.<region>.amazonaws.com, anchored on the
	                                     suffix), or NULL */
};

/* The effective configuration. Every pointer is owned by the struct and
 * freed by kr_conf_free(). */
struct kr_conf {
	char *conf_file; /* path given, or NULL for the no-file demo */
	struct kr_listener *conf_listeners;
	size_t conf_nlisteners;
	char *conf_bootstrap;      /* PROTO:// prefixes stripped; "embedded" */
	int conf_embedded;         /* bootstrap.servers=embedded, or no file */
	int conf_embedded_brokers; /* embedded.brokers, default 3 */
	/* librdkafka producer settings, in the order to apply (krest
	 * defaults first, then client.*, then producer.*). */
	struct kr_kv *conf_producer;
	size_t conf_nproducer;
	/* librdkafka admin/metadata settings (client.* then admin.*). */
	struct kr_kv *conf_admin;
	size_t conf_nadmin;
	/* consumer.* (kept for later; proxy-owned consumer.* keys filtered
	 * out). */
	struct kr_kv *conf_consumer;
	size_t conf_nconsumer;
	struct kr_iam conf_iam;
	/* krest's own keys */
	size_t conf_max_request_bytes;   /* max.request.bytes, 10485760 */
	int conf_produce_timeout_ms;     /* produce.timeout.ms, 25000 */
	int conf_confluent_status;       /* produce.response.status: honest 0,
	                                    confluent 1 */
	int conf_unknown_topic_ms;       /* produce.unknown.topic.ms, 2000 */
	int conf_log_json;               /* log.format: text 0, json 1 */
	int conf_max_connections;        /* max.connections, 10000 */
	size_t conf_max_inflight_bytes;  /* max.inflight.bytes, 67108864 */
	int conf_max_header_bytes;       /* max.request.header.size, 8192 */
	int conf_idle_timeout_ms;        /* idle.timeout.ms, 30000 */
	int conf_shutdown_graceful_ms;   /* shutdown.graceful.ms, 5000 */
	int conf_header_timeout_ms;      /* request.header.timeout.ms, 30000 */
	int conf_body_timeout_ms;        /* request.body.timeout.ms, 60000 */
	int conf_max_connections_per_ip; /* max.connections.per.ip, 0: off */
	int conf_secrets;                /* 1: the file holds a secret value */
	struct kr_auth_conf conf_auth;   /* who may post (lib/kr_auth.h) */
	/* TLS of https:// listeners: PEM files, or a PKCS#12 keystore. */
	char *conf_tls_cert;              /* ssl.certificate.location (krest) */
	char *conf_tls_key;               /* ssl.key.location (krest) */
	char *conf_tls_keystore;          /* ssl.keystore.location (PKCS#12) */
	char *conf_tls_keystore_password; /* ssl.keystore.password (secret) */
	char *conf_tls_key_password;      /* ssl.key.password (secret) */
};

/* Fills conf with krest's defaults; no listeners, no Kafka settings. */
void kr_conf_init(struct kr_conf *conf);

/* The no-file demo configuration: listener http://127.0.0.1:8082, the
 * embedded cluster, krest's producer defaults. conf must not hold
 * anything (it is initialised here). */
void kr_conf_demo(struct kr_conf *conf);

/* Parses len bytes of Java .properties text (fname is used in messages
 * and copied into conf_file) into conf, which must come from
 * kr_conf_init() and not have been parsed into before. Collects ALL
 * problems into diags. Returns 0 when there is no error (warnings
 * allowed), -1 otherwise; conf is filled in either case and must be freed
 * with kr_conf_free(). Pure: no I/O, no global state. */
int kr_conf_parse(const char *buf, size_t len, const char *fname,
    struct kr_conf *conf, struct kr_diags *diags);

/* Frees everything conf owns (secret values are zeroed first) and leaves
 * it as kr_conf_init() does. */
void kr_conf_free(struct kr_conf *conf);

void kr_diags_init(struct kr_diags *d);
void kr_diags_free(struct kr_diags *d);

/* Appends "file:line: error: msg" or "file:line: warning: msg" (no
 * newline) to out. */
void kr_diag_format(const struct kr_diag *dg, struct kr_buf *out);

/* 1 if the key (Java or librdkafka name, with or without a client./
 * producer./admin./consumer. prefix) holds a secret: passwords, JAAS
 * configs, sasl.oauthbearer.config, private keys, ... */
int kr_conf_key_is_secret(const char *key);

/* Appends a human-readable dump of the effective configuration to out;
 * secret values are shown as "[redacted]". */
void kr_conf_dump(const struct kr_conf *conf, struct kr_buf *out);

/* 1 if the parsed file holds a secret, so the daemon refuses it when it is
 * group- or other-readable. */
int kr_conf_has_secrets(const struct kr_conf *conf);

#endif
