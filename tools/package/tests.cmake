# The package's tests (label "package"): built by cpack in a fixture, then
# lintian, Depends against the binaries, systemd-analyze verify/security,
# and for the Pi targets an install and upgrade inside a Debian 13 root and
# tools/deploy over ssh on loopback. Included by tools/package/CMakeLists.txt.
if(NOT SPARKCAM_TESTS)
  return()
endif()
math(EXPR _next_patch "${PROJECT_VERSION_PATCH} + 1")
set(SPARK_DEB_NEXT_VERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}.${_next_patch})
set(SPARK_DEB_NEXT
    ${PROJECT_BINARY_DIR}/package-next/sparkcam_${SPARK_DEB_NEXT_VERSION}_${SPARK_DEB_ARCH}.deb)
set(_pkg ${CMAKE_CURRENT_SOURCE_DIR})

# Version N (the project's) and N+1 (for the upgrade test, same files).
add_test(NAME package_deb_build
         COMMAND ${CMAKE_CPACK_COMMAND} --config ${PROJECT_BINARY_DIR}/CPackConfig.cmake)
add_test(NAME package_deb_build_next
         COMMAND ${CMAKE_CPACK_COMMAND} --config ${PROJECT_BINARY_DIR}/CPackConfig.cmake
                 -D CPACK_PACKAGE_VERSION=${SPARK_DEB_NEXT_VERSION} -B ${PROJECT_BINARY_DIR}/package-next)
set_tests_properties(package_deb_build PROPERTIES FIXTURES_SETUP spark_deb
                     WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
set_tests_properties(package_deb_build_next PROPERTIES FIXTURES_SETUP spark_deb_next
                     FIXTURES_REQUIRED spark_deb WORKING_DIRECTORY ${PROJECT_BINARY_DIR})

add_test(NAME package_lintian COMMAND ${_pkg}/lintian-check ${SPARK_DEB})
add_test(NAME package_depends COMMAND ${_pkg}/check-deb ${SPARK_DEB})
add_test(NAME package_checks_refuse_defects
         COMMAND ${_pkg}/check-selftest ${SPARK_DEB} $<TARGET_FILE:spark-edit>)
add_test(NAME package_systemd_verify COMMAND ${_pkg}/systemd-check verify ${SPARK_DEB})
add_test(NAME package_systemd_security COMMAND ${_pkg}/systemd-check security ${SPARK_DEB})
set(_pkg_tests package_lintian package_depends package_checks_refuse_defects
               package_systemd_verify package_systemd_security)
set_tests_properties(${_pkg_tests} PROPERTIES FIXTURES_REQUIRED spark_deb TIMEOUT 300)

if(CMAKE_CROSSCOMPILING)
  add_test(NAME package_root_install_trixie
           COMMAND ${_pkg}/root-install-test ${SPARK_DEB_ARCH} ${SPARK_DEB} ${SPARK_DEB_NEXT})
  set_tests_properties(package_root_install_trixie PROPERTIES
                       FIXTURES_REQUIRED "spark_deb;spark_deb_next" TIMEOUT 600
                       SKIP_RETURN_CODE 77 RESOURCE_LOCK spark_deb_root)
  list(APPEND _pkg_tests package_root_install_trixie)
  if(SPARK_DEB_ARCH STREQUAL "arm64")
    add_test(NAME package_deploy_loopback_ssh
             COMMAND ${_pkg}/deploy-test ${SPARK_DEB_ARCH} ${SPARK_DEB})
    set_tests_properties(package_deploy_loopback_ssh PROPERTIES
                         FIXTURES_REQUIRED spark_deb TIMEOUT 600 SKIP_RETURN_CODE 77
                         RESOURCE_LOCK spark_deb_root)
    list(APPEND _pkg_tests package_deploy_loopback_ssh)
  endif()
endif()
set_tests_properties(package_deb_build package_deb_build_next ${_pkg_tests}
                     PROPERTIES LABELS package)
