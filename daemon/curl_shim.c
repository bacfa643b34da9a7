/* SPDX-License-Identifier: MIT */
/* libcurl through dlopen(). */
#include <dlfcn.h>
#include <stdio.h>

#include "curl_shim.h"

struct kr_curl kr_curl;

static void *kr_curl_handle;

/* Looks up one symbol into *slot; returns 0 or -1. */
static int
kr_curl_sym(const char *name, void *slot, char *errstr, size_t errlen)
{
	void *p = dlsym(kr_curl_handle, name);

	if (p == NULL) {
		snprintf(errstr, errlen, "libcurl: no %s", name);
		return -1;
	}
	/* POSIX guarantees function pointers round-trip through void *. */
	*(void **)slot = p;
	return 0;
}

int
kr_curl_load(char *errstr, size_t errlen)
{
	if (kr_curl_handle != NULL)
		return 0;
	kr_curl_handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (kr_curl_handle == NULL) {
		snprintf(errstr, errlen,
		    "MSK IAM needs libcurl (Debian package libcurl4): %s",
		    dlerror());
		return -1;
	}
	if (kr_curl_sym("curl_global_init", &kr_curl.global_init, errstr,
	        errlen) != 0 ||
	    kr_curl_sym("curl_easy_init", &kr_curl.easy_init, errstr, errlen) !=
	        0 ||
	    kr_curl_sym("curl_easy_setopt", &kr_curl.easy_setopt, errstr,
	        errlen) != 0 ||
	    kr_curl_sym("curl_easy_perform", &kr_curl.easy_perform, errstr,
	        errlen) != 0 ||
	    kr_curl_sym("curl_easy_getinfo", &kr_curl.easy_getinfo, errstr,
	        errlen) != 0 ||
	    kr_curl_sym("curl_easy_cleanup", &kr_curl.easy_cleanup, errstr,
	        errlen) != 0 ||
	    kr_curl_sym("curl_easy_strerror", &kr_curl.easy_strerror, errstr,
	        errlen) != 0 ||
	    kr_curl_sym("curl_slist_append", &kr_curl.slist_append, errstr,
	        errlen) != 0 ||
	    kr_curl_sym("curl_slist_free_all", &kr_curl.slist_free_all, errstr,
	        errlen) != 0) {
		dlclose(kr_curl_handle);
		kr_curl_handle = NULL;
		return -1;
	}
	kr_curl.global_init(CURL_GLOBAL_DEFAULT);
	return 0;
}
