# The layering, enforced by the compiler: each layer's library sees, as its include folder,
# build/layers/<layer>/ holding links to its own source folder and to those of the layers it
# builds on (allowed_<layer>, from check_layers.cmake) and nothing else, so a neural/ source
# that includes "symbolic/..." does not compile. The folder is PUBLIC: a layer above gets the
# ones below along with its own.
#   gedilog_layer_includes(TARGET LAYER [INTERFACE])
function(gedilog_layer_includes target layer)
  set(folder ${CMAKE_BINARY_DIR}/layers/${layer})
  file(MAKE_DIRECTORY ${folder})
  foreach(visible ${layer} ${allowed_${layer}})
    if(NOT EXISTS ${folder}/${visible})
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${visible} ${folder}/${visible} SYMBOLIC)
    endif()
  endforeach()
  if(ARGN STREQUAL "INTERFACE")
    target_include_directories(${target} INTERFACE ${folder})
  else()
    target_include_directories(${target} PUBLIC ${folder})
  endif()
endfunction()
