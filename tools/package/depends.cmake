# The package's Depends: the map from each shared library (soname) a
# packaged program may need to its Debian dependency, stated by hand, and
# applied at packaging time (cpack-project.cmake) to the NEEDED entries of
# the built programs (readelf -d); a program that needs a library missing
# from the map stops the packaging. The test package_depends checks the
# finished .deb the same way, and the libc6 version against the glibc
# symbol versions the programs use.
# Names that differ between Debian 12 (bookworm, Raspberry Pi OS legacy) and
# Debian 13 (trixie, current) are alternatives: trixie renamed libpng for
# 64-bit time_t (libpng16-16t64, which provides libpng16-16 on amd64 and
# arm64 but not on armhf). The Pi binaries need glibc 2.36 (bookworm's) at
# most (tools/pi-root-test).
set(SPARK_DEB_SONAME_MAP
  "libc.so.6=libc6 (>= 2.34)"
  "libm.so.6=libc6 (>= 2.34)"
  "libstdc++.so.6=libstdc++6 (>= 12)"
  "libgcc_s.so.1=libgcc-s1 (>= 3.0)"
  "libjpeg.so.62=libjpeg62-turbo (>= 1:2.1.5)"
  "libpng16.so.16=libpng16-16t64 | libpng16-16 (>= 1.6.39)"
  "libfreetype.so.6=libfreetype6 (>= 2.12.1)"
  "libqrencode.so.4=libqrencode4 (>= 4.1.1)"
  "libz.so.1=zlib1g (>= 1:1.2.13)"
  "libSDL2-2.0.so.0=libsdl2-2.0-0 (>= 2.26.5)")

# Files, not libraries, the default configuration needs: the system's CA
# bundle ([api] ca_file empty: /etc/ssl/certs/ca-certificates.crt) and the
# DejaVu fonts ([display] font, bold_font).
set(SPARK_DEB_FILE_DEPENDS "ca-certificates" "fonts-dejavu-core")
