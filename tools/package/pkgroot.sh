# Sourced by tools/package/root-install-test and deploy-test.
# pkg_root ARCH DEB DIR: makes DIR a copy of a Debian 13 (trixie) root for
# ARCH holding the packages DEB depends on and recommends (tools/pi-root,
# cached in /var/cache/sparkcam/roots/package-trixie-ARCH, made once per
# package list; the other tests' roots are not touched), plus a dpkg
# database (var/lib/dpkg/status) describing exactly those packages, from the
# same apt lists tools/pi-root unpacked them from. Host dpkg then installs
# into it: dpkg --root=DIR --force-script-chrootless (the maintainer scripts
# run with the build machine's /bin/sh and DPKG_ROOT=DIR, as Debian's
# DPKG_ROOT support intends; the root's own programs run under qemu).
pkg_root() {
  local arch=$1 deb=$2 dir=$3 top cache want pkg ver
  top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  cache=/var/cache/sparkcam/roots/package-trixie-$arch
  # First alternative of each Depends entry, and the Recommends.
  mapfile -t want < <({ dpkg-deb -f "$deb" Depends; echo ","; dpkg-deb -f "$deb" Recommends || true; } |
                      tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep -v '^$' | sort -u)
  "$top/tools/pi-root" "$arch" "$cache" trixie "${want[@]}" >&2
  # The dpkg database, made once per root (pi-root remakes the root, and
  # with it this, when its package list changes).
  if [ ! -f "$cache/var/lib/dpkg/.sparkcam-status" ]; then
    mkdir -p "$cache"/var/lib/dpkg/{info,updates,triggers} "$cache/var/log"
    : >"$cache/var/lib/dpkg/available"
    # shellcheck source=../lib/debian.sh
    . "$top/tools/lib/debian.sh"
    # One apt-cache call for all (each call reads the whole lists).
    # shellcheck disable=SC2046
    apt-cache $(deb_opts trixie "$arch") show $(cut -d' ' -f3- "$cache/.sparkcam-root") |
      awk '/^$/ { if (on) print ""; on = 0; skip = 0; next }
           /^(Filename|Size|MD5sum|SHA1|SHA256|Description-md5|Tag):/ { skip = 1; next }
           /^[^ ]/ { skip = 0 }
           skip { next }
           { print; on = 1 }
           /^Package:/ { print "Status: install ok installed" }' >"$cache/var/lib/dpkg/status"
    [ "$(grep -c '^Package:' "$cache/var/lib/dpkg/status")" = "$(wc -w <"$cache/.sparkcam-root" | awk '{ print $1 - 2 }')" ] ||
      { echo "pkgroot: the dpkg status does not list every package of the root" >&2; return 1; }
    for pkg in $(sed -n 's/^Package: //p' "$cache/var/lib/dpkg/status"); do
      : >"$cache/var/lib/dpkg/info/$pkg.list"
      : >"$cache/var/lib/dpkg/info/$pkg:$arch.list"
    done
    # ca-certificates' postinst (update-ca-certificates) makes the bundle;
    # an unpacked root has none: the same concatenation here.
    if [ -d "$cache/usr/share/ca-certificates" ]; then
      mkdir -p "$cache/etc/ssl/certs"
      find "$cache/usr/share/ca-certificates" -name '*.crt' | LC_ALL=C sort |
        xargs cat >"$cache/etc/ssl/certs/ca-certificates.crt"
    fi
    touch "$cache/var/lib/dpkg/.sparkcam-status"
  fi
  cp -a "$cache" "$dir"
  dpkg --root="$dir" --add-architecture "$arch"
  touch "$dir/etc/passwd" "$dir/etc/group" "$dir/etc/shadow" "$dir/etc/gshadow"
  chmod 640 "$dir/etc/shadow" "$dir/etc/gshadow"
}

# pkg_dpkg DIR ARGS...: the build machine's dpkg on the root DIR.
pkg_dpkg() {
  local dir=$1
  shift
  dpkg --root="$dir" --force-script-chrootless --log="$dir/var/log/dpkg.log" "$@" </dev/null
}
