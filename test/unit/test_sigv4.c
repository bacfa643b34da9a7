/* SPDX-License-Identifier: MIT */
/* Unit tests of kr_sigv4 and kr_awsparse: the botocore vectors of
 * test/vectors (through sigv4_vectors.inc), byte for byte, plus tables. */
#include <stdint.h>
#include <stdlib.h>

#include "kr_awsparse.h"
#include "kr_sigv4.h"
#include "kr_test.h"

struct msk_vector {
	const char *name, *region, *akid, *secret, *token;
	long long epoch;
	int expires;
	const char *user_agent, *time_utc, *host, *amzdate, *scope, *cqs,
	    *canonical_request, *string_to_sign, *key_hex, *signature,
	    *url_before_ua, *url, *token_b64;
	long long expiry_ms;
};

struct sts_vector {
	const char *name, *endpoint, *host, *region, *akid, *secret, *token;
	long long epoch;
	const char *role_arn, *session_name, *external_id;
	int duration;
	const char *body, *body_sha256, *scope, *canonical_request,
	    *string_to_sign, *key_hex, *signature, *signed_headers,
	    *authorization;
};

struct wi_vector {
	const char *name, *role_arn, *session_name, *wi_token, *body;
};

struct resp_vector {
	const char *name, *xml, *akid, *secret, *token, *expiration, *arn,
	    *role_id, *request_id, *err_code, *err_msg, *err_type;
};

#include "sigv4_vectors.inc"

static void
key_hex(const unsigned char *key, char *out)
{
	static const char hx[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hx[key[i] >> 4];
		out[2 * i + 1] = hx[key[i] & 15];
	}
	out[64] = '\0';
}

static void
set_creds(struct kr_sigv4_creds *cr, const char *akid, const char *secret,
    const char *token)
{
	cr->cr_akid = (char *)(uintptr_t)akid;
	cr->cr_secret = (char *)(uintptr_t)secret;
	cr->cr_token = (char *)(uintptr_t)token;
	cr->cr_expiration = 0;
}

static void
test_msk_vectors(void)
{
	const struct msk_vector *v;
	struct kr_sigv4_creds cr;
	char err[256], hex[65];
	const char *cqs, *cqs_end;
	int64_t t;

	for (v = msk_vectors; v->name != NULL; v++) {
		struct kr_sigv4_result res = {0};

		KR_CHECK(
		    kr_awsparse_time(v->time_utc, &t) == 0 && t == v->epoch);
		set_creds(&cr, v->akid, v->secret, v->token);
		KR_CHECKF(
		    kr_sigv4_msk_token(&cr, v->region, (int64_t)v->epoch,
		        v->expires, v->user_agent, &res, err, sizeof(err)) == 0,
		    "%s: %s", v->name, err);
		KR_CHECK_STR(res.rs_host.data, v->host);
		KR_CHECK_STR(res.rs_amzdate, v->amzdate);
		KR_CHECK_STR(res.rs_scope.data, v->scope);
		cqs = res.rs_canonical_request.data + 6; /* after "GET\n/\n" */
		cqs_end = strchr(cqs, '\n');
		KR_CHECK_MEM(
		    cqs, (size_t)(cqs_end - cqs), v->cqs, strlen(v->cqs));
		KR_CHECK_STR(
		    res.rs_canonical_request.data, v->canonical_request);
		KR_CHECK_STR(res.rs_string_to_sign.data, v->string_to_sign);
		key_hex(res.rs_key, hex);
		KR_CHECK_STR(hex, v->key_hex);
		KR_CHECK_STR(res.rs_signature, v->signature);
		KR_CHECK_MEM(res.rs_url.data, res.rs_url_signed_len,
		    v->url_before_ua, strlen(v->url_before_ua));
		KR_CHECK_STR(res.rs_url.data, v->url);
		KR_CHECK_STR(res.rs_token.data, v->token_b64);
		KR_CHECKF(
		    res.rs_expiry_ms == (int64_t)v->expiry_ms, "%s", v->name);
		kr_sigv4_result_free(&res);
	}
}

static void
test_sts_vectors(void)
{
	const struct sts_vector *v;
	struct kr_sigv4_creds cr;
	char err[256], hex[65];

	for (v = sts_vectors; v->name != NULL; v++) {
		struct kr_sigv4_result res = {0};
		struct kr_buf body = KR_BUF_INIT;
		struct kr_sigv4_sts_params sp = {v->role_arn, v->session_name,
		    v->external_id, v->duration, NULL};

		KR_CHECK(kr_sigv4_sts_body(&body, &sp, err, sizeof(err)) == 0);
		KR_CHECK_STR(body.data, v->body);
		kr_sigv4_sha256_hex(body.data, body.len, hex);
		KR_CHECK_STR(hex, v->body_sha256);
		set_creds(&cr, v->akid, v->secret, v->token);
		KR_CHECKF(kr_sigv4_sts_sign(&cr, v->host, v->region,
		              (int64_t)v->epoch, body.data, body.len, &res, err,
		              sizeof(err)) == 0,
		    "%s: %s", v->name, err);
		KR_CHECK_STR(res.rs_scope.data, v->scope);
		KR_CHECK_STR(
		    res.rs_canonical_request.data, v->canonical_request);
		KR_CHECK_STR(res.rs_string_to_sign.data, v->string_to_sign);
		key_hex(res.rs_key, hex);
		KR_CHECK_STR(hex, v->key_hex);
		KR_CHECK_STR(res.rs_signature, v->signature);
		KR_CHECK(strstr(res.rs_authorization.data, v->signed_headers) !=
		         NULL);
		KR_CHECK_STR(res.rs_authorization.data, v->authorization);
		kr_sigv4_result_free(&res);
		kr_buf_free(&body);
	}
}

static void
test_wi_vectors(void)
{
	const struct wi_vector *v;
	char err[256];

	for (v = wi_vectors; v->name != NULL; v++) {
		struct kr_buf body = KR_BUF_INIT;
		struct kr_sigv4_sts_params sp = {
		    v->role_arn, v->session_name, NULL, 0, v->wi_token};

		KR_CHECK(kr_sigv4_sts_body(&body, &sp, err, sizeof(err)) == 0);
		KR_CHECK_STR(body.data, v->body);
		kr_buf_free(&body);
	}
}

static void
check_opt(const char *got, const char *want, const char *what)
{
	if (want == NULL)
		return;
	KR_CHECKF(got != NULL && strcmp(got, want) == 0, "%s: got [%s]", what,
	    got != NULL ? got : "(null)");
}

static void
test_resp_vectors(void)
{
	const struct resp_vector *v;
	char err[512];
	int64_t exp;
	int rc;

	for (v = resp_vectors; v->name != NULL; v++) {
		struct kr_awsparse_sts sts = {0};

		rc = kr_awsparse_sts(
		    v->xml, strlen(v->xml), &sts, err, sizeof(err));
		if (v->err_code != NULL) {
			KR_CHECK(rc == -1);
			check_opt(sts.st_err_code, v->err_code, "code");
			check_opt(sts.st_err_msg, v->err_msg, "message");
			check_opt(sts.st_err_type, v->err_type, "type");
			KR_CHECK(strstr(err, v->err_code) != NULL);
			KR_CHECK(sts.st_creds.cr_akid == NULL);
		} else {
			KR_CHECKF(rc == 0, "%s: %s", v->name, err);
			check_opt(sts.st_creds.cr_akid, v->akid, "akid");
			check_opt(sts.st_creds.cr_secret, v->secret, "secret");
			check_opt(sts.st_creds.cr_token, v->token, "token");
			check_opt(sts.st_arn, v->arn, "arn");
			check_opt(sts.st_role_id, v->role_id, "role id");
			KR_CHECK(kr_awsparse_time(v->expiration, &exp) == 0);
			KR_CHECK(sts.st_creds.cr_expiration == exp);
		}
		check_opt(sts.st_request_id, v->request_id, "request id");
		kr_awsparse_sts_free(&sts);
	}
}

static void
test_sts_xml_edge(void)
{
	static const char *const bad[] = {
	    "",
	    "<html>502 Bad Gateway</html>",
	    "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
	    "<AccessKeyId>A</AccessKeyId></Credentials></AssumeRoleResult>"
	    "</AssumeRoleResponse>",
	    "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
	    "<AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
	    "<SessionToken>T</SessionToken><Expiration>soon</Expiration>"
	    "</Credentials></AssumeRoleResult></AssumeRoleResponse>",
	    "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
	    "<AccessKeyId>A</AccessKeyId><SecretAccessKey>S&bogus;"
	    "</SecretAccessKey><SessionToken>T</SessionToken>"
	    "<Expiration>2024-01-01T00:00:00Z</Expiration>"
	    "</Credentials></AssumeRoleResult></AssumeRoleResponse>",
	    "<AssumeRoleResult><Credentials><AccessKeyId>A",
	    NULL,
	};
	const char *web =
	    "<AssumeRoleWithWebIdentityResponse xmlns=\"x\">\n"
	    "<AssumeRoleWithWebIdentityResult>"
	    "<SubjectFromWebIdentityToken>sub</SubjectFromWebIdentityToken>"
	    "<AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/s</Arn>"
	    "<AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>"
	    "<Credentials>\n  "
	    "<SessionToken>a+b/c&amp;d&#61;&#x3D;</SessionToken>"
	    "<SecretAccessKey>sec</SecretAccessKey>"
	    "<Expiration>2024-01-15T13:34:56.000Z</Expiration>"
	    "<AccessKeyId>ASIAX</AccessKeyId></Credentials>"
	    "</AssumeRoleWithWebIdentityResult>"
	    "</AssumeRoleWithWebIdentityResponse>";
	const char *empty = "<ErrorResponse><Error><Code></Code><Type/>"
	                    "</Error></ErrorResponse>";
	struct kr_awsparse_sts sts = {0};
	char err[256];
	int i;

	for (i = 0; bad[i] != NULL; i++) {
		err[0] = '\0';
		KR_CHECKF(kr_awsparse_sts(bad[i], strlen(bad[i]), &sts, err,
		              sizeof(err)) == -1 &&
		              err[0] != '\0',
		    "case %d", i);
		KR_CHECK(sts.st_creds.cr_secret == NULL);
		kr_awsparse_sts_free(&sts);
	}
	KR_CHECKF(
	    kr_awsparse_sts(web, strlen(web), &sts, err, sizeof(err)) == 0,
	    "%s", err);
	KR_CHECK_STR(sts.st_creds.cr_token, "a+b/c&d==");
	KR_CHECK_STR(sts.st_creds.cr_akid, "ASIAX");
	KR_CHECK_STR(sts.st_arn, "arn:aws:sts::1:assumed-role/r/s");
	KR_CHECK(sts.st_creds.cr_expiration == 1705325696);
	kr_awsparse_sts_free(&sts);
	/* An empty element is an empty string. */
	KR_CHECK(kr_awsparse_sts(
	             empty, strlen(empty), &sts, err, sizeof(err)) == -1);
	KR_CHECK_STR(sts.st_err_code, "");
	KR_CHECK_STR(sts.st_err_type, "");
	KR_CHECK(sts.st_err_msg == NULL);
	kr_awsparse_sts_free(&sts);
}

static void
test_caller_identity(void)
{
	const char *ok =
	    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/"
	    "2011-06-15/\">\n<GetCallerIdentityResult>\n"
	    "<Arn>arn:aws:sts::123456789012:assumed-role/r/i-0abc</Arn>\n"
	    "<UserId>AROAX:i-0abc</UserId><Account>123456789012</Account>"
	    "</GetCallerIdentityResult></GetCallerIdentityResponse>";
	const char *denied = resp_vectors[1].xml;
	char err[512], *arn;

	arn = kr_awsparse_caller_arn(ok, strlen(ok), err, sizeof(err));
	KR_CHECK_STR(arn, "arn:aws:sts::123456789012:assumed-role/r/i-0abc");
	free(arn);
	KR_CHECK(kr_awsparse_caller_arn(
	             denied, strlen(denied), err, sizeof(err)) == NULL);
	KR_CHECK(strncmp(err, "STS AccessDenied: User: ", 24) == 0);
	KR_CHECK(kr_awsparse_caller_arn("<x/>", 4, err, sizeof(err)) == NULL);
}

static void
test_encode(void)
{
	static const struct {
		const char *in, *uri, *form;
	} cases[] = {
	    {"", "", ""},
	    {"AZaz09-_.~", "AZaz09-_.~", "AZaz09-_.~"},
	    {"a b", "a%20b", "a+b"},
	    {"+/=:", "%2B%2F%3D%3A", "%2B%2F%3D%3A"},
	    {"@,;&?#%", "%40%2C%3B%26%3F%23%25", "%40%2C%3B%26%3F%23%25"},
	    {"\xc3\xa9", "%C3%A9", "%C3%A9"},
	    {NULL, NULL, NULL},
	};
	struct kr_buf b = KR_BUF_INIT;
	int i;

	for (i = 0; cases[i].in != NULL; i++) {
		kr_buf_reset(&b);
		kr_sigv4_uri_encode(&b, cases[i].in, strlen(cases[i].in));
		KR_CHECK_MEM(b.data != NULL ? b.data : "", b.len, cases[i].uri,
		    strlen(cases[i].uri));
		kr_buf_reset(&b);
		kr_sigv4_form_encode(&b, cases[i].in, strlen(cases[i].in));
		KR_CHECK_MEM(b.data != NULL ? b.data : "", b.len, cases[i].form,
		    strlen(cases[i].form));
	}
	kr_buf_free(&b);
}

static void
test_canonical_query(void)
{
	const struct kr_sigv4_param p[] = {
	    {"b", "2"}, {"a", "z z"}, {"a", "y"}, {"B", "/"}};
	struct kr_buf b = KR_BUF_INIT;

	const struct kr_sigv4_param e[] = {{"x", ""}, {"", "v"}};

	kr_sigv4_canonical_query(&b, p, 4);
	KR_CHECK_STR(b.data, "B=%2F&a=y&a=z%20z&b=2");
	kr_buf_reset(&b);
	kr_sigv4_canonical_query(&b, e, 2);
	KR_CHECK_STR(b.data, "=v&x=");
	kr_buf_free(&b);
}

static void
test_signing_key_doc(void)
{
	/* The AWS documentation's derivation example (spec section 2). */
	unsigned char key[32];
	char hex[65];

	kr_sigv4_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	    "20150830", "us-east-1", "iam", key);
	key_hex(key, hex);
	KR_CHECK_STR(hex, "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e8"
	                  "6da6ed3c154a4b9");
	kr_sigv4_sha256_hex("", 0, hex);
	KR_CHECK_STR(hex, KR_SIGV4_EMPTY_SHA256);
}

static void
test_time(void)
{
	static const struct {
		const char *in;
		long long want; /* -1: rejected */
	} cases[] = {
	    {"2024-01-15T12:34:56Z", 1705322096},
	    {"2024-01-15T12:34:56", 1705322096},
	    {"2024-01-15T12:34:56.123456Z", 1705322096},
	    {"2024-01-15T13:34:56+01:00", 1705322096},
	    {"2024-01-15T11:34:56-0100", 1705322096},
	    {"20240115T123456Z", 1705322096},
	    {"1705322096", 1705322096},
	    {"2024-02-29T00:00:00Z", 1709164800},
	    {"1970-01-01T00:00:00Z", 0},
	    {"2000-03-01T00:00:00Z", 951868800},
	    {"9999-12-31T23:59:59Z", 253402300799LL},
	    {"2024-13-01T00:00:00Z", -1},
	    {"2024-01-15 12:34", -1},
	    {"2024-01-15T12:34:56Q", -1},
	    {"2024-01-15T12:34:56.Z", -1},
	    {"", -1},
	    {"-5", -1},
	    {"now", -1},
	    {NULL, 0},
	};
	static const long long roundtrip[] = {0, 951782400, 1705322096,
	    1709164800, 4102444800LL, 253402300799LL, -1};
	char buf[KR_SIGV4_AMZDATE_LEN + 1];
	int64_t t;
	int i, rc;

	for (i = 0; cases[i].in != NULL; i++) {
		rc = kr_awsparse_time(cases[i].in, &t);
		if (cases[i].want == -1)
			KR_CHECKF(rc == -1, "%s", cases[i].in);
		else
			KR_CHECKF(
			    rc == 0 && t == cases[i].want, "%s", cases[i].in);
	}
	for (i = 0; roundtrip[i] != -1; i++) {
		KR_CHECK(kr_sigv4_amzdate((int64_t)roundtrip[i], buf) == 0);
		KR_CHECKF(kr_awsparse_time(buf, &t) == 0 && t == roundtrip[i],
		    "%s", buf);
	}
	KR_CHECK(kr_sigv4_amzdate(-1, buf) == -1);
	KR_CHECK(kr_sigv4_amzdate(253402300800LL, buf) == -1);
	KR_CHECK(kr_sigv4_amzdate(1709164800, buf) == 0);
	KR_CHECK_STR(buf, "20240229T000000Z");
}

static void
test_region_from_host(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"b-1.mycluster.abc123.c2.kafka.us-east-1.amazonaws.com:9098",
	        "us-east-1"},
	    {"b-1.x.y.kafka.eu-west-1.amazonaws.com:9098,"
	     "b-2.x.y.kafka.eu-west-1.amazonaws.com:9098",
	        "eu-west-1"},
	    /* aws-msk-iam-auth #245: a region id inside the cluster name. */
	    {"b-1.us-west-2-copy.abc.c3.kafka.ap-southeast-2.amazonaws.com",
	        "ap-southeast-2"},
	    {"SASL_SSL://b-1.c.k.c1.kafka.cn-north-1.amazonaws.com.cn:9098",
	        "cn-north-1"},
	    {"boot-abc.c1.kafka-serverless.us-east-2.amazonaws.com:9098",
	        "us-east-2"},
	    {"localhost:9092, b-3.q.w.c1.kafka.sa-east-1.amazonaws.com:9198",
	        "sa-east-1"},
	    {"localhost:9092", NULL},
	    {"kafka.us-east-1.amazonaws.com.evil.example:9098", NULL},
	    {"b-1.x.kafka.US-EAST-1.amazonaws.com", NULL},
	    {"b-1.x.notkafka.us-east-1.amazonaws.com", NULL},
	    {"", NULL},
	    {NULL, NULL},
	};
	char out[64];
	int i, rc;

	for (i = 0; cases[i].in != NULL; i++) {
		rc = kr_sigv4_region_from_host(cases[i].in, out, sizeof(out));
		if (cases[i].want == NULL) {
			KR_CHECKF(rc == -1, "%s", cases[i].in);
		} else {
			KR_CHECKF(rc == 0, "%s", cases[i].in);
			if (rc == 0)
				KR_CHECK_STR(out, cases[i].want);
		}
	}
	KR_CHECK(kr_sigv4_region_from_host(cases[0].in, out, 5) == -1);
}

static void
test_bad_inputs(void)
{
	struct kr_sigv4_creds cr;
	struct kr_sigv4_result res = {0};
	struct kr_sigv4_sts_params sp = {NULL, "s", NULL, 0, NULL};
	struct kr_buf b = KR_BUF_INIT;
	char err[256];

	set_creds(&cr, "AKID", "SECRET", NULL);
	KR_CHECK(kr_sigv4_msk_token(&cr, "us east", 0, 900, NULL, &res, err,
	             sizeof(err)) == -1);
	KR_CHECK(strstr(err, "region") != NULL);
	KR_CHECK(kr_sigv4_msk_token(
	             &cr, "", 0, 900, NULL, &res, err, sizeof(err)) == -1);
	KR_CHECK(kr_sigv4_msk_token(&cr, "us-east-1", -1, 900, NULL, &res, err,
	             sizeof(err)) == -1);
	KR_CHECK(kr_sigv4_msk_token(&cr, "us-east-1", 0, 0, NULL, &res, err,
	             sizeof(err)) == -1);
	set_creds(&cr, "AKID", "", NULL);
	KR_CHECK(kr_sigv4_msk_token(&cr, "us-east-1", 0, 900, NULL, &res, err,
	             sizeof(err)) == -1);
	KR_CHECK(kr_sigv4_sts_body(&b, &sp, err, sizeof(err)) == -1);
	set_creds(&cr, "AKID", "SECRET", "");
	KR_CHECK(kr_sigv4_sts_sign(&cr, "h\r\nX: y", "us-east-1", 0, "", 0,
	             &res, err, sizeof(err)) == -1);
	kr_sigv4_result_free(&res);
	/* An empty session token is no token; no User-Agent parameter. */
	memset(&res, 0, sizeof(res));
	KR_CHECK(kr_sigv4_msk_token(&cr, "us-east-1", 0, 900, "", &res, err,
	             sizeof(err)) == 0);
	KR_CHECK(strstr(res.rs_url.data, "Security-Token") == NULL);
	KR_CHECK(strstr(res.rs_url.data, "User-Agent") == NULL);
	KR_CHECK(res.rs_url.len == res.rs_url_signed_len);
	KR_CHECK(res.rs_expiry_ms == 900000);
	kr_sigv4_result_free(&res);
	/* A User-Agent with a space is form-encoded after signing. */
	memset(&res, 0, sizeof(res));
	KR_CHECK(kr_sigv4_msk_token(&cr, "us-east-1", 0, 900, "krest/0.1 x",
	             &res, err, sizeof(err)) == 0);
	KR_CHECK_STR(res.rs_url.data + res.rs_url_signed_len,
	    "&User-Agent=krest%2F0.1+x");
	kr_sigv4_result_free(&res);
	kr_buf_free(&b);
}

static void
test_creds_json(void)
{
	static const struct {
		const char *in;
		const char *akid, *secret, *token; /* akid NULL: rejected */
		long long exp;
	} cases[] = {
	    {"{\"Code\":\"Success\",\"LastUpdated\":\"2024-01-15T12:00:00Z\","
	     "\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIAIMDS\","
	     "\"SecretAccessKey\":\"s/+=\",\"Token\":\"t+/=\","
	     "\"Expiration\":\"2024-01-15T18:00:00Z\"}",
	        "ASIAIMDS", "s/+=", "t+/=", 1705341600},
	    {" {\"AccessKeyId\" : \"A\", \"SecretAccessKey\":\"S\", "
	     "\"Token\":\"T\",\"Expiration\":\"2024-01-15T18:00:00Z\","
	     "\"RoleArn\":\"arn:aws:iam::1:role/x\"}\n",
	        "A", "S", "T", 1705341600},
	    {"{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": "
	     "\"S\\u00e9\\/\\\"\", \"SessionToken\": \"T\", \"Extra\": "
	     "{\"a\": [1, 2, {\"b\": \"}\"}]}, \"Flag\": true}",
	        "A", "S\xc3\xa9/\"", "T", 0},
	    {"{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}",
	        "A", "S", NULL, 0},
	    {"{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}",
	        NULL, NULL, NULL, 0},
	    {"{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"Message\":\"no\"}",
	        NULL, NULL, NULL, 0},
	    {"{\"AccessKeyId\":\"A\"}", NULL, NULL, NULL, 0},
	    {"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Expiration\":"
	     "\"tomorrow\"}",
	        NULL, NULL, NULL, 0},
	    {"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"", NULL, NULL,
	        NULL, 0},
	    {"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"} x", NULL, NULL,
	        NULL, 0},
	    {"{\"AccessKeyId\":\"A\n\",\"SecretAccessKey\":\"S\"}", NULL, NULL,
	        NULL, 0},
	    {"{\"AccessKeyId\":\"\\ud800\",\"SecretAccessKey\":\"S\"}", NULL,
	        NULL, NULL, 0},
	    /* An empty string value (found by fuzzing: it was left
	     * unterminated). */
	    {"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"\"}",
	        "A", "S", NULL, 0},
	    {"<html>", NULL, NULL, NULL, 0},
	    {"", NULL, NULL, NULL, 0},
	    {NULL, NULL, NULL, NULL, 0},
	};
	struct kr_sigv4_creds cr = {0};
	char err[256];
	int i, rc;

	for (i = 0; cases[i].in != NULL; i++) {
		err[0] = '\0';
		rc = kr_awsparse_creds_json(
		    cases[i].in, strlen(cases[i].in), &cr, err, sizeof(err));
		if (cases[i].akid == NULL) {
			KR_CHECKF(
			    rc == -1 && err[0] != '\0' && cr.cr_akid == NULL,
			    "case %d", i);
		} else {
			KR_CHECKF(rc == 0, "case %d: %s", i, err);
			KR_CHECK_STR(cr.cr_akid, cases[i].akid);
			KR_CHECK_STR(cr.cr_secret, cases[i].secret);
			if (cases[i].token == NULL)
				KR_CHECK(cr.cr_token == NULL);
			else
				KR_CHECK_STR(cr.cr_token, cases[i].token);
			KR_CHECK(cr.cr_expiration == cases[i].exp);
		}
		kr_sigv4_creds_clear(&cr);
	}
	rc = kr_awsparse_creds_json(
	    cases[5].in, strlen(cases[5].in), &cr, err, sizeof(err));
	KR_CHECK(strstr(err, "AssumeRoleUnauthorizedAccess: no") != NULL);
}

static void
test_profiles(void)
{
	const char *credentials = "# comment\n"
	                          "[default]\n"
	                          "aws_access_key_id = AKIADEFAULT\n"
	                          "aws_secret_access_key=secret/default\r\n"
	                          "\n"
	                          "[dev]\n"
	                          "AWS_ACCESS_KEY_ID = AKIADEV\n"
	                          "aws_secret_access_key = devsecret\n"
	                          "aws_session_token = tok+/=\n"
	                          "[profile dev]\n"
	                          "aws_access_key_id = WRONG\n";
	const char *config = "[default]\n"
	                     "region = eu-west-1\n"
	                     "s3 =\n"
	                     "    region = nested-ignored\n"
	                     "[profile   dev]\n"
	                     "region=us-east-2\n"
	                     "aws_access_key_id = FROMCONFIG\n"
	                     "[profile chain]\n"
	                     "role_arn = arn:aws:iam::123456789012:role/x\n"
	                     "source_profile = dev\n"
	                     "role_session_name = sess\n"
	                     "external_id = ext-1\n"
	                     "duration_seconds = 900\n"
	                     "; comment\n"
	                     "[profile proc]\n"
	                     "credential_process = /bin/echo {\"Version\": 1}\n"
	                     "[profile inst]\n"
	                     "role_arn: arn:aws:iam::1:role/y\n"
	                     "credential_source = Ec2InstanceMetadata\n"
	                     "web_identity_token_file = /tmp/tok\n"
	                     "[dev]\n"
	                     "region = not-a-profile-section\n";
	struct kr_awsparse_profile pr = {0};
	char err[256];

	KR_CHECK(kr_awsparse_profile(credentials, strlen(credentials), 0,
	             "default", &pr, err, sizeof(err)) == 1);
	KR_CHECK_STR(pr.pr_akid, "AKIADEFAULT");
	KR_CHECK_STR(pr.pr_secret, "secret/default");
	KR_CHECK(kr_awsparse_profile(config, strlen(config), 1, "default", &pr,
	             err, sizeof(err)) == 1);
	KR_CHECK_STR(pr.pr_region, "eu-west-1");
	kr_awsparse_profile_free(&pr);

	/* The credentials file wins over the config file. */
	KR_CHECK(kr_awsparse_profile(credentials, strlen(credentials), 0, "dev",
	             &pr, err, sizeof(err)) == 1);
	KR_CHECK(kr_awsparse_profile(config, strlen(config), 1, "dev", &pr, err,
	             sizeof(err)) == 1);
	KR_CHECK_STR(pr.pr_akid, "AKIADEV");
	KR_CHECK_STR(pr.pr_token, "tok+/=");
	KR_CHECK_STR(pr.pr_region, "us-east-2");
	kr_awsparse_profile_free(&pr);

	KR_CHECK(kr_awsparse_profile(config, strlen(config), 1, "chain", &pr,
	             err, sizeof(err)) == 1);
	KR_CHECK_STR(pr.pr_role_arn, "arn:aws:iam::123456789012:role/x");
	KR_CHECK_STR(pr.pr_source_profile, "dev");
	KR_CHECK_STR(pr.pr_role_session_name, "sess");
	KR_CHECK_STR(pr.pr_external_id, "ext-1");
	KR_CHECK_STR(pr.pr_duration_seconds, "900");
	KR_CHECK(pr.pr_akid == NULL);
	kr_awsparse_profile_free(&pr);

	KR_CHECK(kr_awsparse_profile(config, strlen(config), 1, "proc", &pr,
	             err, sizeof(err)) == 1);
	KR_CHECK_STR(pr.pr_credential_process, "/bin/echo {\"Version\": 1}");
	kr_awsparse_profile_free(&pr);
	KR_CHECK(kr_awsparse_profile(config, strlen(config), 1, "inst", &pr,
	             err, sizeof(err)) == 1);
	KR_CHECK_STR(pr.pr_role_arn, "arn:aws:iam::1:role/y");
	KR_CHECK_STR(pr.pr_credential_source, "Ec2InstanceMetadata");
	KR_CHECK_STR(pr.pr_web_identity_token_file, "/tmp/tok");
	kr_awsparse_profile_free(&pr);

	KR_CHECK(kr_awsparse_profile(config, strlen(config), 1, "nope", &pr,
	             err, sizeof(err)) == 0);
	KR_CHECK(kr_awsparse_profile("[a]\nnovalue\n", 12, 0, "a", &pr, err,
	             sizeof(err)) == -1);
	KR_CHECK(strstr(err, "line 2") != NULL);
	KR_CHECK(kr_awsparse_profile(
	             "[a\n", 3, 0, "a", &pr, err, sizeof(err)) == -1);
	KR_CHECK(
	    kr_awsparse_profile("", 0, 0, "a", &pr, err, sizeof(err)) == 0);
	kr_awsparse_profile_free(&pr);
}

int
main(void)
{
	test_msk_vectors();
	test_sts_vectors();
	test_wi_vectors();
	test_resp_vectors();
	test_sts_xml_edge();
	test_caller_identity();
	test_encode();
	test_canonical_query();
	test_signing_key_doc();
	test_time();
	test_region_from_host();
	test_bad_inputs();
	test_creds_json();
	test_profiles();
	return KR_TEST_DONE("test_sigv4");
}
