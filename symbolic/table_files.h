#pragma once
// Tables read from files: CSV (libcsv) and SQLite databases. ProbLog's library(db) turns them
// into facts (csv_load/2, sqlite_load/1; gedilog.pl), and tasks defined by files read their
// examples from CSV (tasks/file_task.h). Errors name the file, and the line where one applies.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace gedilog::symbolic {

struct CsvRow {
  int line = 0;  // where the row begins (1-based)
  std::vector<std::string> fields;
};

// Every row of a CSV file. strict: RFC 4180 (a quote inside an unquoted field, or text after a
// closing quote, is a ParseError at its line); otherwise as Python's csv module reads what
// ProbLog reads: `"ann"  ,` is the field ann. Blank lines give no row. FileNotFound when the
// file cannot be opened.
std::vector<CsvRow> read_csv_rows(const std::string& file, bool strict);

// A value of an SQLite column: NULL, INTEGER, REAL or TEXT (BLOBs are read as their bytes).
using SqlValue = std::variant<std::monostate, std::int64_t, double, std::string>;

struct SqlTable {
  std::string name;
  std::vector<std::string> columns;
  std::vector<std::vector<SqlValue>> rows;  // in rowid order
};

// Every table of an SQLite database (sqlite_master's, internal sqlite_* tables left out), in
// name order. Opened read-only: FileNotFound when it does not exist, ParseError when it is no
// database.
std::vector<SqlTable> read_sqlite_tables(const std::string& file);

}  // namespace gedilog::symbolic
