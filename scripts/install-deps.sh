#!/bin/sh
# Install the Debian 12 packages krest needs to build, run and test.
# As root it runs apt-get itself; otherwise it prints the exact command.
set -eu

PKGS="gcc make pkg-config libmicrohttpd-dev librdkafka-dev libcjson-dev
libssl-dev libcurl4-openssl-dev libmariadb-dev libcrypt-dev kcat python3 python3-botocore
python3-requests python3-yaml python3-seccomp nodejs
clang libclang-rt-14-dev curl ca-certificates systemd mariadb-server"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "krest: missing Debian packages; run as root:" >&2
	echo "  apt-get update && $cmd" >&2
	exit 1
fi
echo "krest: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
