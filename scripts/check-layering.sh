#!/bin/sh
# lib/ is pure: no sockets, threads, process exit, or MHD/librdkafka/curl.
bad=$(grep -nE '#include <(microhttpd|librdkafka/|pthread|sys/socket|netinet/|arpa/|curl/|sys/epoll|signal)' lib/*.[ch];
      grep -nE '\b(exit|_exit|pthread_create|socket|fork)\(' lib/*.c)
if [ -n "$bad" ]; then
	echo "layering: lib/ must stay pure:" >&2
	echo "$bad" >&2
	exit 1
fi
echo "layering: lib/ is pure"
