# Raspberry Pi 2/3/4/Zero 2 W with a 32-bit OS (Raspberry Pi OS bookworm
# armhf), built with Debian's g++-arm-linux-gnueabihf and :armhf libraries.
# Test binaries run under qemu-arm.
#
# Debian's armhf is ARMv7-A with VFPv3-D16: its binaries die with "Illegal
# instruction" on the ARMv6 Pi 1, Zero and Zero W. For those, build on the
# device, or with Raspberry Pi's own ARMv6 toolchain and a Raspberry Pi OS
# sysroot (-DCMAKE_SYSROOT=..., and CMAKE_C/CXX_COMPILER pointed at that
# toolchain). See linux-cross-common.cmake.
set(SPARK_TRIPLET arm-linux-gnueabihf)
set(SPARK_PROCESSOR armv7l)
set(SPARK_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross-common.cmake)

# A 64-bit time_t, the ABI of Raspberry Pi OS trixie's armhf (Debian's t64
# transition): no year-2038 overflow in clocks, certificate dates or file
# times. glibc has the 64-bit time functions since 2.34, so the binaries still
# run on bookworm (2.36). tools/mbedtls/build compiles mbedTLS the same way.
string(APPEND CMAKE_C_FLAGS_INIT " -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64")
string(APPEND CMAKE_CXX_FLAGS_INIT " -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64")
