#include "symbolic/program.h"

#include "symbolic/prolog_engine.h"

namespace gedilog::symbolic {

Program Program::load(const std::string& file) {
  Program program;
  program.file_ = file;
  program.module_ = prolog::load_program(file);
  program.neural_ = prolog::neural_declarations(program.module_);
  program.sources_ = prolog::source_files(program.module_);
  return program;
}

GroundProgram Program::ground() const { return ground({}); }

GroundProgram Program::ground(const std::vector<std::string>& queries) const {
  return prolog::ground(module_, file_, queries);
}

}  // namespace gedilog::symbolic
