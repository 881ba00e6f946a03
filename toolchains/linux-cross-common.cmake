# Shared by the Raspberry Pi cross toolchain files: Debian 12's cross
# compiler for SPARK_TRIPLET (so the binaries need glibc 2.36 at most and run
# on Raspberry Pi OS bookworm and trixie alike), Debian 12's multiarch
# libjpeg-turbo and libpng (the same sonames, libjpeg.so.62 and
# libpng16.so.16, as trixie's), mbedTLS 3.6 linked statically from
# tools/bootstrap's build (the top CMakeLists.txt finds it), and qemu-user
# as the emulator that runs the target's test binaries. tools/pi-root-test
# also runs them inside Debian 13 roots.
#
# Inputs (set by the including file): SPARK_TRIPLET, SPARK_PROCESSOR,
# SPARK_QEMU (qemu-aarch64 | qemu-arm).
#
# A real Raspberry Pi OS sysroot instead of Debian's multiarch packages:
#   cmake --preset rpi-aarch64 -DCMAKE_SYSROOT=/path/to/rpi-sysroot
# where the sysroot is a copy of the Pi's /usr and /lib (e.g. made with
# `rsync -aR pi:/usr/include pi:/usr/lib pi:/lib` after installing the -dev
# packages of tools/bootstrap --help on the Pi). Its libraries are then used
# for linking and as qemu's -L prefix, so binaries match the Pi's glibc.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${SPARK_PROCESSOR})
set(CMAKE_C_COMPILER ${SPARK_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${SPARK_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${SPARK_TRIPLET})

# Unpacked -dev packages that apt cannot install beside the host's
# (tools/bootstrap): the armhf ones on a day the armhf archive index is
# broken.
set(SPARK_OVERLAY /usr/local/lib/sparkcam-overlay/${SPARK_TRIPLET})

if(CMAKE_SYSROOT)
  set(CMAKE_FIND_ROOT_PATH ${CMAKE_SYSROOT})
  set(_spark_qemu_prefix ${CMAKE_SYSROOT})
else()
  # "/" is needed: Debian's multiarch headers (mbedtls/, jpeglib.h) live in
  # /usr/include and the libraries in /usr/lib/<triplet>.
  set(CMAKE_FIND_ROOT_PATH / /usr/${SPARK_TRIPLET})
  set(_spark_qemu_prefix /usr/${SPARK_TRIPLET})
  if(EXISTS ${SPARK_OVERLAY})
    list(PREPEND CMAKE_FIND_ROOT_PATH ${SPARK_OVERLAY})
    # jconfig.h is per architecture, in include/<triplet>,
    # which the compiler searches only under its own prefix.
    set(CMAKE_C_FLAGS_INIT "-isystem ${SPARK_OVERLAY}/usr/include/${SPARK_TRIPLET}")
    set(CMAKE_CXX_FLAGS_INIT "-isystem ${SPARK_OVERLAY}/usr/include/${SPARK_TRIPLET}")
    set(CMAKE_EXE_LINKER_FLAGS_INIT
        "-Wl,-rpath-link,${SPARK_OVERLAY}/usr/lib/${SPARK_TRIPLET}:${SPARK_OVERLAY}/lib/${SPARK_TRIPLET}:/usr/lib/${SPARK_TRIPLET}:/lib/${SPARK_TRIPLET}")
  endif()
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${SPARK_TRIPLET}/pkgconfig:/usr/share/pkgconfig")

# binfmt_misc is not mounted on these machines: run test binaries through
# qemu-user explicitly. -L finds the target's dynamic loader and libstdc++.
# The libc must come from the same place as that loader: the multiarch
# libc6:arm64/armhf (pulled in by the -dev packages) is a newer Debian
# revision than the cross toolchain's, and that mismatched pair hangs
# (aarch64) or crashes (armhf) in pthread_create. LD_LIBRARY_PATH puts the
# cross libc first; the other libraries still come from multiarch.
find_program(SPARK_QEMU_PATH ${SPARK_QEMU})
if(NOT SPARK_QEMU_PATH)
  message(FATAL_ERROR "sparkcam: ${SPARK_QEMU} not found: install qemu-user (run tools/bootstrap)")
endif()
set(_spark_qemu_libs ${_spark_qemu_prefix}/lib)
if(NOT CMAKE_SYSROOT)
  foreach(_d ${SPARK_OVERLAY}/usr/lib/${SPARK_TRIPLET} ${SPARK_OVERLAY}/lib/${SPARK_TRIPLET})
    if(EXISTS ${_d})
      string(APPEND _spark_qemu_libs ":${_d}")
    endif()
  endforeach()
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR ${SPARK_QEMU_PATH} -L ${_spark_qemu_prefix}
    -E LD_LIBRARY_PATH=${_spark_qemu_libs})
