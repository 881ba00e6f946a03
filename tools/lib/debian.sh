# Sourced by tools/bootstrap and tools/pi-root: Debian's packages of a given
# release (trixie = Debian 13, bookworm = Debian 12) through the ordinary apt
# client with a private sources list and state under
# /var/cache/sparkcam/debian-SUITE, so the build machine's own apt
# configuration stays untouched. The archive is the one this machine's apt
# already uses for Debian 12.

deb_dir() { echo "/var/cache/sparkcam/debian-$1"; }

deb_opts() {  # apt options for SUITE, resolving for ARCH (default amd64)
  local d
  d=$(deb_dir "$1")
  echo "-o Dir::Etc::sourcelist=$d/sources.list -o Dir::Etc::sourceparts=-" \
       "-o Dir::State::Lists=$d/lists -o Dir::Cache=$d/cache" \
       "-o Dir::State::status=$d/status -o Debug::NoLocking=1" \
       "-o APT::Architectures=amd64,arm64,armhf -o APT::Architecture=${2:-amd64}" \
       "-o APT::Sandbox::User=root -q"
}

# deb_setup SUITE: writes the sources list (binary and source) once, updates
# the lists when they are missing or older than a day.
deb_setup() {
  local d uri
  d=$(deb_dir "$1")
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
  touch "$d/status"
  if [ ! -s "$d/sources.list" ]; then
    uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
          awk '$2 == "bookworm" { print $1; exit }')
    if [ -z "$uri" ]; then
      echo "debian: this machine's apt has no Debian 12 (bookworm) archive to take the address from" >&2
      return 1
    fi
    printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' "$uri" "$1" >"$d/sources.list"
    printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' "$uri" "$1" >>"$d/sources.list"
  fi
  if [ -z "$(find "$d/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -n1)" ]; then
    # shellcheck disable=SC2046
    apt-get $(deb_opts "$1") update >/dev/null || {
      echo "debian: apt-get update of the $1 lists failed" >&2
      return 1
    }
  fi
}
