# Project helpers: one library target per module, one ctest entry per test binary, and the
# BPF object -> skeleton pipeline.

# wisp_add_module(NAME SOURCES ... [DEPS ...])
# A static library whose includes are rooted at the repository.
function(wisp_add_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${M_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_link_libraries(${name} PUBLIC ${M_DEPS})
  target_compile_options(${name} PRIVATE ${WISP_WARNINGS})
endfunction()

# wisp_add_test(NAME SOURCES ... [DEPS ...] [LABELS ...] [GTEST])
# GTEST: every case becomes its own ctest entry. Otherwise the binary is one entry that exits 77
# when it cannot run here (ctest reports it as skipped).
function(wisp_add_test name)
  cmake_parse_arguments(T "GTEST;SERIAL" "TIMEOUT" "SOURCES;DEPS;LABELS;ARGS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_compile_options(${name} PRIVATE ${WISP_WARNINGS})
  target_compile_definitions(${name} PRIVATE
    WISP_SOURCE_DIR="${PROJECT_SOURCE_DIR}" WISP_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  if(T_GTEST)
    target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main)
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
      PROPERTIES LABELS "${T_LABELS}" SKIP_RETURN_CODE 77 TIMEOUT ${T_TIMEOUT}
                 RUN_SERIAL ${T_SERIAL})
  else()
    target_link_libraries(${name} PRIVATE ${T_DEPS})
    add_test(NAME ${name} COMMAND ${name} ${T_ARGS})
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" SKIP_RETURN_CODE 77
                         TIMEOUT ${T_TIMEOUT} RUN_SERIAL ${T_SERIAL})
  endif()
endfunction()

# wisp_add_bpf_skeleton(NAME): compiles bpf/NAME.bpf.c against the running kernel's BTF
# (vmlinux.h), strips DWARF (keeping .BTF), and generates ${WISP_BPF_OUT}/NAME.skel.h.
# Returns the skeleton path in NAME_SKEL.
function(wisp_add_bpf_skeleton name)
  set(src ${PROJECT_SOURCE_DIR}/bpf/${name}.bpf.c)
  set(obj ${WISP_BPF_OUT}/${name}.bpf.o)
  set(skel ${WISP_BPF_OUT}/${name}.skel.h)
  add_custom_command(OUTPUT ${obj}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Wextra -Werror
            -Wno-unused-parameter -I${WISP_BPF_OUT} -I${PROJECT_SOURCE_DIR}
            -MD -MF ${obj}.d -c ${src} -o ${obj}
    DEPENDS ${src} ${WISP_BPF_OUT}/vmlinux.h
    DEPFILE ${obj}.d
    COMMENT "BPF ${name}.bpf.c"
    VERBATIM)
  add_custom_command(OUTPUT ${skel}
    COMMAND ${LLVM_STRIP} -g ${obj} -o ${obj}.stripped
    COMMAND sh -c "${BPFTOOL} gen skeleton ${obj}.stripped name ${name}_bpf > ${skel}.tmp && mv ${skel}.tmp ${skel}"
    DEPENDS ${obj}
    COMMENT "skeleton ${name}.skel.h"
    VERBATIM)
  set(${name}_SKEL ${skel} PARENT_SCOPE)
endfunction()
