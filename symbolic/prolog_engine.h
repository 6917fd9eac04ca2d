#pragma once
// The guarded boundary to the embedded SWI-Prolog (STYLE.md, habit 5). Every call into Prolog
// goes through these functions: they initialise SWI-Prolog once per process, load the
// engine's own Prolog source (prolog/gedilog.pl), serialise callers with a mutex, and turn
// Prolog exceptions into gedilog::UserError (with the ProbLog error name and the location) or
// gedilog::InternalError. No SWI-Prolog header leaks out of prolog_engine.cpp.
#include <string>
#include <vector>

#include "symbolic/ground_program.h"
#include "symbolic/program.h"

namespace gedilog::symbolic::prolog {

// Reads a ProbLog program into a fresh Prolog module; returns the module's name.
std::string load_program(const std::string& file);

// Grounds the queries (Prolog text; empty: the program's own query/1 facts) with the
// program's evidence and `evidence`.
GroundProgram ground(const std::string& module, const std::string& file,
                     const std::vector<std::string>& queries, const std::vector<Evidence>& evidence);

// Seconds one grounding may take (0: no limit); Program::set_grounding_seconds.
void set_grounding_seconds(double seconds);

// The template of a query whose variables `inputs` stand for neural inputs (Program::make_template).
QueryTemplate make_template(const std::string& module, const std::string& query,
                            const std::vector<std::string>& inputs, const std::vector<std::string>& evidence,
                            const std::string& location, std::vector<int>& slots);

// A template's query with its argument `argument` (1-based) a fresh variable (Program::open_query).
std::string open_query(const std::string& module, const std::string& query, int argument,
                       const std::string& location);

std::vector<NeuralDeclaration> neural_declarations(const std::string& module);
std::vector<LearnableDeclaration> learnable_declarations(const std::string& module);

// The files the program was read from (its own, then those it consults).
std::vector<std::string> source_files(const std::string& module);

}  // namespace gedilog::symbolic::prolog
