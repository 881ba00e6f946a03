# Sourced by tools/bootstrap and tools/pi-root: Debian 13 (trixie) packages
# through the ordinary apt client with a private sources list and state under
# $DEB13_DIR, so the build machine's own apt configuration stays untouched.
# The archive is the one this machine's apt already uses for Debian 12.
DEB13_DIR=${DEB13_DIR:-/var/cache/sparkcam/debian13}

deb13_opts() {  # apt options; $1 = the architecture to resolve for (default amd64)
  echo "-o Dir::Etc::sourcelist=$DEB13_DIR/sources.list -o Dir::Etc::sourceparts=-" \
       "-o Dir::State::Lists=$DEB13_DIR/lists -o Dir::Cache=$DEB13_DIR/cache" \
       "-o Dir::State::status=$DEB13_DIR/status -o Debug::NoLocking=1" \
       "-o APT::Architectures=amd64,arm64,armhf -o APT::Architecture=${1:-amd64}" \
       "-o APT::Sandbox::User=root -q"
}

# deb13_setup: writes the sources list (binary and source) once, updates the
# lists when they are missing or older than a day.
deb13_setup() {
  local uri
  mkdir -p "$DEB13_DIR/lists/partial" "$DEB13_DIR/cache/archives/partial"
  touch "$DEB13_DIR/status"
  if [ ! -s "$DEB13_DIR/sources.list" ]; then
    uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
          awk '$2 == "bookworm" { print $1; exit }')
    if [ -z "$uri" ]; then
      echo "debian13: this machine's apt has no Debian 12 (bookworm) archive to take the address from" >&2
      return 1
    fi
    printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' "$uri" >"$DEB13_DIR/sources.list"
    printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' "$uri" >>"$DEB13_DIR/sources.list"
  fi
  if [ -z "$(find "$DEB13_DIR/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -n1)" ]; then
    # shellcheck disable=SC2046
    apt-get $(deb13_opts) update >/dev/null || {
      echo "debian13: apt-get update of the Debian 13 lists failed" >&2
      return 1
    }
  fi
}
