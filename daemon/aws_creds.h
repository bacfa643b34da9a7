/* SPDX-License-Identifier: MIT */
/* The AWS credential chain (explicit, environment, web identity, shared
 * files, container, IMDSv2, then AssumeRole) and the MSK IAM token made from
 * it. Glue: HTTP through libcurl with timeouts; the signing and parsing are
 * in lib/kr_sigv4 and lib/kr_awsparse. */
#ifndef KR_AWS_CREDS_H
#define KR_AWS_CREDS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kr_sigv4.h"

#define KR_AWS_USER_AGENT     "krest/0.1"
#define KR_AWS_SESSION_NAME   "kafka-rest-proxy"
#define KR_AWS_MAX_RETRIES    3
#define KR_AWS_MAX_BACKOFF_MS 5000
#define KR_AWS_REFRESH_BEFORE (15 * 60) /* refresh this long before expiry */
#define KR_AWS_EXPIRY_MARGIN  60        /* never use them closer than this */
#define KR_AWS_REFRESH_BUDGET 20        /* seconds one refresh may take */

/* Log levels, as syslog numbers them. */
#define KR_AWS_LOG_ERR     3
#define KR_AWS_LOG_WARNING 4
#define KR_AWS_LOG_INFO    6
#define KR_AWS_LOG_DEBUG   7

/* Receives one log line (no newline, never a secret). May run on any thread
 * that calls into this module. */
typedef void kr_aws_log_fn(void *opaque, int level, const char *msg);

/* What the user configured (the JAAS options of aws-msk-iam-auth and the
 * command line of krest-iam-token). Every string may be NULL; they are
 * copied by kr_aws_new(). */
struct kr_aws_opts {
	const char *ao_region;        /* MSK region; NULL: derive it */
	const char *ao_bootstrap;     /* bootstrap.servers, for the region */
	const char *ao_profile;       /* awsProfileName */
	const char *ao_role_arn;      /* awsRoleArn */
	const char *ao_session_name;  /* awsRoleSessionName */
	const char *ao_external_id;   /* awsRoleExternalId */
	const char *ao_sts_region;    /* awsStsRegion; NULL: the MSK region */
	const char *ao_access_key_id; /* awsRoleAccessKeyId (static) */
	const char *ao_secret_access_key; /* awsRoleSecretAccessKey */
	const char *ao_session_token;     /* awsRoleSessionToken */
	const char *ao_user_agent;        /* NULL: KR_AWS_USER_AGENT */
	int ao_max_retries;    /* awsMaxRetries; -1: KR_AWS_MAX_RETRIES */
	int ao_max_backoff_ms; /* awsMaxBackOffTimeMs; -1: the default */
	int ao_debug_creds;    /* awsDebugCreds: log the caller's ARN */
	kr_aws_log_fn *ao_log; /* NULL: no logging */
	void *ao_log_opaque;
};

struct kr_aws_ctx;

/* Sets every field of opts to its default (NULL, -1, 0). */
void kr_aws_opts_init(struct kr_aws_opts *opts);

/* Creates a context and resolves the MSK region: explicit, else from the
 * bootstrap host name, else AWS_REGION, AWS_DEFAULT_REGION, the profile's
 * region. Returns NULL with errstr set when there is no region or an option
 * is invalid. No network access happens here. Call it from the main thread
 * before other threads use libcurl (it runs curl_global_init). Free with
 * kr_aws_destroy(). */
struct kr_aws_ctx *kr_aws_new(
    const struct kr_aws_opts *opts, char *errstr, size_t errlen);
void kr_aws_destroy(struct kr_aws_ctx *ctx);

/* Returns the MSK region. Borrowed; valid until ctx is destroyed. */
const char *kr_aws_region(const struct kr_aws_ctx *ctx);

/* Gets credentials valid at now (epoch seconds): the cached ones, or new
 * ones from the chain when they expire within KR_AWS_REFRESH_BEFORE. When a
 * refresh fails but the cached credentials are still valid for more than
 * KR_AWS_EXPIRY_MARGIN seconds, those are returned and a warning is logged.
 * Copies them into out (which must be empty; the caller clears it with
 * kr_sigv4_creds_clear()) and, when source is not NULL, a description of
 * where they came from (never a secret). Returns 0, or -1 with errstr set.
 * Thread-safe; takes at most about KR_AWS_REFRESH_BUDGET seconds. */
int kr_aws_get_creds(struct kr_aws_ctx *ctx, time_t now,
    struct kr_sigv4_creds *out, char *source, size_t sourcelen, char *errstr,
    size_t errlen);

/* Signs the MSK IAM token at sign_time with credentials valid at now, into
 * res (zero-initialised; free with kr_sigv4_result_free()), and stores the
 * lifetime to give librdkafka (see kr_aws_msk_token()) and, when source is
 * not NULL, where the credentials came from. Returns 0, or -1 with errstr
 * set. Thread-safe, bounded like kr_aws_get_creds(). */
int kr_aws_msk_sign(struct kr_aws_ctx *ctx, time_t now, time_t sign_time,
    struct kr_sigv4_result *res, int64_t *lifetime_ms, char *source,
    size_t sourcelen, char *errstr, size_t errlen);

/* For librdkafka's OAUTHBEARER refresh callback: a token signed at now and
 * its absolute expiry in epoch milliseconds, min(token expiry, credential
 * expiry - KR_AWS_EXPIRY_MARGIN). *token is a new string; free it with
 * kr_free_secret(*token, strlen(*token)). Returns 0, or -1 with errstr set
 * (for rd_kafka_oauthbearer_set_token_failure()). Thread-safe; runs on
 * librdkafka's background thread in krestd. */
int kr_aws_msk_token(struct kr_aws_ctx *ctx, time_t now, char **token,
    int64_t *lifetime_ms, char *errstr, size_t errlen);

/* Writes the principal to give librdkafka (the assumed role's ARN when
 * known, else "kafka-cluster") into out. Thread-safe. */
void kr_aws_principal(struct kr_aws_ctx *ctx, char *out, size_t outlen);

/* The expiry (epoch seconds) of the cached credentials: 0 when they do
 * not expire, -1 when there are none yet. Thread-safe. */
int64_t kr_aws_creds_expiry(struct kr_aws_ctx *ctx);

#endif
