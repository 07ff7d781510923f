# ingestd_add_library(NAME <name> SRCS <files...> DEPS <targets...> [SYSTEM_INCLUDES <dirs...>])
#
# Every ingestd target gets the same shape (Abseil's absl_cc_library idea):
# C++20, includes rooted at the repository, the project's warnings, and
# -Werror when INGESTD_WERROR is on.
function(ingestd_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow)
  if(INGESTD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(INGESTD_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(INGESTD_BUILD_FUZZ AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # A fuzz build instruments every ingestd target (core above all) for
    # libFuzzer's coverage feedback; only the fuzzers themselves link the
    # libFuzzer runtime (tests/fuzz/CMakeLists.txt). Use a separate build
    # directory for it: see tests/fuzz/README.md.
    target_compile_options(${target} PRIVATE
      -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

function(ingestd_add_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;PUBLIC_DEPS;SYSTEM_INCLUDES" ${ARGN})
  add_library(${ARG_NAME} STATIC ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  if(ARG_SYSTEM_INCLUDES)
    target_include_directories(${ARG_NAME} SYSTEM PUBLIC ${ARG_SYSTEM_INCLUDES})
  endif()
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_DEPS})
  ingestd_target_defaults(${ARG_NAME})
endfunction()

function(ingestd_add_executable)
  cmake_parse_arguments(ARG "" "NAME;OUTPUT_NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  if(ARG_OUTPUT_NAME)
    set_target_properties(${ARG_NAME} PROPERTIES OUTPUT_NAME ${ARG_OUTPUT_NAME})
  endif()
  ingestd_target_defaults(${ARG_NAME})
endfunction()

# ingestd_test_target(<target>)
#
# Test binaries are most of the build (about 85 % of CI's compile time):
# their code is compiled without optimization or debug info (about three
# times faster; the libraries they test keep the build type's flags, so the
# code under test is the code that ships) and with gtest/gmock precompiled.
# -DINGESTD_FAST_TEST_BUILD=OFF compiles them like everything else (to debug
# a test in gdb).
option(INGESTD_FAST_TEST_BUILD "Compile test code with -O0 -g0 and precompiled gtest headers" ON)
function(ingestd_test_target target)
  if(INGESTD_FAST_TEST_BUILD AND NOT INGESTD_SANITIZE)
    target_compile_options(${target} PRIVATE -O0 -g0)
    target_precompile_headers(${target} PRIVATE <gmock/gmock.h> <gtest/gtest.h> <string> <vector> <memory>
                              <map> <functional>)
  endif()
endfunction()
