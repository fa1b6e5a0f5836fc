# OpenBLAS ships only variables (OpenBLASConfig.cmake); wrap them in the imported target
# seqrl_openblas so that the libraries can link it by name (also used by seqrlConfig.cmake).
if(NOT TARGET seqrl_openblas)
  find_package(OpenBLAS CONFIG REQUIRED)
  add_library(seqrl_openblas INTERFACE IMPORTED)
  set_target_properties(seqrl_openblas PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${OpenBLAS_INCLUDE_DIRS}"
    INTERFACE_LINK_LIBRARIES "${OpenBLAS_LIBRARIES}")
endif()
