# Locates fluxo's dependencies (all Debian 12 packages, see scripts/install-deps.sh).

find_package(Threads REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
# msgpack-c 4.x (header-only): target msgpackc-cxx. Build without Boost.
find_package(msgpack CONFIG REQUIRED)
set_property(TARGET msgpackc-cxx APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS MSGPACK_NO_BOOST)
find_package(GTest CONFIG REQUIRED)
find_package(benchmark CONFIG REQUIRED)
find_package(ZLIB REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)

# zstd, lz4, snappy: Debian ships headers + shared libraries; wrap them in imported targets.
function(fluxo_import_lib target header lib)
  find_path(${target}_INCLUDE ${header} REQUIRED)
  find_library(${target}_LIB ${lib} REQUIRED)
  add_library(${target} UNKNOWN IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION ${${target}_LIB}
    INTERFACE_INCLUDE_DIRECTORIES ${${target}_INCLUDE})
endfunction()
fluxo_import_lib(zstd_lib zstd.h zstd)
fluxo_import_lib(lz4_lib lz4frame.h lz4)
fluxo_import_lib(snappy_lib snappy.h snappy)
fluxo_import_lib(rdkafka_lib librdkafka/rdkafka.h rdkafka)  # benchmarks with a real Kafka client

# CAF 0.17.6 ships no CMake config: wrap it as CAF::core / CAF::io so that a later switch
# to a source-built CAF touches only this block.
find_path(CAF_INCLUDE_DIR caf/all.hpp)
find_library(CAF_CORE_LIB caf_core)
find_library(CAF_IO_LIB caf_io)
if(CAF_INCLUDE_DIR AND CAF_CORE_LIB AND CAF_IO_LIB)
  add_library(CAF::core UNKNOWN IMPORTED GLOBAL)
  set_target_properties(CAF::core PROPERTIES
    IMPORTED_LOCATION ${CAF_CORE_LIB}
    INTERFACE_INCLUDE_DIRECTORIES ${CAF_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES Threads::Threads)
  add_library(CAF::io UNKNOWN IMPORTED GLOBAL)
  set_target_properties(CAF::io PROPERTIES
    IMPORTED_LOCATION ${CAF_IO_LIB}
    INTERFACE_LINK_LIBRARIES CAF::core)
endif()
# libcaf_openssl (same package): mutual TLS on the CAF node port.
find_library(CAF_OPENSSL_LIB caf_openssl)
if(CAF_OPENSSL_LIB)
  add_library(CAF::openssl UNKNOWN IMPORTED GLOBAL)
  set_target_properties(CAF::openssl PROPERTIES
    IMPORTED_LOCATION ${CAF_OPENSSL_LIB}
    INTERFACE_LINK_LIBRARIES "CAF::io;OpenSSL::SSL")
endif()

# cpp-httplib (Debian builds it as a shared library; its pkg-config file carries the feature
# defines the library was built with, which every includer must use too).
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

# OpenSSL 3 (libcrypto: base64 for etcd's JSON gateway; later TLS and SCRAM).
find_package(OpenSSL REQUIRED)
