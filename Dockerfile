# SPDX-License-Identifier: MIT
# krest: krestd, krest-emulate and krest-iam-token on Debian 12.
#
#   docker build -t krest:local .
#   docker run --rm -p 127.0.0.1:8082:8082 \
#       -v "$PWD/my.properties:/etc/krest/krest.properties:ro" krest:local
#   docker run --rm krest:local -n /etc/krest/krest.properties   # check
#   docker run --rm --entrypoint krest-emulate krest:local --help
#
# docker-compose.yml at the root runs it with a Kafka broker.

# ---- build ----------------------------------------------------------------
FROM debian:bookworm AS build

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        gcc make pkg-config libc6-dev \
        libmicrohttpd-dev librdkafka-dev libcjson-dev libssl-dev \
        libcurl4-openssl-dev libmariadb-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
# The same build as on the EC2 box, then the install tree under /out.
RUN make clean \
 && make -j"$(nproc)" \
 && make install DESTDIR=/out PREFIX=/usr \
 && chmod 0644 /out/etc/krest/krest.properties

# ---- runtime --------------------------------------------------------------
FROM debian:bookworm-slim

# Only the shared libraries the three programs link (libmariadb3 is
# krest-emulate's --mysql source), CA roots for MSK over TLS, and curl for
# the health check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libmicrohttpd12 librdkafka1 libcjson1 libcurl4 libssl3 libmariadb3 \
        ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*

# A fixed non-root uid, so that mounted files can be made readable to it.
RUN groupadd --system --gid 10001 krest \
 && useradd --system --uid 10001 --gid krest --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin krest

COPY --from=build /out/usr/bin/ /usr/bin/
COPY --from=build /out/usr/share/man/man8/ /usr/share/man/man8/
COPY --from=build /out/usr/share/doc/krest/ /usr/share/doc/krest/
# The commented example; mount a real file over it (the compose file does).
COPY --from=build /out/etc/krest/krest.properties /etc/krest/

USER krest:krest
EXPOSE 8082
# /readyz: 200 once Kafka metadata is known and a broker is up.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8082/readyz || exit 1
# SIGTERM drains: allow produce.timeout.ms + 2 s (docker stop -t 30).
STOPSIGNAL SIGTERM
ENTRYPOINT ["krestd"]
CMD ["/etc/krest/krest.properties"]
