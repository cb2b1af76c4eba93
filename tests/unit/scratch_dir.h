// A fresh directory for one test under $TMPDIR (or /tmp), removed with everything in it
// when the test ends. mkdtemp makes it unique, so tests CTest runs side by side (-j) never
// share one, and a failed run leaves nothing for the next to trip on.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& what = "test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / ("xship-" + what + "-XXXXXX")).string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp " + tmpl + " failed");
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::string operator/(const std::string& rel) const { return (path_ / rel).string(); }
  // Writes `content` to REL below the directory, making its parents; returns the full path.
  std::string write(const std::string& rel, const std::string& content) const {
    std::filesystem::create_directories((path_ / rel).parent_path());
    std::ofstream(path_ / rel, std::ios::binary | std::ios::trunc) << content;
    return (path_ / rel).string();
  }

 private:
  std::filesystem::path path_;
};
