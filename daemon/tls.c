/* SPDX-License-Identifier: MIT */
/* Certificates and keys for https:// listeners. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include "kr_alloc.h"
#include "kr_buf.h"
#include "tls.h"

static int
kr_tls_read(const char *path, char **out, char *errstr, size_t errlen)
{
	struct kr_buf buf = KR_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		snprintf(errstr, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		kr_buf_append(&buf, chunk, n);
	fclose(f);
	*out = kr_buf_detach(&buf);
	return 0;
}

/* Appends the PEM text of a BIO's contents to *out. */
static void
kr_tls_bio_str(BIO *bio, char **out)
{
	char *data;
	long n = BIO_get_mem_data(bio, &data);

	*out = kr_strndup(data, n > 0 ? (size_t)n : 0);
}

static void
kr_tls_ssl_error(
    const char *what, const char *path, char *errstr, size_t errlen)
{
	char reason[256];

	ERR_error_string_n(ERR_get_error(), reason, sizeof(reason));
	snprintf(errstr, errlen, "%s %s: %s", what, path, reason);
}

/* Opens a PKCS#12 keystore and writes its key and chain as PEM. */
static int
kr_tls_pkcs12(
    const struct kr_conf *conf, struct kr_tls *tls, char *errstr, size_t errlen)
{
	const char *path = conf->conf_tls_keystore;
	const char *pass = conf->conf_tls_keystore_password;
	STACK_OF(X509) *ca = NULL;
	EVP_PKEY *pkey = NULL;
	X509 *cert = NULL;
	PKCS12 *p12 = NULL;
	BIO *kbio = NULL, *cbio = NULL;
	FILE *f;
	int i, rc = -1;

	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(errstr, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	p12 = d2i_PKCS12_fp(f, NULL);
	fclose(f);
	if (p12 == NULL) {
		kr_tls_ssl_error(
		    "not a PKCS#12 keystore:", path, errstr, errlen);
		goto done;
	}
	if (!PKCS12_parse(p12, pass != NULL ? pass : "", &pkey, &cert, &ca)) {
		kr_tls_ssl_error("cannot open (wrong ssl.keystore.password?)",
		    path, errstr, errlen);
		goto done;
	}
	kbio = BIO_new(BIO_s_mem());
	cbio = BIO_new(BIO_s_mem());
	if (kbio == NULL || cbio == NULL || cert == NULL ||
	    !PEM_write_bio_PrivateKey(kbio, pkey, NULL, NULL, 0, NULL, NULL) ||
	    !PEM_write_bio_X509(cbio, cert)) {
		kr_tls_ssl_error("cannot use the key or certificate of", path,
		    errstr, errlen);
		goto done;
	}
	for (i = 0; ca != NULL && i < sk_X509_num(ca); i++)
		PEM_write_bio_X509(cbio, sk_X509_value(ca, i));
	kr_tls_bio_str(kbio, &tls->tls_key);
	kr_tls_bio_str(cbio, &tls->tls_cert);
	rc = 0;
done:
	BIO_free(cbio);
	BIO_free(kbio);
	EVP_PKEY_free(pkey);
	X509_free(cert);
	sk_X509_pop_free(ca, X509_free);
	PKCS12_free(p12);
	return rc;
}

int
kr_tls_load(
    const struct kr_conf *conf, struct kr_tls *tls, char *errstr, size_t errlen)
{
	memset(tls, 0, sizeof(*tls));
	if (conf->conf_tls_keystore != NULL)
		return kr_tls_pkcs12(conf, tls, errstr, errlen);
	if (kr_tls_read(conf->conf_tls_cert, &tls->tls_cert, errstr, errlen) !=
	        0 ||
	    kr_tls_read(conf->conf_tls_key, &tls->tls_key, errstr, errlen) !=
	        0) {
		kr_tls_free(tls);
		return -1;
	}
	if (conf->conf_tls_key_password != NULL)
		tls->tls_pass = kr_strdup(conf->conf_tls_key_password);
	return 0;
}

void
kr_tls_free(struct kr_tls *tls)
{
	free(tls->tls_cert);
	if (tls->tls_key != NULL)
		kr_free_secret(tls->tls_key, strlen(tls->tls_key));
	if (tls->tls_pass != NULL)
		kr_free_secret(tls->tls_pass, strlen(tls->tls_pass));
	memset(tls, 0, sizeof(*tls));
}
