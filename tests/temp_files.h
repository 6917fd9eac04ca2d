#pragma once
// A temporary folder for the programs a test writes, removed with the object.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace gedilog::testing {

class TempFiles {
 public:
  explicit TempFiles(const std::string& prefix)
      : dir_(std::filesystem::temp_directory_path() /
             (prefix + "_" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir_);
  }
  ~TempFiles() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempFiles(const TempFiles&) = delete;
  TempFiles& operator=(const TempFiles&) = delete;

  // Writes text to the file `name` in the folder; returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::string file = path(name);
    std::ofstream(file) << text;
    return file;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  std::filesystem::path dir_;
};

}  // namespace gedilog::testing
