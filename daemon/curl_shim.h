/* SPDX-License-Identifier: MIT */
/* libcurl, loaded with dlopen() the first time the AWS credential chain
 * needs it: krestd without MSK IAM never maps libcurl and the ~20
 * libraries it pulls in (about 1.4 MB of resident memory). */
#ifndef KR_CURL_SHIM_H
#define KR_CURL_SHIM_H

#include <stddef.h>

#include <curl/curl.h>

struct kr_curl {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*easy_perform)(CURL *curl);
	CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *curl);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};

/* libcurl's functions, valid after kr_curl_load() returned 0. */
extern struct kr_curl kr_curl;

/* Loads libcurl and runs curl_global_init() once. Returns 0, or -1 with
 * errstr set. Main thread, before other threads use libcurl. */
int kr_curl_load(char *errstr, size_t errlen);

#endif
