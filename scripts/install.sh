#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs krest; `make install` runs it with PREFIX, DESTDIR and BIN.
#
#   make install                      # /usr/local, then see the last lines
#   make install PREFIX=/usr DESTDIR=/tmp/pkg    # staging for a package
#
# Where things go (PREFIX defaults to /usr/local):
#   $PREFIX/bin/krestd, krest-emulate, krest-iam-token   (those built)
#   /etc/krest/krest.properties         the example; an existing file is
#                                       never replaced
#   $UNITDIR/krestd.service             ExecStart rewritten to $PREFIX/bin
#   $SYSUSERSDIR/krest.conf             the krest user (sysusers.d)
#   $PREFIX/share/man/man8/krestd.8
#   $PREFIX/share/doc/krest/            krest.properties.example,
#                                       krestd.service.d/aws.conf.example
#
# UNITDIR: with PREFIX=/usr (a Debian package) it is /lib/systemd/system,
# the unit directory of Debian 12 (pkg-config systemd
# systemdsystemunitdir). Any other PREFIX gets $PREFIX/lib/systemd/system:
# for /usr/local that is /usr/local/lib/systemd/system, which systemd
# searches too ("systemd-analyze unit-paths"), and it leaves /lib to dpkg.
# SYSUSERSDIR likewise: /usr/lib/sysusers.d or $PREFIX/lib/sysusers.d.
# Both can be set in the environment.
#
# Without DESTDIR and as root it also creates the krest user and runs
# "systemctl daemon-reload" when systemd is running; it never enables or
# starts the service. Running it again is harmless.
set -eu

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
BIN=${BIN:-bin}
SYSCONFDIR=/etc

case "$PREFIX" in
/usr | /usr/)
	PREFIX=/usr
	: "${UNITDIR:=/lib/systemd/system}"
	: "${SYSUSERSDIR:=/usr/lib/sysusers.d}"
	;;
*)
	PREFIX=${PREFIX%/}
	: "${UNITDIR:=$PREFIX/lib/systemd/system}"
	: "${SYSUSERSDIR:=$PREFIX/lib/sysusers.d}"
	;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bindir=$DESTDIR$PREFIX/bin
confdir=$DESTDIR$SYSCONFDIR/krest
unitdir=$DESTDIR$UNITDIR
sysusersdir=$DESTDIR$SYSUSERSDIR
man8dir=$DESTDIR$PREFIX/share/man/man8
docdir=$DESTDIR$PREFIX/share/doc/krest

say() {
	printf 'install: %s\n' "$*"
}

install -d -m 0755 "$bindir" "$unitdir" "$sysusersdir" "$man8dir" \
	"$docdir" "$docdir/krestd.service.d"

for prog in krestd krest-emulate krest-iam-token; do
	if [ -x "$BIN/$prog" ]; then
		install -m 0755 "$BIN/$prog" "$bindir/$prog"
		say "$bindir/$prog"
	elif [ "$prog" = krestd ]; then
		say "warning: $BIN/krestd is not built; run make first" >&2
	fi
done

# The unit names the installed binary.
sed -e "s#/usr/local/bin/krestd#$PREFIX/bin/krestd#g" \
	systemd/krestd.service >"$unitdir/krestd.service.tmp"
chmod 0644 "$unitdir/krestd.service.tmp"
mv -f "$unitdir/krestd.service.tmp" "$unitdir/krestd.service"
say "$unitdir/krestd.service"
install -m 0644 systemd/krest.sysusers "$sysusersdir/krest.conf"
install -m 0644 systemd/krestd.service.d/aws.conf.example \
	"$docdir/krestd.service.d/aws.conf.example"

if [ -f doc/krestd.8 ]; then
	install -m 0644 doc/krestd.8 "$man8dir/krestd.8"
	say "$man8dir/krestd.8"
fi
# The key table lives in the README; install it as its own page.
if [ -f README.md ]; then
	sed -n '/^## Configuration$/,/^## MSK IAM$/p' README.md | sed '$d' \
		> "$docdir/configuration.md"
	chmod 0644 "$docdir/configuration.md"
fi

# The configuration: the admin's copy is never replaced. It is readable by
# root and the krest group only; one that holds secrets must belong to
# krest with mode 0600 (krestd refuses it otherwise).
install -d -m 0755 "$confdir"
if [ -f etc/krest.properties ]; then
	install -m 0644 etc/krest.properties "$docdir/krest.properties.example"
	if [ -e "$confdir/krest.properties" ]; then
		say "$confdir/krest.properties exists; kept (the example is" \
			"$docdir/krest.properties.example)"
	else
		install -m 0640 etc/krest.properties \
			"$confdir/krest.properties"
		say "$confdir/krest.properties"
	fi
fi

# Live install only: the user, the group of the file, systemd's view.
if [ -z "$DESTDIR" ] && [ "$(id -u)" -eq 0 ]; then
	if ! getent passwd krest >/dev/null; then
		if command -v systemd-sysusers >/dev/null 2>&1; then
			systemd-sysusers "$sysusersdir/krest.conf"
		else
			useradd --system --user-group --no-create-home \
				--home-dir /nonexistent \
				--shell /usr/sbin/nologin krest
		fi
	fi
	if [ -f "$confdir/krest.properties" ] &&
		[ "$(stat -c %U:%G "$confdir/krest.properties")" = root:root ]; then
		chgrp krest "$confdir/krest.properties"
	fi
	if [ -d /run/systemd/system ]; then
		systemctl daemon-reload || true
	fi
	say "done; next: edit $SYSCONFDIR/krest/krest.properties, then"
	say "  krestd -n $SYSCONFDIR/krest/krest.properties &&" \
		"systemctl enable --now krestd"
fi
exit 0
