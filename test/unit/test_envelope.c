/* SPDX-License-Identifier: MIT */
/* Unit tests of kr_envelope: tables of bodies with their records or
 * Confluent error (spec/rest-v2.md 3.7, 3.8), the golden files in
 * test/unit/data/envelope/ and the ProduceResponse encoder.
 * KR_GOLDEN_UPDATE=1 rewrites the .golden files instead of comparing. */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "kr_envelope.h"
#include "kr_json.h"
#include "kr_test.h"

#define DATA_DIR "test/unit/data/envelope"

/* Appends n bytes for a golden file: printable ASCII as is, '\\' doubled,
 * anything else as \xNN, so that the text is byte-exact and readable. */
static void
render_bytes(struct kr_buf *out, const char *p, size_t n)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (c == '\\')
			kr_buf_puts(out, "\\\\");
		else if (c >= 0x20 && c < 0x7f)
			kr_buf_putc(out, (char)c);
		else
			kr_buf_printf(out, "\\x%02X", c);
	}
}

/* Renders the outcome of a decode: one line per record, or the HTTP
 * status and the error body Confluent would send. */
static void
render(struct kr_buf *out, int rc, const struct kr_produce *pr,
    const struct kr_err *err)
{
	const struct kr_status_info *si;
	const struct kr_record *rec;
	size_t i;

	if (rc == -1) {
		si = kr_status_info(err->err_status);
		kr_buf_printf(out, "%d ", si->si_http);
		kr_status_body(out, si->si_code, err->err_msg);
		kr_buf_putc(out, '\n');
		return;
	}
	for (i = 0; i < pr->pr_count; i++) {
		rec = &pr->pr_records[i];
		kr_buf_printf(
		    out, "partition=%" PRId32 " key=", rec->rec_partition);
		if (rec->rec_has_key)
			render_bytes(out, pr->pr_data.data + rec->rec_key_off,
			    rec->rec_key_len);
		else
			kr_buf_puts(out, "(null)");
		kr_buf_puts(out, " value=");
		if (rec->rec_has_value)
			render_bytes(out, pr->pr_data.data + rec->rec_value_off,
			    rec->rec_value_len);
		else
			kr_buf_puts(out, "(null)");
		kr_buf_putc(out, '\n');
	}
}

/* Decodes body and renders the outcome into out. */
static int
decode(const char *body, size_t len, enum kr_format fmt, int32_t part,
    struct kr_buf *out)
{
	struct kr_produce pr;
	struct kr_err err;
	int rc;

	kr_produce_init(&pr);
	rc = kr_envelope_decode(body, len, fmt, part, &pr, &err);
	kr_buf_reset(out);
	render(out, rc, &pr, &err);
	kr_produce_free(&pr);
	return rc;
}

struct env_case {
	enum kr_format fmt;
	int32_t part; /* URL partition, -1 for /topics/{t} */
	const char *in;
	const char *want; /* rendered records, or "<http> <error body>\n" */
};

#define J KR_FORMAT_JSON
#define B KR_FORMAT_BINARY

static const struct env_case cases[] = {
    /* the canonical bodies */
    {J, -1, "{\"records\":[{\"value\":{\"a\":1}}]}",
        "partition=-1 key=(null) value={\"a\":1}\n"},
    {J, -1, "{\"records\":[{\"key\":\"k\",\"value\":\"abc\"}]}",
        "partition=-1 key=\"k\" value=\"abc\"\n"},
    {J, -1, "{\"records\":[{}]}", "partition=-1 key=(null) value=(null)\n"},
    {J, -1, "{\"records\":[{\"key\":null,\"value\":null,\"partition\":null}]}",
        "partition=-1 key=(null) value=(null)\n"},
    {J, -1, "{\"records\":[{\"value\":[]},{\"value\":{}},{\"value\":\"\"}]}",
        "partition=-1 key=(null) value=[]\npartition=-1 key=(null) value={}\n"
        "partition=-1 key=(null) value=\"\"\n"},
    {J, -1, "{\"records\":[{\"value\":true},{\"value\":false},{\"value\":0}]}",
        "partition=-1 key=(null) value=true\npartition=-1 key=(null) "
        "value=false\npartition=-1 key=(null) value=0\n"},
    /* numbers kept as sent (3.8) */
    {J, -1, "{\"records\":[{\"value\":[1.50,1.0,1e3,12345678.9,0.0001,-0.0]}]}",
        "partition=-1 key=(null) "
        "value=[1.50,1.0,1e3,12345678.9,0.0001,-0.0]\n"},
    {J, -1,
        "{\"records\":[{\"key\":123456789012345678901234567890,\"value\":"
        "{\"id\":9223372036854775807,\"big\":-18446744073709551617}}]}",
        "partition=-1 key=123456789012345678901234567890 "
        "value={\"id\":9223372036854775807,\"big\":-18446744073709551617}\n"},
    /* strings: Jackson escaping, raw UTF-8 */
    {J, -1,
        "{\"records\": [{\"value\": "
        "\"a\\u2026b\\ud83d\\ude00c\\/d\\u0001\\t\"}]}",
        "partition=-1 key=(null) "
        "value=\"a\\xE2\\x80\\xA6b\\xF0\\x9F\\x98\\x80c/"
        "d\\\\u0001\\\\t\"\n"},
    {J, -1, "{\"records\":[{\"value\":{\"a\":1,\"b\":2,\"a\":3}}]}",
        "partition=-1 key=(null) value={\"a\":3,\"b\":2}\n"},
    /* schema fields are accepted and ignored */
    {J, -1,
        "{\"key_schema\":null,\"value_schema\":\"{}\",\"key_schema_id\":null,"
        "\"value_schema_id\":12,\"records\":[{\"value\":1}]}",
        "partition=-1 key=(null) value=1\n"},
    {J, -1,
        "{\"value_schema_id\":\"7\",\"key_schema\":5,\"records\":[{\"value\":1}"
        "]}",
        "partition=-1 key=(null) value=1\n"},
    /* partitions */
    {J, -1, "{\"records\":[{\"value\":1,\"partition\":0}]}",
        "partition=0 key=(null) value=1\n"},
    {J, -1, "{\"records\":[{\"value\":1,\"partition\":2147483647}]}",
        "partition=2147483647 key=(null) value=1\n"},
    {J, -1, "{\"records\":[{\"partition\":\"1\"}]}",
        "partition=1 key=(null) value=(null)\n"},
    {J, -1, "{\"records\":[{\"partition\":\" 12 \"}]}",
        "partition=12 key=(null) value=(null)\n"},
    {J, -1, "{\"records\":[{\"partition\":\"+3\"}]}",
        "partition=3 key=(null) value=(null)\n"},
    {J, -1, "{\"records\":[{\"partition\":\"\"}]}",
        "partition=-1 key=(null) value=(null)\n"},
    {J, -1, "{\"records\":[{\"partition\":\"null\"}]}",
        "partition=-1 key=(null) value=(null)\n"},
    {J, -1, "{\"records\":[{\"partition\":-0}]}",
        "partition=0 key=(null) value=(null)\n"},
    {J, -1, "{\"records\":[{\"partition\":1,\"partition\":null}]}",
        "partition=-1 key=(null) value=(null)\n"},
    {J, 3, "{\"records\":[{\"value\":1},{\"value\":2,\"partition\":0}]}",
        "partition=3 key=(null) value=1\npartition=0 key=(null) value=2\n"},
    {J, 3, "{\"records\":[{\"partition\":null}]}",
        "partition=3 key=(null) value=(null)\n"},
    /* repeated fields: the later one wins */
    {J, -1, "{\"records\":[{\"value\":1,\"value\":2}]}",
        "partition=-1 key=(null) value=2\n"},
    {J, -1, "{\"records\":[{\"value\":1}],\"records\":[{\"value\":2}]}",
        "partition=-1 key=(null) value=2\n"},
    {J, -1, "{\"records\":[{\"value\":1}],\"records\":null}",
        "422 {\"error_code\":422,\"message\":\"produceJson.arg2.records must "
        "not be empty (was [])\"}\n"},
    {J, -1, "{\"records\":null,\"records\":[{\"value\":2}]}",
        "partition=-1 key=(null) value=2\n"},
    {J, -1, " \n\t{ \"records\" : [ { \"value\" : 1 } ] } \r\n",
        "partition=-1 key=(null) value=1\n"},
    /* a UTF-8 byte order mark is skipped, as Jackson does */
    {J, -1, "\xef\xbb\xbf{\"records\":[{\"value\":1}]}",
        "partition=-1 key=(null) value=1\n"},
    {J, -1, "\xef\xbb\xbf",
        "422 {\"error_code\":422,\"message\":\"produceJson."
        "arg2 must not be null (was null)\"}\n"},
    {J, -1, "\xef\xbb\xbf\xef\xbb\xbf{}",
        "400 {\"error_code\":400,\"message\":\"Unexpected character "
        "('\xef\xbb\xbf' (code 65279 / 0xfeff)): expected a valid value "
        "(JSON String, Number, Array, Object or token 'null', 'true' or "
        "'false')\"}\n"},
    {J, -1, "{\"rec\\u006frds\":[{\"v\\u0061lue\":1}]}",
        "partition=-1 key=(null) value=1\n"},

    /* 3.7: empty body and null */
    {J, -1, "",
        "422 {\"error_code\":422,\"message\":\"produceJson.arg2 "
        "must not be null (was null)\"}\n"},
    {J, -1, " \r\n\t ",
        "422 {\"error_code\":422,\"message\":\"produceJson."
        "arg2 must not be null (was null)\"}\n"},
    {J, -1, "null",
        "422 {\"error_code\":422,\"message\":\"produceJson.arg2 "
        "must not be null (was null)\"}\n"},
    {B, -1, "",
        "422 {\"error_code\":422,\"message\":\"produceBinary.arg2 "
        "must not be null (was null)\"}\n"},
    {J, 0, "",
        "422 {\"error_code\":422,\"message\":\"produceJson.arg3 must "
        "not be null (was null)\"}\n"},
    {B, 5, "",
        "422 {\"error_code\":422,\"message\":\"produceBinary.arg3 "
        "must not be null (was null)\"}\n"},
    {J, -1, "null x",
        "400 {\"error_code\":400,\"message\":\"Unexpected "
        "character ('x' (code 120)): expected end-of-input "
        "after the root value\"}\n"},
    /* 3.7: no records */
    {J, -1, "{}",
        "422 {\"error_code\":422,\"message\":\"produceJson.arg2."
        "records must not be empty (was [])\"}\n"},
    {J, -1, "{\"records\":null}",
        "422 {\"error_code\":422,\"message\":\"produceJson.arg2.records must "
        "not be empty (was [])\"}\n"},
    {J, -1, "{\"records\":[]}",
        "422 {\"error_code\":422,\"message\":\"produceJson.arg2.records must "
        "not be empty (was [])\"}\n"},
    {B, -1, "{\"records\":[]}",
        "422 {\"error_code\":422,\"message\":\"produceBinary.arg2.records "
        "must not be empty (was [])\"}\n"},
    {J, 2, "{\"value_schema\":null}",
        "422 {\"error_code\":422,\"message\":\"produceJson.arg3.records must "
        "not be empty (was [])\"}\n"},
    /* 3.7: unknown fields */
    {J, -1, "{\"records\":[{\"value\":1,\"headers\":[]}]}",
        "422 {\"error_code\":422,\"message\":\"Unrecognized field: "
        "headers\"}\n"},
    {J, -1, "{\"records\":[{\"value\":1}],\"foo\":1}",
        "422 {\"error_code\":422,\"message\":\"Unrecognized field: foo\"}\n"},
    {J, -1, "{\"Records\":[]}",
        "422 {\"error_code\":422,\"message\":\"Unrecognized field: "
        "Records\"}\n"},
    {J, -1, "{\"records\":[{\"timestamp\":1}]}",
        "422 {\"error_code\":422,\"message\":\"Unrecognized field: "
        "timestamp\"}\n"},
    {J, -1, "{\"a\\\"b\\u2026\":1}",
        "422 {\"error_code\":422,\"message\":\"Unrecognized field: "
        "a\\\"b\xe2\x80\xa6\"}\n"},
    /* Jackson fails at the unknown field, before later syntax errors */
    {J, -1, "{\"foo\": [[[",
        "422 {\"error_code\":422,\"message\":\"Unrecognized field: foo\"}\n"},
    /* 3.7: malformed JSON */
    {J, -1, "{\"records\":[",
        "400 {\"error_code\":400,\"message\":\"Unexpected end-of-input: "
        "expected close marker for Array\"}\n"},
    {J, -1, "{\"records\":[{}",
        "400 {\"error_code\":400,\"message\":\"Unexpected end-of-input: "
        "expected close marker for Array\"}\n"},
    {J, -1, "{\"records\":[{\"value\":",
        "400 {\"error_code\":400,\"message\":\"Unexpected end-of-input: "
        "expected close marker for Object\"}\n"},
    {J, -1, "{\"records\":[{\"value\":{\"a\":1}",
        "400 {\"error_code\":400,\"message\":\"Unexpected end-of-input: "
        "expected close marker for Object\"}\n"},
    {J, -1, "{",
        "400 {\"error_code\":400,\"message\":\"Unexpected end-of-input: "
        "expected close marker for Object\"}\n"},
    {J, -1, "{\"records\":[{}],}",
        "400 {\"error_code\":400,\"message\":\"Unexpected character ('}' "
        "(code 125)): was expecting double-quote to start field name\"}\n"},
    {J, -1, "{\"records\":[{},]}",
        "400 {\"error_code\":400,\"message\":\"Unexpected character (']' "
        "(code 93)): expected a valid value (JSON String, Number, Array, "
        "Object or token 'null', 'true' or 'false')\"}\n"},
    {J, -1, "{\"records\":[{\"value\":1,}]}",
        "400 {\"error_code\":400,\"message\":\"Unexpected character ('}' "
        "(code 125)): was expecting double-quote to start field name\"}\n"},
    {J, -1, "{\"records\":[{\"value\":[1,]}]}",
        "400 {\"error_code\":400,\"message\":\"Unexpected character (']' "
        "(code 93)): expected a valid value (JSON String, Number, Array, "
        "Object or token 'null', 'true' or 'false')\"}\n"},
    {J, -1, "{\"records\" [",
        "400 {\"error_code\":400,\"message\":\"Unexpected character ('[' "
        "(code 91)): was expecting a colon to separate field name and "
        "value\"}\n"},
    {J, -1, "{\"records\":[{}] \"x\":1}",
        "400 {\"error_code\":400,\"message\":\"Unexpected character ('\\\"' "
        "(code 34)): was expecting comma to separate Object entries\"}\n"},
    {J, -1, "{\"records\":[{} {}]}",
        "400 {\"error_code\":400,\"message\":\"Unexpected character ('{' "
        "(code 123)): was expecting comma to separate Array entries\"}\n"},
    {J, -1, "{records:[]}",
        "400 {\"error_code\":400,\"message\":\"Unexpected character ('r' "
        "(code 114)): was expecting double-quote to start field name\"}\n"},
    {J, -1, "{\"records\":[{\"value\":NaN}]}",
        "400 {\"error_code\":400,\"message\":\"Unrecognized token 'NaN': was "
        "expecting (JSON String, Number, Array, Object or token 'null', "
        "'true' or 'false')\"}\n"},
    {J, -1, "{\"records\":[{\"value\":01}]}",
        "400 {\"error_code\":400,\"message\":\"Invalid numeric value: "
        "Leading zeroes not allowed\"}\n"},
    {J, -1, "{\"records\":[{\"value\":\"\\ud83d\"}]}",
        "400 {\"error_code\":400,\"message\":\"Invalid surrogate escape "
        "\\\\uD83D: high surrogate not followed by a low surrogate "
        "escape\"}\n"},
    {J, -1, "{\"records\":[{\"value\":\"\xc0\xaf\"}]}",
        "400 {\"error_code\":400,\"message\":\"Invalid UTF-8 start byte "
        "0xC0\"}\n"},
    {J, -1, "{\"records\":[{\"value\":\"a\nb\"}]}",
        "400 {\"error_code\":400,\"message\":\"Illegal unquoted character "
        "((CTRL-CHAR, code 10)): has to be escaped using backslash to be "
        "included in string value\"}\n"},
    /* trailing garbage: Jackson would ignore it; krest refuses it */
    {J, -1, "{\"records\":[{}]} x",
        "400 {\"error_code\":400,\"message\":\"Unexpected character ('x' "
        "(code 120)): expected end-of-input after the root value\"}\n"},
    {J, -1, "{\"records\":[{}]}{}",
        "400 {\"error_code\":400,\"message\":\"Unexpected character ('{' "
        "(code 123)): expected end-of-input after the root value\"}\n"},
    /* 3.7: wrong types (Jackson mapping errors) */
    {J, -1, "[]",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize "
        "value of type `JsonTopicProduceRequest` from Array value "
        "(token `JsonToken.START_ARRAY`)\"}\n"},
    {J, -1, "\"x\"",
        "400 {\"error_code\":400,\"message\":\"Cannot "
        "deserialize value of type `JsonTopicProduceRequest` "
        "from String value (token `JsonToken.VALUE_STRING`)\"}\n"},
    {J, -1, "42",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize "
        "value of type `JsonTopicProduceRequest` from Integer value "
        "(token `JsonToken.VALUE_NUMBER_INT`)\"}\n"},
    {J, 4, "[]",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize "
        "value of type `JsonPartitionProduceRequest` from Array value "
        "(token `JsonToken.START_ARRAY`)\"}\n"},
    {B, -1, "true",
        "400 {\"error_code\":400,\"message\":\"Cannot "
        "deserialize value of type `BinaryTopicProduceRequest` "
        "from Boolean value (token `JsonToken.VALUE_TRUE`)\"}\n"},
    {J, -1, "tru",
        "400 {\"error_code\":400,\"message\":\"Unrecognized "
        "token 'tru': was expecting (JSON String, Number, Array, "
        "Object or token 'null', 'true' or 'false')\"}\n"},
    {J, -1, "{\"records\":{\"value\":1}}",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize value of "
        "type `java.util.ArrayList<JsonTopicProduceRecord>` from Object value "
        "(token `JsonToken.START_OBJECT`)\"}\n"},
    {J, -1, "{\"records\":\"x\"}",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize value of "
        "type `java.util.ArrayList<JsonTopicProduceRecord>` from String value "
        "(token `JsonToken.VALUE_STRING`)\"}\n"},
    {J, -1, "{\"records\":[1]}",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize value of "
        "type `JsonTopicProduceRecord` from Integer value (token "
        "`JsonToken.VALUE_NUMBER_INT`)\"}\n"},
    {J, -1, "{\"records\":[[]]}",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize value of "
        "type `JsonTopicProduceRecord` from Array value (token "
        "`JsonToken.START_ARRAY`)\"}\n"},
    {J, -1, "{\"records\":[null]}",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize value of "
        "type `JsonTopicProduceRecord` from Null value (token "
        "`JsonToken.VALUE_NULL`)\"}\n"},
    {B, 1, "{\"records\":[\"a\"]}",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize value of "
        "type `BinaryPartitionProduceRecord` from String value (token "
        "`JsonToken.VALUE_STRING`)\"}\n"},
    {J, -1, "{\"key_schema\":{},\"records\":[{}]}",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize value of "
        "type `java.lang.String` from Object value (token "
        "`JsonToken.START_OBJECT`)\"}\n"},
    {J, -1, "{\"value_schema_id\":[1],\"records\":[{}]}",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize value of "
        "type `java.lang.Integer` from Array value (token "
        "`JsonToken.START_ARRAY`)\"}\n"},
    {J, -1, "{\"key_schema_id\":\"abc\",\"records\":[{}]}",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize value of "
        "type `java.lang.Integer` from String \\\"abc\\\": not a valid "
        "`java.lang.Integer` value\"}\n"},
    /* partition not an int, out of range, negative */
    {J, -1, "{\"records\":[{\"partition\":1.5}]}",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize value of "
        "type `java.lang.Integer` from Floating-point value (token "
        "`JsonToken.VALUE_NUMBER_FLOAT`)\"}\n"},
    {J, -1, "{\"records\":[{\"partition\":1e2}]}",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize value of "
        "type `java.lang.Integer` from Floating-point value (token "
        "`JsonToken.VALUE_NUMBER_FLOAT`)\"}\n"},
    {J, -1, "{\"records\":[{\"partition\":\"x\"}]}",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize value of "
        "type `java.lang.Integer` from String \\\"x\\\": not a valid "
        "`java.lang.Integer` value\"}\n"},
    {J, -1, "{\"records\":[{\"partition\":\"1.0\"}]}",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize value of "
        "type `java.lang.Integer` from String \\\"1.0\\\": not a valid "
        "`java.lang.Integer` value\"}\n"},
    {J, -1, "{\"records\":[{\"partition\":\"-\"}]}",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize value of "
        "type `java.lang.Integer` from String \\\"-\\\": not a valid "
        "`java.lang.Integer` value\"}\n"},
    {J, -1, "{\"records\":[{\"partition\":\"99999999999\"}]}",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize value of "
        "type `java.lang.Integer` from String \\\"99999999999\\\": Overflow: "
        "numeric value out of range of int (-2147483648 - 2147483647)\"}\n"},
    {J, -1, "{\"records\":[{\"partition\":true}]}",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize value of "
        "type `java.lang.Integer` from Boolean value (token "
        "`JsonToken.VALUE_TRUE`)\"}\n"},
    {J, -1, "{\"records\":[{\"partition\":{}}]}",
        "400 {\"error_code\":400,\"message\":\"Cannot deserialize value of "
        "type `java.lang.Integer` from Object value (token "
        "`JsonToken.START_OBJECT`)\"}\n"},
    {J, -1, "{\"records\":[{\"partition\":2147483648}]}",
        "400 {\"error_code\":400,\"message\":\"Numeric value (2147483648) out "
        "of range of int (-2147483648 - 2147483647)\"}\n"},
    {J, -1, "{\"records\":[{\"partition\":-2147483649}]}",
        "400 {\"error_code\":400,\"message\":\"Numeric value (-2147483649) "
        "out of range of int (-2147483648 - 2147483647)\"}\n"},
    {J, -1, "{\"records\":[{\"partition\":99999999999999999999999}]}",
        "400 {\"error_code\":400,\"message\":\"Numeric value "
        "(99999999999999999999999) out of range of int (-2147483648 - "
        "2147483647)\"}\n"},
    {J, -1, "{\"records\":[{\"partition\":-1}]}",
        "400 {\"error_code\":400,\"message\":\"Invalid partition: -1. A "
        "partition must be between 0 and 2147483647.\"}\n"},
    {J, 2, "{\"records\":[{\"partition\":-2147483648}]}",
        "400 {\"error_code\":400,\"message\":\"Invalid partition: "
        "-2147483648. A partition must be between 0 and 2147483647.\"}\n"},
    {B, -1, "{\"records\":[{\"partition\":\"-5\"}]}",
        "400 {\"error_code\":400,\"message\":\"Invalid partition: -5. A "
        "partition must be between 0 and 2147483647.\"}\n"},

    /* binary */
    {B, -1, "{\"records\":[{\"key\":\"a2V5\",\"value\":\"Y29uZmx1ZW50\"}]}",
        "partition=-1 key=key value=confluent\n"},
    {B, -1, "{\"records\":[{\"value\":\"\"}]}",
        "partition=-1 key=(null) "
        "value=\n"},
    {B, -1, "{\"records\":[{\"value\":\"Zg\"},{\"value\":\"Zm8=\"},{}]}",
        "partition=-1 key=(null) value=f\npartition=-1 key=(null) value=fo\n"
        "partition=-1 key=(null) value=(null)\n"},
    {B, -1, "{\"records\":[{\"value\":\"+/8A\"}]}",
        "partition=-1 key=(null) value=\\xFB\\xFF\\x00\n"},
    {B, -1, "{\"records\":[{\"value\":\"\\u005a\\u0067\"}]}",
        "partition=-1 key=(null) value=f\n"},
    {B, 7, "{\"records\":[{\"value\":null,\"key\":null}]}",
        "partition=7 key=(null) value=(null)\n"},
    {B, -1, "{\"records\":[{\"value\":123}]}",
        "400 {\"error_code\":400,\"message\":\"Bad Request: data=123 is not a "
        "base64 string.\"}\n"},
    {B, -1, "{\"records\":[{\"value\":{\"a\" : [1, true]}}]}",
        "400 {\"error_code\":400,\"message\":\"Bad Request: "
        "data={\\\"a\\\":[1,true]} is not a base64 string.\"}\n"},
    {B, -1, "{\"records\":[{\"key\":false}]}",
        "400 {\"error_code\":400,\"message\":\"Bad Request: data=false is "
        "not a base64 string.\"}\n"},
    {B, -1, "{\"records\":[{\"value\":\"!!\"}]}",
        "400 {\"error_code\":400,\"message\":\"Bad Request: data=\\\"!!\\\" "
        "is not a valid base64 string.\"}\n"},
    {B, -1, "{\"records\":[{\"value\":\"Zm9v\\n\"}]}",
        "400 {\"error_code\":400,\"message\":\"Bad Request: "
        "data=\\\"Zm9v\\\\n\\\" is not a valid base64 string.\"}\n"},
    {B, -1, "{\"records\":[{\"value\":\"Zm9-\"}]}",
        "400 {\"error_code\":400,\"message\":\"Bad Request: data=\\\"Zm9-\\\" "
        "is not a valid base64 string.\"}\n"},
    {B, -1, "{\"records\":[{\"value\":\"Zg=\"}]}",
        "400 {\"error_code\":400,\"message\":\"Bad Request: data=\\\"Zg=\\\" "
        "is not a valid base64 string.\"}\n"},
    {B, -1, "{\"records\":[{\"value\":\"\\u2026\"}]}",
        "400 {\"error_code\":400,\"message\":\"Bad Request: "
        "data=\\\"\xe2\x80\xa6\\\" is not a valid base64 string.\"}\n"},
    /* the first bad record in array order is reported... */
    {B, -1,
        "{\"records\":[{\"value\":\"Zg\"},{\"value\":1},{\"value\":\"!\"}]}",
        "400 {\"error_code\":400,\"message\":\"Bad Request: data=1 is not a "
        "base64 string.\"}\n"},
    /* ...but only after binding: binding errors come first */
    {B, -1, "{\"records\":[{\"value\":\"!!\"}],\"foo\":1}",
        "422 {\"error_code\":422,\"message\":\"Unrecognized field: foo\"}\n"},
    {B, -1, "{\"records\":[{\"value\":\"!!\"},{\"partition\":-1}]}",
        "400 {\"error_code\":400,\"message\":\"Invalid partition: -1. A "
        "partition must be between 0 and 2147483647.\"}\n"},
    {B, -1, "{\"records\":[{\"value\":\"!!\"}],\"records\":[{\"value\":\"\"}]}",
        "partition=-1 key=(null) value=\n"},
    /* a repeated key or value replaces a bad one; the key is checked
     * before the value of the same record */
    {B, -1, "{\"records\":[{\"value\":\"!!\",\"value\":\"QQ\"}]}",
        "partition=-1 key=(null) value=A\n"},
    {B, -1, "{\"records\":[{\"value\":\"!!\",\"value\":null}]}",
        "partition=-1 key=(null) value=(null)\n"},
    {B, -1, "{\"records\":[{\"value\":\"@@\",\"key\":\"!!\"}]}",
        "400 {\"error_code\":400,\"message\":\"Bad Request: data=\\\"!!\\\" "
        "is not a valid base64 string.\"}\n"},
    {B, -1, "{\"records\":[{\"key\":\"!!\",\"value\":\"@@\",\"key\":\"\"}]}",
        "400 {\"error_code\":400,\"message\":\"Bad Request: data=\\\"@@\\\" "
        "is not a valid base64 string.\"}\n"},
    /* text is accepted as binary only if it happens to be base64 */
    {B, -1, "{\"records\":[{\"value\":\"abc\"},{\"value\":\"abcde\"}]}",
        "400 {\"error_code\":400,\"message\":\"Bad Request: data=\\\"abcde\\\" "
        "is not a valid base64 string.\"}\n"},
    {J, -1, NULL, NULL},
};

static void
test_cases(void)
{
	struct kr_buf out = KR_BUF_INIT;
	const struct env_case *tc;
	int i;

	for (i = 0; cases[i].in != NULL; i++) {
		tc = &cases[i];
		decode(tc->in, strlen(tc->in), tc->fmt, tc->part, &out);
		KR_CHECKF(strcmp(out.data, tc->want) == 0,
		    "case %d %s [%s]:\n got: %s want: %s", i,
		    tc->fmt == J ? "json" : "binary", tc->in, out.data,
		    tc->want);
	}
	kr_buf_free(&out);
}

/* Reads a whole file into buf. Returns 0 or -1. */
static int
slurp(const char *path, struct kr_buf *buf)
{
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "rb");

	kr_buf_reset(buf);
	if (f == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		kr_buf_append(buf, chunk, n);
	fclose(f);
	return 0;
}

static void
spit(const char *path, const struct kr_buf *buf)
{
	FILE *f = fopen(path, "wb");

	KR_CHECKF(f != NULL, "%s", path);
	if (f == NULL)
		return;
	fwrite(buf->data, 1, buf->len, f);
	fclose(f);
}

/* Compares got with the golden file path, or rewrites it. */
static void
golden(const char *path, const struct kr_buf *got)
{
	struct kr_buf want = KR_BUF_INIT;
	const char *upd = getenv("KR_GOLDEN_UPDATE");

	if (upd != NULL && upd[0] == '1') {
		spit(path, got);
	} else {
		KR_CHECKF(slurp(path, &want) == 0, "cannot read %s", path);
		KR_CHECKF(want.len == got->len &&
		              memcmp(want.data, got->data, got->len) == 0,
		    "%s:\n got: %.*s\nwant: %.*s", path, (int)got->len,
		    got->data, (int)want.len,
		    want.data != NULL ? want.data : "");
	}
	kr_buf_free(&want);
}

/* Runs one NAME.in golden file. The name says how the body is posted:
 * "json." or "binary." first, then "pN." for /partitions/N. */
static void
golden_envelope(const char *dir, const char *name, size_t *count)
{
	struct kr_buf in = KR_BUF_INIT, out = KR_BUF_INIT;
	char path[512];
	enum kr_format fmt = KR_FORMAT_JSON;
	const char *rest = name;
	int32_t part = -1;

	if (strncmp(rest, "binary.", 7) == 0) {
		fmt = KR_FORMAT_BINARY;
		rest += 7;
	} else if (strncmp(rest, "json.", 5) == 0) {
		rest += 5;
	} else {
		return;
	}
	if (rest[0] == 'p' && rest[1] >= '0' && rest[1] <= '9')
		part = (int32_t)strtol(rest + 1, NULL, 10);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	KR_CHECKF(slurp(path, &in) == 0, "cannot read %s", path);
	decode(in.data, in.len, fmt, part, &out);
	snprintf(path, sizeof(path), "%s/%.*s.golden", dir,
	    (int)(strlen(name) - 3), name);
	golden(path, &out);
	(*count)++;
	kr_buf_free(&in);
	kr_buf_free(&out);
}

static void
test_golden_envelopes(void)
{
	const char *dir = getenv("KR_ENVELOPE_DATA");
	struct dirent *de;
	size_t n, count = 0;
	DIR *d;

	if (dir == NULL)
		dir = DATA_DIR;
	d = opendir(dir);
	KR_CHECKF(
	    d != NULL, "cannot open %s (run from the repository root)", dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n > 3 && strcmp(de->d_name + n - 3, ".in") == 0)
			golden_envelope(dir, de->d_name, &count);
	}
	closedir(d);
	KR_CHECKF(count >= 20, "only %zu golden bodies", count);
}

/* ProduceResponse bodies, byte for byte (spec 1.4, 3.5). */
static void
test_golden_responses(void)
{
	static const struct kr_offset one[] = {{0, 0, 0, NULL}};
	static const struct kr_offset mixed[] = {
	    {2, 100, 0, NULL},
	    {0, 0, 50003, "Topic foo not present in metadata after 60000 ms."},
	    {7, INT64_MAX, 0, NULL},
	    {0, 0, 50002,
	        "The message is 1978246 bytes when serialized which is larger "
	        "than 1048576, which is the value of the max.request.size "
	        "configuration."},
	    {0, 0, 40101, NULL},
	    {0, 0, 40301, "Not \"authorized\" to access topics: [t\\1]\n"},
	    {2147483647, 7528, 0, NULL},
	};
	struct kr_buf out = KR_BUF_INIT, again = KR_BUF_INIT;
	struct kr_err err;

	kr_envelope_encode_offsets(&out, one, 1);
	KR_CHECK_STR(out.data,
	    "{\"offsets\":[{\"partition\":0,\"offset\":0,\"error_code\":null,"
	    "\"error\":null}],\"key_schema_id\":null,\"value_schema_id\":"
	    "null}");
	golden(DATA_DIR "/response.one.golden", &out);
	kr_buf_reset(&out);
	kr_envelope_encode_offsets(&out, mixed, sizeof(mixed) / sizeof(*mixed));
	golden(DATA_DIR "/response.mixed.golden", &out);
	/* Valid JSON, and already compact. */
	KR_CHECK(kr_json_minify(out.data, out.len, &again, &err) == 0);
	KR_CHECK_MEM(again.data, again.len, out.data, out.len);
	kr_buf_reset(&out);
	kr_envelope_encode_offsets(&out, NULL, 0);
	KR_CHECK_STR(out.data, "{\"offsets\":[],\"key_schema_id\":null,"
	                       "\"value_schema_id\":null}");
	kr_buf_free(&out);
	kr_buf_free(&again);
}

/* 1000 records, as a multi-record client would send them. */
static void
test_many_records(void)
{
	struct kr_buf body = KR_BUF_INIT, resp = KR_BUF_INIT,
	              want = KR_BUF_INIT;
	struct kr_offset *offs = calloc(1000, sizeof(*offs));
	const struct kr_record *rec;
	struct kr_produce pr;
	struct kr_err err;
	char exp[64];
	size_t i, bad = 0;

	kr_buf_puts(&body, "{\"records\": [");
	for (i = 0; i < 1000; i++)
		kr_buf_printf(&body,
		    "%s{\"key\": \"k%zu\", \"value\": {\"ind\": %zu, "
		    "\"t\": \"x\\u2026\"}%s}",
		    i > 0 ? ", " : "", i, i,
		    i % 3 == 0 ? ", \"partition\": 2" : "");
	kr_buf_puts(&body, "]}");
	kr_produce_init(&pr);
	KR_CHECK(kr_envelope_decode(
	             body.data, body.len, KR_FORMAT_JSON, 1, &pr, &err) == 0);
	KR_CHECK(pr.pr_count == 1000);
	for (i = 0; i < pr.pr_count; i++) {
		rec = &pr.pr_records[i];
		snprintf(exp, sizeof(exp),
		    "{\"ind\":%zu,\"t\":\"x\xe2\x80\xa6\"}", i);
		if (rec->rec_partition != (i % 3 == 0 ? 2 : 1) ||
		    !rec->rec_has_key || !rec->rec_has_value ||
		    rec->rec_value_len != strlen(exp) ||
		    memcmp(pr.pr_data.data + rec->rec_value_off, exp,
		        strlen(exp)) != 0)
			bad++;
		offs[i].off_partition = rec->rec_partition;
		offs[i].off_offset = (int64_t)i;
		kr_buf_printf(&want,
		    "%s{\"partition\":%d,\"offset\":%zu,\"error_code\":null,"
		    "\"error\":null}",
		    i > 0 ? "," : "", rec->rec_partition, i);
	}
	KR_CHECKF(bad == 0, "%zu records decoded wrong", bad);
	/* The same kr_produce is reused for the next request. */
	KR_CHECK(kr_envelope_decode("{\"records\":[{}]}", 16, KR_FORMAT_JSON,
	             -1, &pr, &err) == 0);
	KR_CHECK(pr.pr_count == 1 && pr.pr_data.len == 0);
	kr_produce_free(&pr);
	kr_envelope_encode_offsets(&resp, offs, 1000);
	KR_CHECK(strncmp(resp.data, "{\"offsets\":[", 12) == 0);
	KR_CHECK(resp.len == 12 + want.len + 46);
	KR_CHECK(memcmp(resp.data + 12, want.data, want.len) == 0);
	free(offs);
	kr_buf_free(&body);
	kr_buf_free(&resp);
	kr_buf_free(&want);
}

/* Messages quoting client data are clipped on a character boundary, so
 * the error body stays valid UTF-8 and valid JSON. */
static void
test_long_messages(void)
{
	struct kr_buf body = KR_BUF_INIT, out = KR_BUF_INIT;
	struct kr_produce pr;
	struct kr_err err;
	size_t i;

	kr_buf_puts(&body, "{\"records\":[{\"value\":\"");
	for (i = 0; i < 2000; i++)
		kr_buf_puts(&body, "\\u2026");
	kr_buf_puts(&body, "\"}]}");
	kr_produce_init(&pr);
	KR_CHECK(kr_envelope_decode(body.data, body.len, KR_FORMAT_BINARY, -1,
	             &pr, &err) == -1);
	KR_CHECK(err.err_status == KR_E_BAD_REQUEST);
	KR_CHECK(
	    strncmp(err.err_msg, "Bad Request: data=\"\xe2\x80\xa6", 21) == 0);
	kr_status_body(&out, 400, err.err_msg);
	KR_CHECK(kr_json_minify(out.data, out.len, &body, &err) == 0);
	kr_buf_reset(&body);
	kr_buf_puts(&body, "{\"");
	for (i = 0; i < 1000; i++)
		kr_buf_puts(&body, "\xc3\xa9");
	kr_buf_puts(&body, "\":1}");
	KR_CHECK(kr_envelope_decode(
	             body.data, body.len, KR_FORMAT_JSON, -1, &pr, &err) == -1);
	KR_CHECK(err.err_status == KR_E_UNPROCESSABLE);
	kr_buf_reset(&out);
	kr_status_body(&out, 422, err.err_msg);
	KR_CHECK(kr_json_minify(out.data, out.len, &body, &err) == 0);
	kr_produce_free(&pr);
	kr_buf_free(&body);
	kr_buf_free(&out);
}

/* The depth limit counts the envelope's own levels, as Jackson does. */
static void
test_depth(void)
{
	struct kr_buf body = KR_BUF_INIT, out = KR_BUF_INIT;
	size_t i, depth;
	int rc;

	for (depth = 997; depth <= 998; depth++) {
		kr_buf_reset(&body);
		kr_buf_puts(&body, "{\"records\":[{\"value\":");
		for (i = 0; i < depth; i++)
			kr_buf_putc(&body, '[');
		for (i = 0; i < depth; i++)
			kr_buf_putc(&body, ']');
		kr_buf_puts(&body, "}]}");
		rc = decode(body.data, body.len, KR_FORMAT_JSON, -1, &out);
		if (depth == 997) {
			KR_CHECK(rc == 0);
		} else {
			KR_CHECK(rc == -1);
			KR_CHECK_STR(out.data,
			    "400 {\"error_code\":400,\"message\":\"Document "
			    "nesting depth (1001) exceeds the maximum allowed "
			    "(1000, from "
			    "`StreamReadConstraints.getMaxNestingDepth()`)\"}"
			    "\n");
		}
	}
	kr_buf_free(&body);
	kr_buf_free(&out);
}

int
main(void)
{
	test_cases();
	test_golden_envelopes();
	test_golden_responses();
	test_many_records();
	test_long_messages();
	test_depth();
	return KR_TEST_DONE("test_envelope");
}
