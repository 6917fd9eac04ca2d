# `gedilog train CONFIG --set S... --out DIR` then `gedilog eval DIR`: both exit 0, and eval's
# JSON holds the key EXPECT (every kind of run goes through one dispatcher, tasks/run_experiment.h).
# cmake -DGEDILOG=bin -DCONFIG=file "-DSETS=a.b=1;c.d=2" -DDIR=dir -DEXPECT=key -P train_then_eval.cmake
file(REMOVE_RECURSE ${DIR})
set(args)
foreach(s IN LISTS SETS)
  list(APPEND args --set ${s})
endforeach()
execute_process(COMMAND ${GEDILOG} train ${CONFIG} ${args} --out ${DIR}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gedilog train: exit status ${rc}\n${out}\n${err}")
endif()
execute_process(COMMAND ${GEDILOG} eval ${DIR} OUTPUT_VARIABLE evaluated ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gedilog eval: exit status ${rc}\n${evaluated}\n${err}")
endif()
if(NOT evaluated MATCHES "\"${EXPECT}\"")
  message(FATAL_ERROR "gedilog eval printed no \"${EXPECT}\":\n${evaluated}")
endif()
# A finished run is not continued: --resume refuses it, and leaves it as it was.
execute_process(COMMAND ${GEDILOG} train --resume ${DIR} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 1 OR NOT err MATCHES "RunExists")
  message(FATAL_ERROR "gedilog train --resume of a finished run: exit status ${rc}\n${out}\n${err}")
endif()
execute_process(COMMAND ${GEDILOG} eval ${DIR} OUTPUT_VARIABLE again RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT again STREQUAL evaluated)
  message(FATAL_ERROR "gedilog eval after a refused --resume: exit status ${rc}\n${again}")
endif()
