/* SPDX-License-Identifier: MIT */
/* krest-iam-token: prints the MSK IAM OAUTHBEARER token krestd would use,
 * made from the same credential chain, so that users can debug IAM. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_creds.h"
#include "kr_alloc.h"
#include "kr_awsparse.h"
#include "kr_sigv4.h"

static int verbose;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: krest-iam-token [options]\n"
	    "Prints the MSK IAM (SASL/OAUTHBEARER) token krestd would use.\n"
	    "  --region R             MSK cluster region\n"
	    "  --bootstrap HOSTS      derive the region from MSK broker "
	    "names\n"
	    "  --profile P            AWS profile (awsProfileName)\n"
	    "  --role-arn ARN         assume this role (awsRoleArn)\n"
	    "  --role-session-name N  its session name (awsRoleSessionName)\n"
	    "  --external-id X        its external id (awsRoleExternalId)\n"
	    "  --sts-region R         STS region (awsStsRegion)\n"
	    "  --user-agent UA        User-Agent parameter of the token\n"
	    "  --time T               sign at T (ISO-8601 or epoch seconds)\n"
	    "  --decode               show the presigned URL (signature "
	    "elided)\n"
	    "                         and where the credentials came from\n"
	    "  --max-retries N        awsMaxRetries (default %d)\n"
	    "  --max-backoff-ms N     awsMaxBackOffTimeMs (default %d)\n"
	    "  --repeat N             sign N tokens, as krestd's refreshes "
	    "would\n"
	    "  --interval-ms M        M ms apart (default 1000)\n"
	    "  --debug-creds          log the assumed role's ARN "
	    "(awsDebugCreds)\n"
	    "  -v, --verbose          log where the credentials come from\n",
	    KR_AWS_MAX_RETRIES, KR_AWS_MAX_BACKOFF_MS);
}

static void
log_stderr(void *opaque, int level, const char *msg)
{
	(void)opaque;
	/* Errors reach the user through main(); the rest only with -v, but
	 * warnings (a failed attempt before a retry) always. */
	if ((level > KR_AWS_LOG_WARNING || level <= KR_AWS_LOG_ERR) && !verbose)
		return;
	fprintf(stderr, "krest-iam-token: %s%s\n",
	    level <= KR_AWS_LOG_ERR       ? "error: "
	    : level == KR_AWS_LOG_WARNING ? "warning: "
	                                  : "",
	    msg);
}

static int
parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static void
sleep_ms(int ms)
{
	struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000};

	while (nanosleep(&d, &d) == -1 && errno == EINTR)
		;
}

/* Prints the URL with the value of X-Amz-Signature replaced. */
static void
print_decoded(const struct kr_sigv4_result *res, const char *source,
    const char *region, int64_t lifetime_ms)
{
	const char *url = res->rs_url.data;
	const char *sig = strstr(url, "&X-Amz-Signature=");
	char date[KR_SIGV4_AMZDATE_LEN + 1];
	size_t skip;

	if (sig != NULL) {
		sig += strlen("&X-Amz-Signature=");
		skip = strcspn(sig, "&");
		printf(
		    "url: %.*s<elided>%s\n", (int)(sig - url), url, sig + skip);
	}
	printf("region: %s\n", region);
	printf("credentials: %s\n", source);
	printf("x-amz-date: %s\n", res->rs_amzdate);
	if (kr_sigv4_amzdate(lifetime_ms / 1000, date) == 0)
		printf(
		    "lifetime: %s (%lld ms)\n", date, (long long)lifetime_ms);
}

int
main(int argc, char **argv)
{
	enum {
		O_REGION = 256,
		O_BOOTSTRAP,
		O_PROFILE,
		O_ROLE,
		O_SESSION,
		O_EXTID,
		O_STS,
		O_UA,
		O_TIME,
		O_DECODE,
		O_RETRIES,
		O_BACKOFF,
		O_DEBUG_CREDS,
		O_REPEAT,
		O_INTERVAL
	};
	static const struct option longopts[] = {
	    {"region", required_argument, NULL, O_REGION},
	    {"bootstrap", required_argument, NULL, O_BOOTSTRAP},
	    {"profile", required_argument, NULL, O_PROFILE},
	    {"role-arn", required_argument, NULL, O_ROLE},
	    {"role-session-name", required_argument, NULL, O_SESSION},
	    {"external-id", required_argument, NULL, O_EXTID},
	    {"sts-region", required_argument, NULL, O_STS},
	    {"user-agent", required_argument, NULL, O_UA},
	    {"time", required_argument, NULL, O_TIME},
	    {"decode", no_argument, NULL, O_DECODE},
	    {"max-retries", required_argument, NULL, O_RETRIES},
	    {"max-backoff-ms", required_argument, NULL, O_BACKOFF},
	    {"debug-creds", no_argument, NULL, O_DEBUG_CREDS},
	    {"repeat", required_argument, NULL, O_REPEAT},
	    {"interval-ms", required_argument, NULL, O_INTERVAL},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct kr_sigv4_result res = {0};
	struct kr_aws_opts opts;
	struct kr_aws_ctx *ctx = NULL;
	char err[1024], source[512];
	int64_t sign_time = -1, lifetime_ms;
	int c, i, decode = 0, rc = 1, repeat = 1, interval_ms = 1000;
	time_t now;

	kr_aws_opts_init(&opts);
	opts.ao_log = log_stderr;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case O_REGION:
			opts.ao_region = optarg;
			break;
		case O_BOOTSTRAP:
			opts.ao_bootstrap = optarg;
			break;
		case O_PROFILE:
			opts.ao_profile = optarg;
			break;
		case O_ROLE:
			opts.ao_role_arn = optarg;
			break;
		case O_SESSION:
			opts.ao_session_name = optarg;
			break;
		case O_EXTID:
			opts.ao_external_id = optarg;
			break;
		case O_STS:
			opts.ao_sts_region = optarg;
			break;
		case O_UA:
			opts.ao_user_agent = optarg;
			break;
		case O_TIME:
			if (kr_awsparse_time(optarg, &sign_time) == -1) {
				fprintf(stderr,
				    "krest-iam-token: --time \"%s\" is not an "
				    "ISO-8601 time or epoch seconds\n",
				    optarg);
				return 2;
			}
			break;
		case O_DECODE:
			decode = 1;
			break;
		case O_RETRIES:
		case O_BACKOFF:
			if (parse_int(optarg, 0, c == O_RETRIES ? 20 : 600000,
			        c == O_RETRIES
			            ? &opts.ao_max_retries
			            : &opts.ao_max_backoff_ms) == -1) {
				fprintf(stderr,
				    "krest-iam-token: bad number \"%s\"\n",
				    optarg);
				return 2;
			}
			break;
		case O_REPEAT:
		case O_INTERVAL:
			if (parse_int(optarg, c == O_REPEAT ? 1 : 0,
			        c == O_REPEAT ? 100000 : 3600000,
			        c == O_REPEAT ? &repeat : &interval_ms) == -1) {
				fprintf(stderr,
				    "krest-iam-token: bad number \"%s\"\n",
				    optarg);
				return 2;
			}
			break;
		case O_DEBUG_CREDS:
			opts.ao_debug_creds = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if ((ctx = kr_aws_new(&opts, err, sizeof(err))) == NULL)
		goto fail;
	for (i = 0; i < repeat; i++) {
		if (i > 0)
			sleep_ms(interval_ms);
		now = time(NULL);
		kr_sigv4_result_free(&res);
		memset(&res, 0, sizeof(res));
		if (kr_aws_msk_sign(ctx, now,
		        sign_time >= 0 ? (time_t)sign_time : now, &res,
		        &lifetime_ms, source, sizeof(source), err,
		        sizeof(err)) == -1)
			goto fail;
		if (decode)
			print_decoded(
			    &res, source, kr_aws_region(ctx), lifetime_ms);
		else
			printf("%s\n", res.rs_token.data);
		if (fflush(stdout) == EOF) {
			snprintf(err, sizeof(err), "writing the token: %s",
			    strerror(errno));
			goto fail;
		}
	}
	rc = 0;
	goto done;
fail:
	fprintf(stderr, "krest-iam-token: %s\n", err);
done:
	kr_sigv4_result_free(&res);
	kr_aws_destroy(ctx);
	return rc;
}
