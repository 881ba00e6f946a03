# sparkcam-probe's buttons / press / displays / led subcommands as a small
# library; include() this from tools/sparkcam-probe/CMakeLists.txt (tests
# include it too, hence the guard) and link spark_probe_io.
include_guard(GLOBAL)
add_library(spark_probe_io STATIC ${CMAKE_CURRENT_LIST_DIR}/io_cmds.cpp)
target_include_directories(spark_probe_io PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(spark_probe_io PUBLIC spark_platform_linux PRIVATE spark_warnings)
