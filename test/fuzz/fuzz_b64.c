/* SPDX-License-Identifier: MIT */
/* libFuzzer harness of base64. Invariants: what decodes re-encodes to the
 * same text (canonical, padding added when it was omitted); a refused
 * input leaves the buffer as it was; encode/decode round-trips any bytes;
 * base64url never holds '+', '/' or '='. */
#include <string.h>

#include "fuzz.h"
#include "kr_b64.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kr_buf dec = KR_BUF_INIT, enc = KR_BUF_INIT, url = KR_BUF_INIT;
	size_t padded;

	kr_buf_puts(&dec, "x");
	if (kr_b64_decode((const char *)data, size, &dec) == 0) {
		kr_b64_encode(dec.data + 1, dec.len - 1, &enc);
		padded = (size + 3) / 4 * 4;
		FUZZ_ASSERT(enc.len == padded);
		FUZZ_ASSERT(memcmp(enc.data, data, size) == 0);
	} else {
		FUZZ_ASSERT(dec.len == 1 && dec.data[0] == 'x');
	}
	kr_buf_reset(&enc);
	kr_buf_reset(&dec);
	kr_b64_encode(data, size, &enc);
	FUZZ_ASSERT(kr_b64_decode(enc.data, enc.len, &dec) == 0);
	FUZZ_ASSERT(dec.len == size &&
	            (size == 0 || memcmp(dec.data, data, size) == 0));
	kr_b64url_encode(data, size, &url);
	FUZZ_ASSERT(url.len == 0 || strpbrk(url.data, "+/=") == NULL);
	kr_buf_free(&dec);
	kr_buf_free(&enc);
	kr_buf_free(&url);
	return 0;
}
