# fluxo_target_warnings(<target>): strict warnings for fluxo's own code, errors unless
# FLUXO_WERROR is OFF. Third-party headers are included as SYSTEM, so they do not trip this.
function(fluxo_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wnon-virtual-dtor -Wimplicit-fallthrough)
  # GCC 12 reports false -Wrestrict positives inside libstdc++ for `"a" + std::to_string(i)`
  # at -O3 (GCC bug 105329); keep it from failing the build. (Clang, for make fuzz, has no such flag.)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(FLUXO_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
