# Every dependency is a Debian package found by CMake; nothing is vendored or downloaded.
find_package(xtl REQUIRED)
find_package(xtensor REQUIRED)
find_package(xtensor-blas REQUIRED)
find_package(xsimd REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(Boost REQUIRED COMPONENTS program_options)
include(${CMAKE_CURRENT_LIST_DIR}/SeqrlFindOpenBLAS.cmake)
