#include "symbolic/table_files.h"

#include <csv.h>
#include <sqlite3.h>

#include <fstream>
#include <memory>

#include "core/error.h"

namespace gedilog::symbolic {

namespace {

// libcsv's callbacks collect the fields of a row, and the rows with the line each began on.
struct Collector {
  std::vector<CsvRow> rows;
  CsvRow row;
  int line = 0;
};

void on_field(void* text, std::size_t size, void* data) {
  auto* c = static_cast<Collector*>(data);
  if (c->row.fields.empty()) c->row.line = c->line;
  c->row.fields.emplace_back(static_cast<const char*>(text), size);
}

void on_row(int, void* data) {
  auto* c = static_cast<Collector*>(data);
  c->rows.push_back(std::move(c->row));
  c->row = CsvRow{};
}

}  // namespace

std::vector<CsvRow> read_csv_rows(const std::string& file, bool strict) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UserError("FileNotFound", file, "cannot open " + file);
  csv_parser parser;
  if (csv_init(&parser, CSV_APPEND_NULL | (strict ? CSV_STRICT | CSV_STRICT_FINI : 0)) != 0)
    throw InternalError("libcsv: cannot initialise");
  const std::unique_ptr<csv_parser, void (*)(csv_parser*)> owned(&parser, csv_free);
  Collector c;
  std::string line;
  while (std::getline(in, line)) {
    ++c.line;
    line += '\n';
    if (csv_parse(&parser, line.data(), line.size(), on_field, on_row, &c) != line.size())
      throw UserError("ParseError", file + ":" + std::to_string(c.line), std::string("CSV: ") + csv_strerror(csv_error(&parser)));
  }
  if (csv_fini(&parser, on_field, on_row, &c) != 0)
    throw UserError("ParseError", file + ":" + std::to_string(c.line), "CSV: unterminated quote");
  return c.rows;
}

namespace {

using Database = std::unique_ptr<sqlite3, int (*)(sqlite3*)>;
using Statement = std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)>;

Statement prepare(sqlite3* db, const std::string& sql, const std::string& file) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
    throw UserError("ParseError", file, std::string("SQLite: ") + sqlite3_errmsg(db));
  return {s, sqlite3_finalize};
}

std::string text_column(sqlite3_stmt* s, int i) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

// An identifier quoted for SQL ("a""b").
std::string quoted(const std::string& name) {
  std::string out = "\"";
  for (char ch : name) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

}  // namespace

std::vector<SqlTable> read_sqlite_tables(const std::string& file) {
  if (!std::ifstream(file)) throw UserError("FileNotFound", file, "cannot open database " + file);
  sqlite3* raw = nullptr;
  const int opened = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  Database db(raw, sqlite3_close);
  if (opened != SQLITE_OK)
    throw UserError("ParseError", file, std::string("SQLite: ") + (raw ? sqlite3_errmsg(raw) : "cannot open"));
  std::vector<SqlTable> tables;
  {
    Statement names = prepare(db.get(),
                              "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
                              "ESCAPE '\\' ORDER BY name",
                              file);
    int step;
    while ((step = sqlite3_step(names.get())) == SQLITE_ROW) tables.push_back({text_column(names.get(), 0), {}, {}});
    if (step != SQLITE_DONE) throw UserError("ParseError", file, std::string("SQLite: ") + sqlite3_errmsg(db.get()));
  }
  for (SqlTable& t : tables) {
    Statement rows = prepare(db.get(), "SELECT * FROM " + quoted(t.name), file);
    const int n = sqlite3_column_count(rows.get());
    for (int i = 0; i < n; ++i) t.columns.emplace_back(sqlite3_column_name(rows.get(), i));
    int step;
    while ((step = sqlite3_step(rows.get())) == SQLITE_ROW) {
      std::vector<SqlValue>& row = t.rows.emplace_back();
      for (int i = 0; i < n; ++i) switch (sqlite3_column_type(rows.get(), i)) {
          case SQLITE_NULL: row.emplace_back(std::monostate{}); break;
          case SQLITE_INTEGER: row.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(rows.get(), i))); break;
          case SQLITE_FLOAT: row.emplace_back(sqlite3_column_double(rows.get(), i)); break;
          default: row.emplace_back(text_column(rows.get(), i));
        }
    }
    if (step != SQLITE_DONE) throw UserError("ParseError", file, "SQLite: table " + t.name + ": " + sqlite3_errmsg(db.get()));
  }
  return tables;
}

}  // namespace gedilog::symbolic
