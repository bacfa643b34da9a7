/* SPDX-License-Identifier: MIT */
/* Pure parsers for what the AWS credential sources return: STS XML
 * responses, IMDS / container / credential_process JSON, the shared
 * credentials and config files (INI), and ISO-8601 times. */
#ifndef KR_AWSPARSE_H
#define KR_AWSPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "kr_sigv4.h"

/* Parses a time as AWS sends it: "YYYY-MM-DDTHH:MM:SS" with optional
 * fraction and a "Z" or "+HH:MM"/"-HH:MM" offset (no offset is UTC), the
 * compact "YYYYMMDDTHHMMSSZ", or plain epoch seconds. Stores epoch seconds
 * in *out. Returns 0, or -1 when s is not such a time. */
int kr_awsparse_time(const char *s, int64_t *out);

/* An STS AssumeRole / AssumeRoleWithWebIdentity response. All strings are
 * owned; free with kr_awsparse_sts_free(). */
struct kr_awsparse_sts {
	struct kr_sigv4_creds st_creds; /* on success */
	char *st_arn;                   /* AssumedRoleUser/Arn */
	char *st_role_id;               /* AssumedRoleUser/AssumedRoleId */
	char *st_request_id;            /* RequestId, when present */
	char *st_err_type;              /* ErrorResponse/Error/Type */
	char *st_err_code;              /* ErrorResponse/Error/Code */
	char *st_err_msg;               /* ErrorResponse/Error/Message */
};

/* Parses an STS response body. Returns 0 when it holds credentials (all of
 * AccessKeyId, SecretAccessKey, SessionToken and a valid Expiration), or -1
 * with errstr set: "STS <Code>: <Message>" for an ErrorResponse (the fields
 * are then filled in), or a description of what is malformed. out must be
 * zero-initialised. */
int kr_awsparse_sts(const char *xml, size_t len, struct kr_awsparse_sts *out,
    char *errstr, size_t errlen);
void kr_awsparse_sts_free(struct kr_awsparse_sts *sts);

/* Parses an STS GetCallerIdentity response. Returns a new string with the
 * caller's ARN (the caller frees it), or NULL with errstr set ("STS
 * <Code>: <Message>" for an ErrorResponse). */
char *kr_awsparse_caller_arn(
    const char *xml, size_t len, char *errstr, size_t errlen);

/* Parses credentials JSON as IMDS and the container endpoint return them
 * (AccessKeyId, SecretAccessKey, Token, Expiration; a "Code" other than
 * "Success" is an error) or as a credential_process prints them (Version 1,
 * SessionToken and Expiration optional). Fills out, which must be empty.
 * Returns 0, or -1 with errstr set (out is then left empty). */
int kr_awsparse_creds_json(const char *buf, size_t len,
    struct kr_sigv4_creds *out, char *errstr, size_t errlen);

/* The keys of one profile of the shared credentials / config files. Every
 * field is an owned string or NULL; free with kr_awsparse_profile_free(). */
struct kr_awsparse_profile {
	char *pr_akid;                    /* aws_access_key_id */
	char *pr_secret;                  /* aws_secret_access_key */
	char *pr_token;                   /* aws_session_token */
	char *pr_region;                  /* region */
	char *pr_role_arn;                /* role_arn */
	char *pr_source_profile;          /* source_profile */
	char *pr_credential_source;       /* credential_source */
	char *pr_credential_process;      /* credential_process */
	char *pr_web_identity_token_file; /* web_identity_token_file */
	char *pr_role_session_name;       /* role_session_name */
	char *pr_external_id;             /* external_id */
	char *pr_duration_seconds;        /* duration_seconds */
	char *pr_sts_regional_endpoints;  /* sts_regional_endpoints */
};

/* Looks up profile name in the text of a shared credentials file
 * (is_config 0: sections "[name]") or config file (is_config 1: sections
 * "[profile name]", and "[default]" for "default"). Keys are matched
 * case-insensitively; only fields of prof that are still NULL are set, so
 * parsing the credentials file first gives it precedence, as the SDKs do.
 * Returns 1 when the profile was found, 0 when not, or -1 with errstr set
 * ("line N: ...") when the file is malformed. */
int kr_awsparse_profile(const char *buf, size_t len, int is_config,
    const char *name, struct kr_awsparse_profile *prof, char *errstr,
    size_t errlen);
void kr_awsparse_profile_free(struct kr_awsparse_profile *prof);

#endif
