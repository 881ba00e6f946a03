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
  mapfile -t want < <({ dpkg-deb -f "$deb" Depends; echo ","; dpkg-deb -f "$deb" Recommends; } |
                      tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep -v '^$' | sort -u)
  "$top/tools/pi-root" "$arch" "$cache" trixie "${want[@]}" >&2
  cp -a "$cache" "$dir"
  mkdir -p "$dir"/var/lib/dpkg/{info,updates,triggers} "$dir/var/log"
  : >"$dir/var/lib/dpkg/available"
  : >"$dir/var/lib/dpkg/status"
  # shellcheck source=../lib/debian.sh
  . "$top/tools/lib/debian.sh"
  for pv in $(cut -d' ' -f3- "$cache/.sparkcam-root"); do
    pkg=${pv%%=*} ver=${pv#*=}
    # shellcheck disable=SC2046
    apt-cache $(deb_opts trixie "$arch") show "$pkg=$ver" |
      awk 'BEGIN { skip = 0 }
           /^$/ { exit }
           /^(Filename|Size|MD5sum|SHA1|SHA256|Description-md5|Tag):/ { skip = 1; next }
           /^[^ ]/ { skip = 0 }
           skip { next }
           { print }
           /^Package:/ { print "Status: install ok installed" }' >>"$dir/var/lib/dpkg/status"
    echo >>"$dir/var/lib/dpkg/status"
    : >"$dir/var/lib/dpkg/info/$pkg.list"
  done
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
