# seqrl_add_library(<folder> SOURCES ... DEPS ...): the compiled library seqrl::<folder> with its
# public headers in <folder>/include/seqrl/<folder>/.
function(seqrl_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(seqrl_${name} STATIC ${ARG_SOURCES})
  add_library(seqrl::${name} ALIAS seqrl_${name})
  set_target_properties(seqrl_${name} PROPERTIES EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
  target_include_directories(seqrl_${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(seqrl_${name} PUBLIC ${ARG_DEPS} PRIVATE $<BUILD_INTERFACE:seqrl_flags>)
endfunction()
