#include "symbolic/program.h"

#include "symbolic/prolog_engine.h"

namespace gedilog::symbolic {

Program Program::load(const std::string& file) {
  Program program;
  program.file_ = file;
  program.module_ = prolog::load_program(file);
  program.neural_ = prolog::neural_declarations(program.module_);
  program.learnable_ = prolog::learnable_declarations(program.module_);
  program.sources_ = prolog::source_files(program.module_);
  return program;
}

GroundProgram Program::ground() const { return ground({}); }

void Program::set_grounding_seconds(double seconds) { prolog::set_grounding_seconds(seconds); }

GroundProgram Program::ground(const std::vector<std::string>& queries, const std::vector<Evidence>& evidence) const {
  return prolog::ground(module_, file_, queries, evidence);
}

QueryTemplate Program::make_template(const std::string& query, const std::vector<std::string>& inputs,
                                     const std::vector<std::string>& evidence, const std::string& location,
                                     std::vector<int>& slots) const {
  return prolog::make_template(module_, query, inputs, evidence, location, slots);
}

std::string QueryTemplate::key() const {
  std::string k = query;
  for (const Evidence& e : evidence) k += std::string(" | ") + (e.value ? "" : "\\+") + e.goal;
  return k;
}

std::string Program::open_query(const std::string& query, int argument, const std::string& location) const {
  return prolog::open_query(module_, query, argument, location);
}

}  // namespace gedilog::symbolic
