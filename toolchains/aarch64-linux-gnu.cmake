# Raspberry Pi 3/4/5 and Zero 2 W with a 64-bit OS (Raspberry Pi OS bookworm
# arm64), built with Debian's g++-aarch64-linux-gnu and :arm64 libraries.
# Test binaries run under qemu-aarch64. Needs glibc >= 2.34 on the device.
# See linux-cross-common.cmake for using a Raspberry Pi OS sysroot instead.
set(SPARK_TRIPLET aarch64-linux-gnu)
set(SPARK_PROCESSOR aarch64)
set(SPARK_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross-common.cmake)
