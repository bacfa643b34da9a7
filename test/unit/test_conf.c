/* SPDX-License-Identifier: MIT */
/* Unit tests of kr_conf: Java .properties syntax, listeners, routing,
 * Java -> librdkafka translation, JAAS, MSK IAM, diagnostics, secrets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_conf.h"
#include "kr_test.h"

#define BS "bootstrap.servers=localhost:9092\n"

/* One parse case. Expectation lists are '\n'-separated:
 * - diags: "LINE:e:substring" or "LINE:w:substring", one per diagnostic,
 *   in order; NULL skips the check, "" means none at all.
 * - producer/admin/consumer: "key=value" must be present with that value,
 *   "!key" must be absent. */
struct conf_case {
	const char *name;
	const char *in;
	int rc;
	const char *diags;
	const char *producer;
	const char *admin;
	const char *consumer;
};

static const char *
kv_get(const struct kr_kv *v, size_t n, const char *key, size_t klen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(v[i].kv_key) == klen &&
		    strncmp(v[i].kv_key, key, klen) == 0)
			return v[i].kv_value;
	return NULL;
}

static void
check_kvs(const char *name, const char *what, const struct kr_kv *v, size_t n,
    const char *want)
{
	const char *s = want, *e, *eq, *got;
	size_t len;

	if (want == NULL)
		return;
	while (*s != '\0') {
		e = strchr(s, '\n');
		len = e != NULL ? (size_t)(e - s) : strlen(s);
		if (s[0] == '!') {
			got = kv_get(v, n, s + 1, len - 1);
			KR_CHECKF(got == NULL,
			    "%s: %s: %.*s must be absent (=%s)", name, what,
			    (int)len - 1, s + 1, got);
		} else {
			eq = memchr(s, '=', len);
			if (eq == NULL)
				eq = s + len;
			got = kv_get(v, n, s, (size_t)(eq - s));
			KR_CHECKF(
			    got != NULL &&
			        strlen(got) == len - (size_t)(eq - s) - 1 &&
			        strncmp(got, eq + 1, strlen(got)) == 0,
			    "%s: %s: want %.*s got %s", name, what, (int)len, s,
			    got != NULL ? got : "(absent)");
		}
		s += len;
		if (*s == '\n')
			s++;
	}
}

static void
dump_diags(const struct kr_diags *d)
{
	struct kr_buf b = KR_BUF_INIT;
	size_t i;

	for (i = 0; i < d->d_count; i++) {
		kr_buf_reset(&b);
		kr_diag_format(&d->d_list[i], &b);
		fprintf(stderr, "    %s\n", b.data);
	}
	kr_buf_free(&b);
}

static void
check_diags(const char *name, const struct kr_diags *d, const char *want)
{
	const char *s = want, *e, *c1, *c2;
	size_t i = 0, len;
	int line, ok, nwant = 0;

	if (want == NULL)
		return;
	while (*s != '\0') {
		e = strchr(s, '\n');
		len = e != NULL ? (size_t)(e - s) : strlen(s);
		nwant++;
		c1 = memchr(s, ':', len);
		c2 = c1 != NULL
		         ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - s))
		         : NULL;
		ok = 0;
		if (c2 != NULL && i < d->d_count) {
			const struct kr_diag *dg = &d->d_list[i];
			char sub[512];
			size_t sl = len - (size_t)(c2 + 1 - s);

			line = atoi(s);
			snprintf(sub, sizeof(sub), "%.*s", (int)sl, c2 + 1);
			ok = dg->dg_line == line &&
			     dg->dg_error == (c1[1] == 'e') &&
			     strstr(dg->dg_msg, sub) != NULL;
		}
		KR_CHECKF(
		    ok, "%s: diagnostic %zu: want %.*s", name, i, (int)len, s);
		i++;
		s += len;
		if (*s == '\n')
			s++;
	}
	KR_CHECKF(d->d_count == (size_t)nwant, "%s: %zu diagnostics, want %d",
	    name, d->d_count, nwant);
	if (d->d_count != (size_t)nwant)
		dump_diags(d);
}

static const struct conf_case cases[] = {
    /* ---- Java .properties syntax ---- */
    {"separators",
        BS "producer.linger.ms=1\n"
           "producer.batch.size:2\n"
           "producer.retries 3\n"
           "producer.request.timeout.ms = 4\n"
           "producer.compression.type   :   gzip\n"
           "producer.client.id\t\tkid\n",
        0, "",
        "linger.ms=1\nbatch.size=2\nretries=3\nrequest.timeout.ms=4\n"
        "compression.type=gzip\nclient.id=kid",
        NULL, NULL},
    {"comments and blanks",
        "# comment\n! bang comment\n\n   \n  # indented\n" BS
        "#producer.acks=0\n",
        0, "", "acks=all", NULL, NULL},
    {"comment line does not continue", "# comment \\\n" BS, 0, "", NULL, NULL,
        NULL},
    {"continuation",
        "bootstrap.servers=host1:9092,\\\n"
        "                  host2:9092\n"
        "producer.client.id=a\\\n   b\\\n\tc\n",
        0, "", "client.id=abc", NULL, NULL},
    {"even backslashes do not continue", BS "producer.client.id=a\\\\\n", 0, "",
        "client.id=a\\", NULL, NULL},
    {"continued line starting with #", BS "producer.client.id=a\\\n#b\n", 0, "",
        "client.id=a#b", NULL, NULL},
    {"escapes", BS "producer.client.id=t\\tr\\rf\\f\\\\e\\=c\\:x\\y\\\"\n", 0,
        "", "client.id=t\tr\rf\f\\e=c:xy\"", NULL, NULL},
    {"escaped separator in key", BS "producer.a\\:b\\ c\\#=v\n", 0, "",
        "a:b c#=v", NULL, NULL},
    {"unicode escapes",
        BS "producer.client.id=\\u0041\\u00e9\\u20AC\\uD83D\\uDE00\n", 0, "",
        "client.id=A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", NULL, NULL},
    {"bad unicode escapes",
        BS "producer.x1=\\u00G1\n"
           "producer.a=\\uD83D\n"
           "producer.b=\\u0000\n"
           "producer.c=\\u12\n",
        -1,
        "2:e:malformed \\uxxxx\n3:e:unpaired UTF-16 surrogate\n"
        "4:e:NUL\n5:e:malformed",
        "!x1\n!a\n!b\n!c", NULL, NULL},
    {"trailing whitespace trimmed, escaped kept",
        BS "producer.client.id=abc   \t\nproducer.a=x\\ \n", 0, "",
        "client.id=abc\na=x ", NULL, NULL},
    {"empty value", BS "producer.client.id=\n", 0, "", "client.id=", NULL,
        NULL},
    {"key without value", BS "producer.client.id\n", 0, "", "client.id=", NULL,
        NULL},
    {"empty key", BS "=value\n", 0, "2:w:empty key", NULL, NULL, NULL},
    /* fuzz find: an empty key with a bad value escape */
    {"empty key, bad value", BS "=\\uDE00\n", -1,
        "2:e:: value: unpaired UTF-16 surrogate", NULL, NULL, NULL},
    {"empty quoted JAAS value",
        BS "client.security.protocol=SASL_SSL\nclient.sasl.mechanism=PLAIN\n"
           "client.sasl.jaas.config=org.apache.kafka.common.security.plain."
           "PlainLoginModule required username=\"\" password=\"\";\n",
        0, "", "sasl.username=\nsasl.password=", NULL, NULL},
    {"duplicate later wins", BS "producer.linger.ms=5\nproducer.linger.ms=9\n",
        0,
        "3:w:producer.linger.ms is set again (first set on line 2); the "
        "value of line 3 wins",
        "linger.ms=9", NULL, NULL},
    {"trailing backslash at EOF", BS "producer.client.id=x\\", 0, "",
        "client.id=x", NULL, NULL},
    {"lone CR line ends", "bootstrap.servers=h:1\rproducer.linger.ms=3\r", 0,
        "", "linger.ms=3", NULL, NULL},
    {"NUL byte", BS "producer.x1=a\0b\nproducer.linger.ms=2\n", -1,
        "2:e:NUL byte", "!x1\nlinger.ms=2", NULL, NULL},

    /* ---- listeners ---- */
    {"listener forms",
        BS "listeners=http://0.0.0.0:8082, https://127.0.0.1:8443,"
           "host.example:80,http://:8083,[::]:8084,http://[::1]:8085/,\n"
           "ssl.certificate.location=/c.pem\nssl.key.location=/k.pem\n",
        0, "", NULL, NULL, NULL},
    {"https listener needs a certificate",
        BS "listeners=https://127.0.0.1:8443\n", -1,
        "2:e:an https:// listener needs", NULL, NULL, NULL},
    {"https listener with a JKS keystore",
        BS "listeners=https://127.0.0.1:8443\n"
           "ssl.keystore.location=/etc/ks.jks\n",
        -1, "3:e:keytool -importkeystore", NULL, NULL, NULL},
    {"listener bad port", BS "listeners=http://0.0.0.0:99999\n", -1,
        "2:e:port in 1..65535", NULL, NULL, NULL},
    {"listener no port", BS "listeners=http://0.0.0.0\n", -1,
        "2:e:is not scheme://host:port", NULL, NULL, NULL},
    {"listener bad scheme", BS "listeners=INTERNAL://0.0.0.0:8082\n", -1,
        "2:e:the scheme must be http or https", NULL, NULL, NULL},
    {"listener bare ipv6", BS "listeners=http://:::8082\n", -1,
        "2:e:is not scheme://host:port", NULL, NULL, NULL},
    {"port used when listeners empty", BS "listeners=\nport=9000\n", 0, "",
        NULL, NULL, NULL},
    {"port ignored when listeners set",
        BS "listeners=http://0.0.0.0:8082\nport=9000\n", 0,
        "3:w:port is ignored", NULL, NULL, NULL},
    {"bad port", BS "port=http\n", -1, "2:e:port: \"http\" is not a number",
        NULL, NULL, NULL},

    /* ---- bootstrap.servers ---- */
    {"stock bootstrap", "bootstrap.servers=PLAINTEXT://localhost:9092\n", 0, "",
        NULL, NULL, NULL},
    {"bootstrap missing", "listeners=http://0.0.0.0:8082\n", -1,
        "1:e:bootstrap.servers is required", NULL, NULL, NULL},
    {"bootstrap blank", "bootstrap.servers=\nport=8082\n", -1,
        "1:e:bootstrap.servers is required", NULL, NULL, NULL},
    {"bootstrap empty file", "", -1, "1:e:bootstrap.servers is required", NULL,
        NULL, NULL},
    {"bootstrap bad entry", "bootstrap.servers=localhost\n", -1,
        "1:e:\"localhost\" is not host:port", NULL, NULL, NULL},
    {"bootstrap embedded mixed", "bootstrap.servers=embedded,h:1\n", -1,
        "1:e:cannot be mixed", NULL, NULL, NULL},

    /* ---- unprefixed and proxy-owned keys ---- */
    {"unprefixed kafka keys",
        BS "acks=all\nmax.request.size=2000000\nsecurity.protocol=SSL\n"
           "auto.offset.reset=earliest\n",
        0,
        "2:w:acks is a Kafka client setting and is ignored at the top level; "
        "write it as producer.acks\n"
        "3:w:write it as producer.max.request.size\n"
        "4:w:write it as client.security.protocol\n"
        "5:w:write it as consumer.auto.offset.reset",
        "acks=all\n!message.max.bytes\n!security.protocol",
        "!security.protocol", "!auto.offset.reset"},
    {"client.id at top level", BS "client.id=x\n", 0,
        "2:w:write it as client.client.id", "client.id=krest\n!id", "!id",
        "!id"},
    {"unknown key", BS "frobnicate=1\n", 0, "2:w:unknown key frobnicate", NULL,
        NULL, NULL},
    {"proxy-owned keys never reach librdkafka",
        BS "consumer.request.timeout.ms=1000\n"
           "consumer.instance.timeout.ms=300000\nconsumer.threads=50\n"
           "consumer.iterator.backoff.ms=50\nconsumer.iterator.timeout.ms=1\n"
           "consumer.request.max.bytes=67108864\nclient.timeout.ms=500\n"
           "client.init.timeout.ms=60000\nproducer.threads=5\n"
           "zookeeper.connect=localhost:2181\nid=kafka-rest-test-server\n"
           "host.name=ec2.example\nadvertised.listeners=http://x:8082\n"
           "debug=false\nfetch.min.bytes=-1\nthread.pool.max=200\n"
           "simpleconsumer.pool.size.max=25\nschema.registry.url=\n",
        0, "", "!timeout.ms\n!init.timeout.ms\n!threads",
        "!timeout.ms\n!init.timeout.ms",
        "!request.timeout.ms\n!instance.timeout.ms\n!threads\n"
        "!iterator.backoff.ms\n!request.max.bytes"},
    {"unsupported confluent features",
        BS "schema.registry.url=http://localhost:8081\n"
           "compression.enable=true\n"
           "api.endpoints.blocklist=api.v2.consumers.*\n"
           "rate.limit.enable=true\n"
           "access.control.allow.origin=*\n"
           "response.http.headers.config=add X-Frame-Options: DENY\n"
           "ssl.keystore.location=/etc/ks.p12\n"
           "debug=true\n"
           "rate.limit.enable=false\n",
        0,
        "2:w:schema.registry.url is not supported\n"
        "3:w:compression.enable is not supported\n"
        "4:w:api.endpoints.blocklist is not supported\n"
        "7:w:response.http.headers.config is not supported\n"
        "9:w:debug is not supported\n"
        "10:w:rate.limit.enable is set again",
        "!ssl.keystore.location", NULL, NULL},
    /* spec 5.1: every server key written with Confluent's default */
    {"5.1 keys at Confluent defaults",
        "listeners=\nport=8082\nadvertised.listeners=\nhost.name=\nid=\n"
        "bootstrap.servers=PLAINTEXT://localhost:9092\n"
        "schema.registry.url=http://localhost:8081\n"
        "api.v2.enable=true\napi.v3.enable=true\n"
        "api.endpoints.allowlist=\napi.endpoints.blocklist=\n"
        "access.control.allow.origin=\naccess.control.allow.methods=\n"
        "access.control.allow.headers=\naccess.control.expose.headers=\n"
        "access.control.skip.options=true\nreject.options.request=false\n"
        "response.http.headers.config=\ncompression.enable=true\n"
        "idle.timeout.ms=30000\nthread.pool.min=8\nthread.pool.max=200\n"
        "request.queue.capacity=2147483647\nmax.request.header.size=8192\n"
        "max.response.header.size=8192\nhttp2.enabled=true\n"
        "shutdown.graceful.ms=5000\nssl.client.authentication=NONE\n"
        "ssl.protocol=TLS\nauthentication.method=NONE\n"
        "authentication.realm=\nauthentication.roles=*\ndebug=false\n"
        "rate.limit.enable=false\ndos.filter.enabled=false\n"
        "consumer.threads=50\nconsumer.request.timeout.ms=1000\n"
        "consumer.request.max.bytes=67108864\n"
        "consumer.instance.timeout.ms=300000\n"
        "consumer.iterator.backoff.ms=50\nconsumer.iterator.timeout.ms=1\n"
        "fetch.min.bytes=-1\nproducer.threads=5\nclient.timeout.ms=500\n"
        "client.init.timeout.ms=60000\n"
        "null.request.body.always.publishes.empty.record=false\n"
        "simpleconsumer.pool.size.max=25\n"
        "simpleconsumer.pool.timeout.ms=1000\n"
        "kafka.rest.resource.extension.class=\n",
        0,
        "7:w:schema.registry.url is not supported\n"
        "19:w:compression.enable is not supported\n"
        "29:w:ssl.protocol is not supported",
        "!threads\n!timeout.ms", "!timeout.ms", "!threads\n!min.bytes"},
    {"5.1 keys that change behaviour",
        BS "api.v2.enable=false\nkafka.rest.resource.extension.class=a.B\n"
           "listener.protocol.map=INTERNAL:http\nshutdown.graceful.ms=-1\n"
           "confluent.license=xyz\n",
        -1,
        "2:w:api.v2.enable is not supported\n"
        "3:w:kafka.rest.resource.extension.class is not supported\n"
        "4:w:listener.protocol.map is not supported\n"
        "5:e:shutdown.graceful.ms: \"-1\" is too small\n"
        "6:w:confluent.license is not supported",
        NULL, NULL, NULL},
    {"authentication method",
        BS "authentication.method=BASIC\nauthentication.realm=KafkaRest\n", -1,
        "2:e:authentication.method=BASIC needs authentication.password.file",
        NULL, NULL, NULL},
    {"authentication basic",
        BS "authentication.method=BASIC\nauthentication.realm=KafkaRest\n"
           "authentication.password.file=/etc/krest/passwd\n",
        0, "", NULL, NULL, NULL},
    {"authentication none", BS "authentication.method=NONE\n", 0, "", NULL,
        NULL, NULL},

    /* ---- routing and precedence ---- */
    {"client < producer",
        BS "client.linger.ms=10\nproducer.linger.ms=20\nadmin.linger.ms=30\n"
           "client.retries=7\nconsumer.retries=8\n",
        0, "", "linger.ms=20\nretries=7", "linger.ms=30\nretries=7",
        "linger.ms=10\nretries=8"},
    {"producer before client in the file still wins",
        BS "producer.linger.ms=20\nclient.linger.ms=10\n", 0, "",
        "linger.ms=20", "linger.ms=10", "linger.ms=10"},
    {"krest producer defaults, user overrides",
        BS "producer.client.id=mine\nproducer.linger.ms=0\n", 0, "",
        "partitioner=murmur2_random\nenable.idempotence=true\nacks=all\n"
        "linger.ms=0\nmessage.timeout.ms=23000\n"
        "topic.metadata.propagation.max.ms=1000\nclient.id=mine\n"
        "reconnect.backoff.max.ms=1000",
        "!partitioner\n!acks", "!partitioner"},
    {"defaults follow krest keys",
        BS "produce.timeout.ms=10000\nproduce.unknown.topic.ms=500\n", 0, "",
        "message.timeout.ms=8000\ntopic.metadata.propagation.max.ms=0", NULL,
        NULL},
    {"records outlive the unknown-topic wait", BS "produce.timeout.ms=4000\n",
        0, "",
        "message.timeout.ms=3000\ntopic.metadata.propagation.max.ms=1000", NULL,
        NULL},
    {"idempotence off allowed", BS "producer.enable.idempotence=false\n", 0, "",
        "enable.idempotence=false", NULL, NULL},
    {"acks=1 turns idempotence off", BS "producer.acks=1\n", 0,
        "2:w:incompatible with idempotence", "acks=1\nenable.idempotence=false",
        NULL, NULL},
    {"acks=1 with explicit idempotence",
        BS "producer.acks=1\nproducer.enable.idempotence=true\n", -1,
        "3:e:enable.idempotence=true needs acks=all", NULL, NULL, NULL},
    {"max in flight above 5",
        BS "producer.max.in.flight.requests.per.connection=10\n", 0,
        "2:w:max.in.flight.requests.per.connection above 5",
        "enable.idempotence=false", NULL, NULL},
    {"delivery timeout beyond produce timeout",
        BS "producer.delivery.timeout.ms=120000\n", 0,
        "2:w:answered with a timeout before their delivery report",
        "message.timeout.ms=120000", NULL, NULL},

    /* ---- Java -> librdkafka, table 5.4 ---- */
    {"translation rows",
        BS "client.security.protocol=SSL\n"
           "producer.acks=all\n"
           "producer.linger.ms=5\n"
           "producer.batch.size=16384\n"
           "producer.compression.type=lz4\n"
           "producer.retries=2147483647\n"
           "producer.delivery.timeout.ms=20000\n"
           "producer.request.timeout.ms=30000\n"
           "producer.max.request.size=1048576\n"
           "producer.enable.idempotence=true\n"
           "producer.max.in.flight.requests.per.connection=5\n"
           "producer.client.id=rest\n"
           "producer.buffer.memory=33554432\n"
           "client.ssl.endpoint.identification.algorithm=\n"
           "client.ssl.truststore.location=/etc/ssl/ca.pem\n"
           "client.ssl.keystore.location=/etc/ssl/client.p12\n"
           "client.ssl.keystore.password=kspw\n"
           "client.ssl.key.password=keypw\n"
           "client.send.buffer.bytes=-1\n"
           "client.receive.buffer.bytes=65536\n"
           "consumer.fetch.max.wait.ms=100\n"
           "consumer.partition.assignment.strategy="
           "org.apache.kafka.clients.consumer.CooperativeStickyAssignor\n"
           "consumer.auto.offset.reset=earliest\n"
           "producer.queue.buffering.max.messages=500\n",
        0, "",
        "security.protocol=SSL\nacks=all\nlinger.ms=5\nbatch.size=16384\n"
        "compression.type=lz4\nretries=2147483647\nmessage.timeout.ms=20000\n"
        "!delivery.timeout.ms\nrequest.timeout.ms=30000\n"
        "message.max.bytes=1048576\n!max.request.size\n"
        "enable.idempotence=true\nmax.in.flight.requests.per.connection=5\n"
        "client.id=rest\nqueue.buffering.max.kbytes=32768\n!buffer.memory\n"
        "ssl.endpoint.identification.algorithm=none\n"
        "ssl.ca.location=/etc/ssl/ca.pem\n!ssl.truststore.location\n"
        "ssl.keystore.location=/etc/ssl/client.p12\n"
        "ssl.keystore.password=kspw\nssl.key.password=keypw\n"
        "socket.send.buffer.bytes=0\nsocket.receive.buffer.bytes=65536\n"
        "queue.buffering.max.messages=500",
        "security.protocol=SSL\nssl.ca.location=/etc/ssl/ca.pem\n!acks",
        "fetch.wait.max.ms=100\npartition.assignment.strategy="
        "cooperative-sticky\nauto.offset.reset=earliest"},
    {"buffer.memory rounds up", BS "producer.buffer.memory=1025\n", 0, "",
        "queue.buffering.max.kbytes=2", NULL, NULL},
    {"buffer.memory bad", BS "producer.buffer.memory=lots\n", -1,
        "2:e:producer.buffer.memory: \"lots\" is not a number", NULL, NULL,
        NULL},
    {"endpoint identification https",
        BS "client.ssl.endpoint.identification.algorithm=HTTPS\n", 0, "",
        "ssl.endpoint.identification.algorithm=https", NULL, NULL},
    {"harmless java keys warn",
        BS "producer.key.serializer=org.apache.kafka.common.serialization."
           "ByteArraySerializer\n"
           "producer.value.serializer=x.Y\n"
           "producer.interceptor.classes=io.confluent.monitoring.clients."
           "interceptor.MonitoringProducerInterceptor\n"
           "client.metric.reporters=x.Y\n"
           "producer.max.block.ms=60000\n"
           "client.sasl.login.class=x.Y\n"
           "producer.foo.class=x.Y\n"
           "consumer.key.deserializer=x.Y\n",
        0,
        "2:w:producer.key.serializer is ignored\n"
        "3:w:producer.value.serializer is ignored\n"
        "4:w:producer.interceptor.classes is ignored\n"
        "5:w:client.metric.reporters is ignored\n"
        "6:w:producer.max.block.ms is ignored: librdkafka never blocks\n"
        "7:w:client.sasl.login.class is ignored\n"
        "8:w:producer.foo.class is ignored\n"
        "9:w:consumer.key.deserializer is ignored",
        "!key.serializer\n!value.serializer\n!interceptor.classes\n"
        "!metric.reporters\n!max.block.ms\n!sasl.login.class\n!foo.class",
        "!metric.reporters", "!key.deserializer"},
    {"behaviour-changing java keys fail",
        BS "producer.partitioner.class=org.apache.kafka.clients.producer."
           "RoundRobinPartitioner\n"
           "producer.transactional.id=tx\n"
           "producer.partitioner.ignore.keys=true\n",
        -1,
        "2:e:custom partitioners cannot be loaded\n"
        "3:e:not transactional\n4:e:partitioner.ignore.keys is not supported",
        "partitioner=murmur2_random\n!transactional.id\n!partitioner.class",
        NULL, NULL},
    {"default partitioner class is fine",
        BS "producer.partitioner.class=org.apache.kafka.clients.producer."
           "internals.DefaultPartitioner\n",
        0, "", "partitioner=murmur2_random", NULL, NULL},
    {"librdkafka names pass through",
        BS "producer.queue.buffering.max.ms=3\nclient.debug=broker\n", 0, "",
        "queue.buffering.max.ms=3\ndebug=broker", "debug=broker", NULL},

    /* ---- keystores and truststores ---- */
    {"jks truststore",
        BS "client.ssl.truststore.location=/x/t.jks\n"
           "client.ssl.truststore.password=changeit\n",
        -1, "2:e:keytool -importkeystore -srckeystore /x/t.jks",
        "!ssl.ca.location\n!ssl.truststore.password", NULL, NULL},
    {"truststore default type is JKS",
        BS "client.ssl.truststore.location=/x/truststore\n", -1,
        "2:e:(Java's default type)", NULL, NULL, NULL},
    {"PEM truststore by type",
        BS "client.ssl.truststore.location=/x/bundle\n"
           "client.ssl.truststore.type=PEM\n",
        0, "", "ssl.ca.location=/x/bundle", NULL, NULL},
    {"PKCS12 truststore", BS "client.ssl.truststore.location=/x/t.p12\n", -1,
        "2:e:openssl pkcs12 -in /x/t.p12 -nokeys", NULL, NULL, NULL},
    {"jks keystore", BS "client.ssl.keystore.location=/x/k.jks\n", -1,
        "2:e:-deststoretype PKCS12", "!ssl.keystore.location", NULL, NULL},
    {"keystore type JKS",
        BS "client.ssl.keystore.location=/x/k.p12\n"
           "client.ssl.keystore.type=JKS\n",
        -1, "2:e:is a JKS keystore", NULL, NULL, NULL},
    {"pfx keystore", BS "client.ssl.keystore.location=/x/k.pfx\n", 0, "",
        "ssl.keystore.location=/x/k.pfx", NULL, NULL},
    {"PEM keystore", BS "client.ssl.keystore.location=/x/k.pem\n", 0, "",
        "ssl.certificate.location=/x/k.pem\nssl.key.location=/x/k.pem", NULL,
        NULL},
    {"keystore without type", BS "client.ssl.keystore.location=/x/k\n", 0,
        "2:w:krest assumes PKCS#12", "ssl.keystore.location=/x/k", NULL, NULL},

    /* ---- SASL and JAAS ---- */
    {"IAM in client.*",
        BS "client.security.protocol=SASL_SSL\n"
           "client.sasl.mechanism=AWS_MSK_IAM\n"
           "client.sasl.jaas.config=software.amazon.msk.auth.iam."
           "IAMLoginModule required;\n"
           "client.sasl.client.callback.handler.class=software.amazon.msk."
           "auth.iam.IAMClientCallbackHandler\n",
        0, "",
        "sasl.mechanism=OAUTHBEARER\nsecurity.protocol=SASL_SSL\n"
        "!sasl.jaas.config\n!sasl.client.callback.handler.class",
        "sasl.mechanism=OAUTHBEARER", "sasl.mechanism=OAUTHBEARER"},
    {"IAM via OAUTHBEARER and the IAM handler",
        BS "producer.security.protocol=SASL_SSL\n"
           "producer.sasl.mechanism=OAUTHBEARER\n"
           "producer.sasl.jaas.config=org.apache.kafka.common.security."
           "oauthbearer.OAuthBearerLoginModule required;\n"
           "producer.sasl.login.callback.handler.class=software.amazon.msk."
           "auth.iam.IAMOAuthBearerLoginCallbackHandler\n"
           "producer.sasl.client.callback.handler.class=software.amazon.msk."
           "auth.iam.IAMOAuthBearerLoginCallbackHandler\n",
        0, "", "sasl.mechanism=OAUTHBEARER\n!sasl.login.callback.handler.class",
        "!sasl.mechanism", "!sasl.mechanism"},
    {"OAUTHBEARER without IAM handler",
        BS "client.security.protocol=SASL_SSL\n"
           "client.sasl.mechanism=OAUTHBEARER\n"
           "client.sasl.jaas.config=org.apache.kafka.common.security."
           "oauthbearer.OAuthBearerLoginModule required;\n",
        -1, "3:e:supported only for MSK IAM", NULL, NULL, NULL},
    {"PLAIN",
        BS "client.security.protocol=SASL_SSL\nclient.sasl.mechanism=PLAIN\n"
           "client.sasl.jaas.config=org.apache.kafka.common.security.plain."
           "PlainLoginModule required username=\"alice\" "
           "password=\"s3cr\\\\\"et\";\n",
        0, "",
        "sasl.mechanism=PLAIN\nsasl.username=alice\nsasl.password=s3cr\"et\n"
        "!sasl.jaas.config",
        "sasl.username=alice", "sasl.password=s3cr\"et"},
    {"SCRAM-SHA-512 producer only",
        BS "producer.security.protocol=SASL_PLAINTEXT\n"
           "producer.sasl.mechanism=SCRAM-SHA-512\n"
           "producer.sasl.jaas.config=org.apache.kafka.common.security.scram."
           "ScramLoginModule required username=bob password=pw;\n",
        0, "",
        "sasl.mechanism=SCRAM-SHA-512\nsasl.username=bob\nsasl.password=pw",
        "!sasl.username", "!sasl.username"},
    {"mechanism case is normalised",
        BS "client.security.protocol=sasl_ssl\nclient.sasl.mechanism=plain\n"
           "client.sasl.jaas.config=org.apache.kafka.common.security.plain."
           "PlainLoginModule REQUIRED username=a password=b;\n",
        0, "", "sasl.mechanism=PLAIN\nsasl.username=a", NULL, NULL},
    {"single-quoted JAAS values",
        BS "client.security.protocol=SASL_SSL\nclient.sasl.mechanism=PLAIN\n"
           "client.sasl.jaas.config=org.apache.kafka.common.security.plain."
           "PlainLoginModule required username='a b' password='it\"s';\n",
        0, "", "sasl.username=a b\nsasl.password=it\"s", NULL, NULL},
    {"empty key after prefix", BS "producer.=1\n", 0,
        "2:w:empty key after the prefix", NULL, NULL, NULL},
    {"SCRAM-SHA-1",
        BS "client.security.protocol=SASL_SSL\n"
           "client.sasl.mechanism=SCRAM-SHA-1\n",
        -1, "3:e:\"SCRAM-SHA-1\" is not supported", "!sasl.mechanism", NULL,
        NULL},
    {"SCRAM-SHA-256 with PLAIN module",
        BS "client.security.protocol=SASL_SSL\n"
           "client.sasl.mechanism=SCRAM-SHA-256\n"
           "client.sasl.jaas.config=org.apache.kafka.common.security.plain."
           "PlainLoginModule required username=\"a\" password=\"b\";\n",
        -1, "4:e:PlainLoginModule does not match sasl.mechanism=SCRAM-SHA-256",
        NULL, NULL, NULL},
    {"PLAIN without username",
        BS "client.security.protocol=SASL_SSL\nclient.sasl.mechanism=PLAIN\n"
           "client.sasl.jaas.config=org.apache.kafka.common.security.plain."
           "PlainLoginModule required password=\"b\";\n",
        -1, "4:e:needs username", NULL, NULL, NULL},
    {"GSSAPI",
        BS "client.security.protocol=SASL_PLAINTEXT\n"
           "client.sasl.mechanism=GSSAPI\n"
           "client.sasl.kerberos.service.name=kafka\n"
           "client.sasl.jaas.config=com.sun.security.auth.module."
           "Krb5LoginModule required \\\n"
           "    useKeyTab=true storeKey=true \\\n"
           "    keyTab=\"/etc/security/keytabs/rest.keytab\" \\\n"
           "    principal=\"rest/host@EXAMPLE.COM\";\n",
        0, "",
        "sasl.mechanism=GSSAPI\nsasl.kerberos.service.name=kafka\n"
        "sasl.kerberos.keytab=/etc/security/keytabs/rest.keytab\n"
        "sasl.kerberos.principal=rest/host@EXAMPLE.COM",
        NULL, NULL},
    {"GSSAPI serviceName from JAAS wins",
        BS "client.security.protocol=SASL_PLAINTEXT\n"
           "client.sasl.kerberos.service.name=kafka\n"
           "client.sasl.jaas.config=com.sun.security.auth.module."
           "Krb5LoginModule required serviceName=\"kfk\";\n",
        0, "", "sasl.mechanism=GSSAPI\nsasl.kerberos.service.name=kfk", NULL,
        NULL},
    {"default mechanism is GSSAPI",
        BS "client.security.protocol=SASL_SSL\n"
           "client.sasl.jaas.config=org.apache.kafka.common.security.plain."
           "PlainLoginModule required username=\"a\" password=\"b\";\n",
        -1, "3:e:does not match sasl.mechanism=GSSAPI (Kafka's default)", NULL,
        NULL, NULL},
    {"malformed JAAS: no semicolon",
        BS "client.security.protocol=SASL_SSL\nclient.sasl.mechanism=PLAIN\n"
           "client.sasl.jaas.config=org.apache.kafka.common.security.plain."
           "PlainLoginModule required username=\"a\" password=\"b\"\n",
        -1, "4:e:missing ';'", NULL, NULL, NULL},
    {"malformed JAAS: no flag",
        BS "client.security.protocol=SASL_SSL\nclient.sasl.mechanism=PLAIN\n"
           "client.sasl.jaas.config=org.apache.kafka.common.security.plain."
           "PlainLoginModule username=\"a\";\n",
        -1, "4:e:expected required", NULL, NULL, NULL},
    {"malformed JAAS: open quote",
        BS "client.security.protocol=SASL_SSL\nclient.sasl.mechanism=PLAIN\n"
           "client.sasl.jaas.config=org.apache.kafka.common.security.plain."
           "PlainLoginModule required username=\"a;\n",
        -1, "4:e:unterminated", NULL, NULL, NULL},
    {"malformed JAAS: two modules",
        BS "client.security.protocol=SASL_SSL\nclient.sasl.mechanism=PLAIN\n"
           "client.sasl.jaas.config=org.apache.kafka.common.security.plain."
           "PlainLoginModule required; x.Y required;\n",
        -1, "4:e:more than one LoginModule", NULL, NULL, NULL},
    {"malformed JAAS: no equals",
        BS "client.security.protocol=SASL_SSL\nclient.sasl.mechanism=PLAIN\n"
           "client.sasl.jaas.config=org.apache.kafka.common.security.plain."
           "PlainLoginModule required username \"a\";\n",
        -1, "4:e:expected '='", NULL, NULL, NULL},
    {"unknown login module",
        BS "client.security.protocol=SASL_SSL\nclient.sasl.mechanism=PLAIN\n"
           "client.sasl.jaas.config=com.example.Login required;\n",
        -1, "4:e:unsupported LoginModule", NULL, NULL, NULL},
    {"SASL ignored without SASL protocol",
        BS "client.sasl.mechanism=AWS_MSK_IAM\n"
           "client.sasl.jaas.config=software.amazon.msk.auth.iam."
           "IAMLoginModule required;\n",
        0, "2:w:SASL settings have no effect", "!sasl.mechanism", NULL, NULL},
    {"unknown mechanism",
        BS "client.security.protocol=SASL_SSL\nclient.sasl.mechanism=NTLM\n",
        -1, "3:e:sasl.mechanism \"NTLM\" is not supported", NULL, NULL, NULL},
    {"other callback handler",
        BS "client.security.protocol=SASL_SSL\n"
           "client.sasl.mechanism=AWS_MSK_IAM\n"
           "client.sasl.client.callback.handler.class=com.example.Handler\n",
        0,
        "3:w:MSK IAM without sasl.jaas.config\n4:w:is "
        "ignored",
        "sasl.mechanism=OAUTHBEARER", NULL, NULL},
    {"IAM JAAS option errors",
        BS "client.security.protocol=SASL_SSL\n"
           "client.sasl.mechanism=AWS_MSK_IAM\n"
           "client.sasl.jaas.config=software.amazon.msk.auth.iam."
           "IAMLoginModule required awsMaxRetries=\"x\" awsDebugCreds=maybe "
           "awsShouldUseFips=true;\n",
        -1,
        "4:e:awsMaxRetries is not a number\n"
        "4:e:awsDebugCreds must be true or false\n"
        "4:w:awsShouldUseFips is not supported",
        NULL, NULL, NULL},

    /* ---- krest keys ---- */
    {"krest keys",
        BS "max.request.bytes=1048576\nproduce.timeout.ms=20000\n"
           "produce.response.status=confluent\nproduce.unknown.topic.ms=0\n"
           "log.format=json\nmax.connections=100\n"
           "max.inflight.bytes=2097152\nidle.timeout.ms=5000\n"
           "embedded.brokers=1\n",
        0, "", "message.timeout.ms=18000\ntopic.metadata.propagation.max.ms=0",
        NULL, NULL},
    {"krest keys out of range",
        BS "embedded.brokers=0\nembedded.brokers=65\nmax.request.bytes=-1\n"
           "produce.timeout.ms=1e3\nlog.format=xml\n"
           "max.connections=99999999999999999999\n"
           "produce.response.status=\n",
        -1,
        "3:w:embedded.brokers is set again\n"
        "3:e:embedded.brokers: \"65\" is too large\n"
        "4:e:max.request.bytes: \"-1\" is too small\n"
        "5:e:produce.timeout.ms: \"1e3\" is not a number\n"
        "6:e:log.format: \"xml\" is not one of text|json\n"
        "7:e:max.connections: \"99999999999999999999\" is too large\n"
        "8:e:produce.response.status: \"\" is not one of honest|confluent",
        NULL, NULL, NULL},
    {"unknown topic wait not below produce timeout",
        BS "produce.timeout.ms=5000\nproduce.unknown.topic.ms=6000\n", 0,
        "3:w:is not below produce.timeout.ms", NULL, NULL, NULL},

    /* ---- many errors, all with lines ---- */
    {"error collection",
        "listeners=ftp://x:1\nport=0\nembedded.brokers=x\n"
        "client.ssl.truststore.location=a.jks\nauthentication.method=BEARER\n",
        -1,
        "1:e:the scheme must be http or https\n2:e:port: \"0\" is too small\n"
        "3:e:embedded.brokers\n4:e:JKS truststore\n"
        "5:e:authentication.method=BEARER is not supported\n"
        "5:e:bootstrap.servers is required",
        NULL, NULL, NULL},
    {NULL, NULL, 0, NULL, NULL, NULL, NULL},
};

static void
run_case(const struct conf_case *c)
{
	struct kr_conf conf;
	struct kr_diags d;
	size_t len = strlen(c->in);
	int rc;

	/* The NUL case carries its byte inside the literal. */
	if (strstr(c->name, "NUL byte") != NULL)
		len = strlen(c->in) + 1 + strlen(c->in + strlen(c->in) + 1);
	kr_conf_init(&conf);
	kr_diags_init(&d);
	rc = kr_conf_parse(c->in, len, "t.properties", &conf, &d);
	KR_CHECKF(rc == c->rc, "%s: rc %d want %d", c->name, rc, c->rc);
	if (rc != c->rc)
		dump_diags(&d);
	check_diags(c->name, &d, c->diags);
	check_kvs(c->name, "producer", conf.conf_producer, conf.conf_nproducer,
	    c->producer);
	check_kvs(
	    c->name, "admin", conf.conf_admin, conf.conf_nadmin, c->admin);
	check_kvs(c->name, "consumer", conf.conf_consumer, conf.conf_nconsumer,
	    c->consumer);
	kr_conf_free(&conf);
	kr_diags_free(&d);
}

static void
test_cases(void)
{
	int i;

	for (i = 0; cases[i].name != NULL; i++)
		run_case(&cases[i]);
}

/* Parses text into conf (caller frees both). */
static int
parse(const char *text, struct kr_conf *conf, struct kr_diags *d)
{
	kr_conf_init(conf);
	kr_diags_init(d);
	return kr_conf_parse(text, strlen(text), "t.properties", conf, d);
}

static void
test_listeners(void)
{
	struct kr_conf conf;
	struct kr_diags d;
	static const struct {
		const char *scheme, *host;
		unsigned port;
	} want[] = {
	    {"http", "0.0.0.0", 8082},
	    {"https", "127.0.0.1", 8443},
	    {"http", "host.example", 80},
	    {"http", "0.0.0.0", 8083},
	    {"http", "::", 8084},
	    {"http", "::1", 8085},
	    {"http", "0.0.0.0", 8086},
	};
	size_t i;

	parse(BS "listeners = http://0.0.0.0:8082, HTTPS://127.0.0.1:8443,"
	         "host.example:80,http://:8083,[::]:8084,http://[::1]:8085/,"
	         ":8086,\n",
	    &conf, &d);
	KR_CHECK(conf.conf_nlisteners == 7);
	for (i = 0; i < 7 && i < conf.conf_nlisteners; i++) {
		KR_CHECK_STR(conf.conf_listeners[i].ls_scheme, want[i].scheme);
		KR_CHECK_STR(conf.conf_listeners[i].ls_host, want[i].host);
		KR_CHECK(conf.conf_listeners[i].ls_port == want[i].port);
	}
	kr_conf_free(&conf);
	kr_diags_free(&d);

	/* default listener when a file sets neither listeners nor port */
	parse(BS, &conf, &d);
	KR_CHECK(conf.conf_nlisteners == 1);
	KR_CHECK_STR(conf.conf_listeners[0].ls_scheme, "http");
	KR_CHECK_STR(conf.conf_listeners[0].ls_host, "0.0.0.0");
	KR_CHECK(conf.conf_listeners[0].ls_port == 8082);
	kr_conf_free(&conf);
	kr_diags_free(&d);

	/* port is used only when listeners is empty */
	parse(BS "port=9000\n", &conf, &d);
	KR_CHECK(conf.conf_nlisteners == 1 &&
	         conf.conf_listeners[0].ls_port == 9000);
	kr_conf_free(&conf);
	kr_diags_free(&d);
	parse(BS "listeners=http://127.0.0.1:7000\nport=9000\n", &conf, &d);
	KR_CHECK(conf.conf_nlisteners == 1 &&
	         conf.conf_listeners[0].ls_port == 7000);
	KR_CHECK_STR(conf.conf_listeners[0].ls_host, "127.0.0.1");
	kr_conf_free(&conf);
	kr_diags_free(&d);
}

static void
test_bootstrap(void)
{
	static const struct {
		const char *in, *want;
		int embedded;
	} cases_bs[] = {
	    {"bootstrap.servers=PLAINTEXT://localhost:9092\n", "localhost:9092",
	        0},
	    {"bootstrap.servers = SASL_SSL://b-1.x:9098, SSL://b-2.x:9094 ,"
	     "b-3.x:9092\n",
	        "b-1.x:9098,b-2.x:9094,b-3.x:9092", 0},
	    {"bootstrap.servers=[::1]:9092\n", "[::1]:9092", 0},
	    {"bootstrap.servers=embedded\n", "embedded", 1},
	    {"bootstrap.servers=EMBEDDED\nembedded.brokers=5\n", "embedded", 1},
	    {NULL, NULL, 0},
	};
	struct kr_conf conf;
	struct kr_diags d;
	int i;

	for (i = 0; cases_bs[i].in != NULL; i++) {
		KR_CHECK(parse(cases_bs[i].in, &conf, &d) == 0);
		KR_CHECK_STR(conf.conf_bootstrap, cases_bs[i].want);
		KR_CHECK(conf.conf_embedded == cases_bs[i].embedded);
		kr_conf_free(&conf);
		kr_diags_free(&d);
	}
	parse("bootstrap.servers=EMBEDDED\nembedded.brokers=5\n", &conf, &d);
	KR_CHECK(conf.conf_embedded_brokers == 5);
	kr_conf_free(&conf);
	kr_diags_free(&d);
}

static void
test_region(void)
{
	static const struct {
		const char *hosts;
		const char *region; /* NULL: none */
	} cases_r[] = {
	    {"b-1.mycluster.abc123.c2.kafka.us-east-1.amazonaws.com:9098",
	        "us-east-1"},
	    /* a cluster named like a region: the suffix decides */
	    {"b-1.us-west-2.abc123.c2.kafka.eu-west-1.amazonaws.com:9098",
	        "eu-west-1"},
	    {"b-1.kafka.us-west-2.example.com:9092", NULL},
	    {"b-1.x.kafka.us-west-2.amazonaws.com.example.org:9092", NULL},
	    {"boot-abc.c1.kafka-serverless.ap-southeast-2.amazonaws.com:9098",
	        "ap-southeast-2"},
	    {"b-1.x.y.c1.kafka.cn-north-1.amazonaws.com.cn:9098", "cn-north-1"},
	    {"B-1.X.Y.C1.KAFKA.US-EAST-2.AMAZONAWS.COM:9098", "us-east-2"},
	    {"b-1.x.y.c1.notkafka.us-east-1.amazonaws.com:9098", NULL},
	    {"ec2-1-2-3-4.compute-1.amazonaws.com:9092", NULL},
	    {"localhost:9092", NULL},
	    {"SASL_SSL://b-1.c.x.c3.kafka.sa-east-1.amazonaws.com:9198",
	        "sa-east-1"},
	    {"localhost:9092,b-2.c.x.c3.kafka.me-south-1.amazonaws.com:9098",
	        "me-south-1"},
	    {NULL, NULL},
	};
	struct kr_conf conf;
	struct kr_diags d;
	char in[512];
	int i;

	for (i = 0; cases_r[i].hosts != NULL; i++) {
		snprintf(
		    in, sizeof(in), "bootstrap.servers=%s\n", cases_r[i].hosts);
		KR_CHECKF(parse(in, &conf, &d) == 0, "%s", cases_r[i].hosts);
		if (cases_r[i].region == NULL)
			KR_CHECKF(conf.conf_iam.iam_region == NULL, "%s -> %s",
			    cases_r[i].hosts, conf.conf_iam.iam_region);
		else
			KR_CHECK_STR(
			    conf.conf_iam.iam_region, cases_r[i].region);
		kr_conf_free(&conf);
		kr_diags_free(&d);
	}
	/* two regions: the first wins, with a warning */
	parse("bootstrap.servers=b-1.c.x.c1.kafka.us-east-1.amazonaws.com:9098,"
	      "b-2.c.x.c1.kafka.us-west-2.amazonaws.com:9098\n",
	    &conf, &d);
	KR_CHECK_STR(conf.conf_iam.iam_region, "us-east-1");
	KR_CHECK(d.d_count == 1 && !d.d_list[0].dg_error);
	kr_conf_free(&conf);
	kr_diags_free(&d);
}

static void
test_iam_options(void)
{
	struct kr_conf conf;
	struct kr_diags d;
	const struct kr_iam *iam = &conf.conf_iam;

	KR_CHECK(parse(BS "client.security.protocol=SASL_SSL\n"
	                  "client.sasl.mechanism=AWS_MSK_IAM\n"
	                  "client.sasl.jaas.config=software.amazon.msk.auth."
	                  "iam.IAMLoginModule required \\\n"
	                  "  awsProfileName=\"prof\" \\\n"
	                  "  awsRoleArn=\"arn:aws:iam::1:role/r\" \\\n"
	                  "  awsRoleSessionName=sess \\\n"
	                  "  awsStsRegion=\"eu-west-1\" \\\n"
	                  "  awsRoleExternalId=\"ext\" \\\n"
	                  "  awsDebugCreds=true awsMaxRetries=\"7\" \\\n"
	                  "  awsMaxBackOffTimeMs=\"250\" \\\n"
	                  "  awsRoleAccessKeyId=\"AKIDEXAMPLE\" \\\n"
	                  "  awsRoleSecretAccessKey=\"wJalrXUtnFEMI\" \\\n"
	                  "  awsRoleSessionToken=\"FwoGZXIvYXdzE\";\n",
	             &conf, &d) == 0);
	KR_CHECK(iam->iam_enabled == 1);
	KR_CHECK_STR(iam->iam_profile, "prof");
	KR_CHECK_STR(iam->iam_role_arn, "arn:aws:iam::1:role/r");
	KR_CHECK_STR(iam->iam_role_session_name, "sess");
	KR_CHECK_STR(iam->iam_sts_region, "eu-west-1");
	KR_CHECK_STR(iam->iam_role_external_id, "ext");
	KR_CHECK(iam->iam_debug_creds == 1);
	KR_CHECK(iam->iam_max_retries == 7);
	KR_CHECK(iam->iam_max_backoff_ms == 250);
	KR_CHECK_STR(iam->iam_role_access_key_id, "AKIDEXAMPLE");
	KR_CHECK_STR(iam->iam_role_secret_access_key, "wJalrXUtnFEMI");
	KR_CHECK_STR(iam->iam_role_session_token, "FwoGZXIvYXdzE");
	KR_CHECK(kr_conf_has_secrets(&conf) == 1);
	/* localhost: no region in the names; the daemon asks the AWS
	 * environment, so the parser says nothing. */
	KR_CHECK(d.d_count == 0);
	KR_CHECK(conf.conf_iam.iam_region == NULL);
	kr_conf_free(&conf);
	kr_diags_free(&d);

	/* defaults, and producer.* overrides client.* */
	KR_CHECK(parse(BS "client.security.protocol=SASL_SSL\n"
	                  "client.sasl.mechanism=AWS_MSK_IAM\n"
	                  "client.sasl.jaas.config=software.amazon.msk.auth."
	                  "iam.IAMLoginModule required awsProfileName=a;\n"
	                  "producer.sasl.jaas.config=software.amazon.msk.auth."
	                  "iam.IAMLoginModule required awsProfileName=b;\n",
	             &conf, &d) == 0);
	KR_CHECK_STR(iam->iam_profile, "b");
	KR_CHECK(iam->iam_max_retries == 3);
	KR_CHECK(iam->iam_max_backoff_ms == 5000);
	KR_CHECK(iam->iam_debug_creds == 0);
	KR_CHECK(kr_conf_has_secrets(&conf) == 0);
	kr_conf_free(&conf);
	kr_diags_free(&d);

	/* IAM only for admin.* still configures the signer */
	KR_CHECK(parse(BS "admin.security.protocol=SASL_SSL\n"
	                  "admin.sasl.mechanism=AWS_MSK_IAM\n",
	             &conf, &d) == 0);
	KR_CHECK(iam->iam_enabled == 1);
	kr_conf_free(&conf);
	kr_diags_free(&d);

	/* no SASL: IAM stays off */
	KR_CHECK(parse(BS, &conf, &d) == 0);
	KR_CHECK(iam->iam_enabled == 0);
	kr_conf_free(&conf);
	kr_diags_free(&d);
}

/* Reads a data file (relative to the repository root). */
static char *
read_data(const char *name, size_t *len)
{
	char path[256];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s%s",
	    strchr(name, '/') != NULL ? "" : "test/unit/data/conf/", name);
	f = fopen(path, "rb");
	KR_CHECKF(
	    f != NULL, "cannot open %s (run from the repository root)", path);
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static int
parse_file(const char *name, struct kr_conf *conf, struct kr_diags *d)
{
	size_t len = 0;
	char *buf = read_data(name, &len);
	int rc;

	kr_conf_init(conf);
	kr_diags_init(d);
	if (buf == NULL)
		return -2;
	rc = kr_conf_parse(buf, len, name, conf, d);
	free(buf);
	return rc;
}

static void
test_files(void)
{
	struct kr_conf conf;
	struct kr_diags d;
	struct kr_buf dump = KR_BUF_INIT;

	/* the students' file, verbatim, with " = " separators */
	KR_CHECK(parse_file("students-msk-iam.properties", &conf, &d) == 0);
	KR_CHECKF(d.d_count == 0, "%zu diagnostics", d.d_count);
	dump_diags(&d);
	KR_CHECK_STR(conf.conf_bootstrap,
	    "b-1.pinterestmskcluster.w8g8jt.c12.kafka.us-east-1.amazonaws.com:"
	    "9098,b-2.pinterestmskcluster.w8g8jt.c12.kafka.us-east-1."
	    "amazonaws.com:9098,b-3.pinterestmskcluster.w8g8jt.c12.kafka.us-"
	    "east-1.amazonaws.com:9098");
	KR_CHECK(conf.conf_iam.iam_enabled == 1);
	KR_CHECK_STR(conf.conf_iam.iam_role_arn,
	    "arn:aws:iam::123456789012:role/0e3bbd435bfb-ec2-access-role");
	KR_CHECK_STR(conf.conf_iam.iam_region, "us-east-1");
	check_kvs("students", "producer", conf.conf_producer,
	    conf.conf_nproducer,
	    "security.protocol=SASL_SSL\nsasl.mechanism=OAUTHBEARER\n"
	    "partitioner=murmur2_random\n!sasl.jaas.config");
	check_kvs("students", "admin", conf.conf_admin, conf.conf_nadmin,
	    "security.protocol=SASL_SSL\nsasl.mechanism=OAUTHBEARER");
	KR_CHECK(conf.conf_nlisteners == 1 &&
	         conf.conf_listeners[0].ls_port == 8082);
	KR_CHECK(kr_conf_has_secrets(&conf) == 0);
	kr_conf_dump(&conf, &dump);
	KR_CHECK(strstr(dump.data, "sasl.mechanism=OAUTHBEARER") != NULL);
	KR_CHECK(strstr(dump.data, "region=us-east-1") != NULL);
	kr_buf_free(&dump);
	kr_conf_free(&conf);
	kr_diags_free(&d);

	/* the spec 5.5 example */
	KR_CHECK(parse_file("spec-msk-iam.properties", &conf, &d) == 0);
	KR_CHECK(d.d_count == 0);
	KR_CHECK(conf.conf_iam.iam_enabled == 1);
	KR_CHECK(conf.conf_iam.iam_role_arn == NULL);
	KR_CHECK_STR(conf.conf_iam.iam_region, "us-east-1");
	kr_conf_free(&conf);
	kr_diags_free(&d);

	/* Confluent's stock file */
	KR_CHECK(parse_file("confluent-stock.properties", &conf, &d) == 0);
	KR_CHECK(d.d_count == 0);
	KR_CHECK_STR(conf.conf_bootstrap, "localhost:9092");
	KR_CHECK(conf.conf_iam.iam_enabled == 0);
	kr_conf_free(&conf);
	kr_diags_free(&d);

	/* the commented example shipped in etc/ parses without a remark */
	KR_CHECK(parse_file("etc/krest.properties", &conf, &d) == 0);
	KR_CHECKF(d.d_count == 0, "%zu diagnostics", d.d_count);
	dump_diags(&d);
	KR_CHECK_STR(conf.conf_bootstrap, "localhost:9092");
	KR_CHECK(kr_conf_has_secrets(&conf) == 0);
	kr_conf_free(&conf);
	kr_diags_free(&d);

	/* CRLF line endings and a continued CRLF line */
	KR_CHECK(parse_file("crlf.properties", &conf, &d) == 0);
	KR_CHECK(d.d_count == 0);
	KR_CHECK(conf.conf_nlisteners == 1 &&
	         conf.conf_listeners[0].ls_port == 18082);
	KR_CHECK_STR(conf.conf_listeners[0].ls_host, "127.0.0.1");
	check_kvs("crlf", "producer", conf.conf_producer, conf.conf_nproducer,
	    "linger.ms=7\ncompression.type=gzip");
	kr_conf_free(&conf);
	kr_diags_free(&d);
}

static void
test_demo_and_defaults(void)
{
	struct kr_conf conf;

	kr_conf_init(&conf);
	KR_CHECK(conf.conf_nlisteners == 0);
	KR_CHECK(conf.conf_max_request_bytes == 10485760);
	KR_CHECK(conf.conf_produce_timeout_ms == 25000);
	KR_CHECK(conf.conf_confluent_status == 0);
	KR_CHECK(conf.conf_unknown_topic_ms == 2000);
	KR_CHECK(conf.conf_log_json == 0);
	KR_CHECK(conf.conf_max_connections == 10000);
	KR_CHECK(conf.conf_max_inflight_bytes == 67108864);
	KR_CHECK(conf.conf_idle_timeout_ms == 30000);
	KR_CHECK(conf.conf_embedded_brokers == 3);
	KR_CHECK(conf.conf_iam.iam_max_retries == 3);
	KR_CHECK(conf.conf_iam.iam_max_backoff_ms == 5000);
	kr_conf_free(&conf);

	kr_conf_demo(&conf);
	KR_CHECK(conf.conf_file == NULL);
	KR_CHECK(conf.conf_nlisteners == 1);
	KR_CHECK_STR(conf.conf_listeners[0].ls_scheme, "http");
	KR_CHECK_STR(conf.conf_listeners[0].ls_host, "127.0.0.1");
	KR_CHECK(conf.conf_listeners[0].ls_port == 8082);
	KR_CHECK(conf.conf_embedded == 1);
	KR_CHECK_STR(conf.conf_bootstrap, "embedded");
	check_kvs("demo", "producer", conf.conf_producer, conf.conf_nproducer,
	    "partitioner=murmur2_random\nacks=all\nmessage.timeout.ms=23000");
	KR_CHECK(strcmp(conf.conf_producer[0].kv_key, "partitioner") == 0);
	KR_CHECK(conf.conf_producer[0].kv_line == 0);
	kr_conf_free(&conf);
}

static void
test_secrets(void)
{
	static const struct {
		const char *key;
		int secret;
	} keys[] = {
	    {"sasl.password", 1},
	    {"client.sasl.jaas.config", 1},
	    {"sasl.jaas.config", 1},
	    {"sasl.oauthbearer.config", 1},
	    {"sasl.oauthbearer.client.secret", 1},
	    {"ssl.key.password", 1},
	    {"producer.ssl.keystore.password", 1},
	    {"ssl.truststore.password", 1},
	    {"ssl.key.pem", 1},
	    {"ssl.keystore.key", 1},
	    {"schema.registry.basic.auth.user.info", 1},
	    {"sasl.username", 0},
	    {"bootstrap.servers", 0},
	    {"ssl.keystore.location", 0},
	    {"sasl.mechanism", 0},
	    {NULL, 0},
	};
	struct kr_conf conf;
	struct kr_diags d;
	struct kr_buf out = KR_BUF_INIT;
	size_t i;
	int k;

	for (k = 0; keys[k].key != NULL; k++)
		KR_CHECKF(kr_conf_key_is_secret(keys[k].key) == keys[k].secret,
		    "%s", keys[k].key);

	/* Secrets in many broken places: never in diagnostics or the dump. */
	parse(BS "client.security.protocol=SASL_SSL\n"
	         "client.sasl.mechanism=SCRAM-SHA-256\n"
	         "client.sasl.jaas.config=org.apache.kafka.common.security."
	         "scram.ScramLoginModule required username=\"u\" "
	         "password=\"HUNTER2-A\";\n"
	         "producer.sasl.jaas.config=org.apache.kafka.common.security."
	         "scram.ScramLoginModule required username=\"u\" "
	         "password=\"HUNTER2-B\"\n"
	         "admin.sasl.jaas.config=org.apache.kafka.common.security."
	         "plain.PlainLoginModule required username=\"u\" "
	         "password=\"HUNTER2-C\";\n"
	         "client.ssl.key.password=HUNTER2-D\n"
	         "client.ssl.key.password=HUNTER2-E\n"
	         "ssl.keystore.password=HUNTER2-F\n"
	         "sasl.password=HUNTER2-G\n"
	         "schema.registry.basic.auth.user.info=u:HUNTER2-H\n"
	         "consumer.sasl.oauthbearer.client.secret=HUNTER2-I\n",
	    &conf, &d);
	KR_CHECK(d.d_errors >= 2);
	KR_CHECK(kr_conf_has_secrets(&conf) == 1);
	for (i = 0; i < d.d_count; i++) {
		kr_buf_reset(&out);
		kr_diag_format(&d.d_list[i], &out);
		KR_CHECKF(strstr(out.data, "HUNTER2") == NULL, "%s", out.data);
	}
	kr_buf_reset(&out);
	kr_conf_dump(&conf, &out);
	KR_CHECKF(strstr(out.data, "HUNTER2") == NULL, "%s", out.data);
	KR_CHECK(strstr(out.data, "sasl.password=[redacted]") != NULL);
	KR_CHECK(strstr(out.data, "ssl.key.password=[redacted]") != NULL);
	KR_CHECK(strstr(out.data, "sasl.oauthbearer.client.secret=[redacted]"));
	kr_conf_free(&conf);
	kr_diags_free(&d);

	/* a dropped secret still makes the file secret */
	parse(BS "schema.registry.basic.auth.user.info=u:p\n", &conf, &d);
	KR_CHECK(kr_conf_has_secrets(&conf) == 1);
	kr_conf_free(&conf);
	kr_diags_free(&d);
	parse(BS "client.ssl.truststore.location=/x/ca.pem\n", &conf, &d);
	KR_CHECK(kr_conf_has_secrets(&conf) == 0);
	kr_conf_free(&conf);
	kr_diags_free(&d);

	/* IAM secrets are redacted in the dump */
	parse(BS "client.security.protocol=SASL_SSL\n"
	         "client.sasl.mechanism=AWS_MSK_IAM\n"
	         "client.sasl.jaas.config=software.amazon.msk.auth.iam."
	         "IAMLoginModule required awsRoleArn=\"arn:r\" "
	         "awsRoleSecretAccessKey=\"HUNTER2-S\" "
	         "awsRoleSessionToken=\"HUNTER2-T\";\n",
	    &conf, &d);
	kr_buf_reset(&out);
	kr_conf_dump(&conf, &out);
	KR_CHECKF(strstr(out.data, "HUNTER2") == NULL, "%s", out.data);
	KR_CHECK(strstr(out.data, "awsRoleSecretAccessKey=[redacted]") != NULL);
	KR_CHECK(strstr(out.data, "awsRoleArn=arn:r") != NULL);
	kr_conf_free(&conf);
	kr_diags_free(&d);
	kr_buf_free(&out);
}

static void
test_diag_format(void)
{
	char file[] = "/etc/kafka-rest.properties", msg[] = "bad";
	struct kr_diag dg = {file, 12, 1, msg};
	struct kr_buf out = KR_BUF_INIT;

	kr_diag_format(&dg, &out);
	KR_CHECK_STR(out.data, "/etc/kafka-rest.properties:12: error: bad");
	kr_buf_reset(&out);
	dg.dg_error = 0;
	kr_diag_format(&dg, &out);
	KR_CHECK_STR(out.data, "/etc/kafka-rest.properties:12: warning: bad");
	kr_buf_free(&out);
}

/* Diagnostics stay in file order and accumulate across parses. */
static void
test_diag_order(void)
{
	struct kr_conf conf;
	struct kr_diags d;
	size_t i;

	parse("producer.acks=1\nembedded.brokers=0\nfoo=1\n", &conf, &d);
	KR_CHECK(d.d_count == 4);
	for (i = 1; i < d.d_count; i++)
		KR_CHECK(d.d_list[i - 1].dg_line <= d.d_list[i].dg_line);
	for (i = 0; i < d.d_count; i++)
		KR_CHECK(d.d_list[i].dg_line >= 1 && d.d_list[i].dg_line <= 3);
	KR_CHECK(d.d_errors == 2);
	KR_CHECK_STR(d.d_list[0].dg_file, "t.properties");
	kr_conf_free(&conf);
	kr_diags_free(&d);
}

int
main(void)
{
	test_cases();
	test_listeners();
	test_bootstrap();
	test_region();
	test_iam_options();
	test_files();
	test_demo_and_defaults();
	test_secrets();
	test_diag_format();
	test_diag_order();
	return KR_TEST_DONE("test_conf");
}
