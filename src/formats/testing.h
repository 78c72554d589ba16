// Helpers for the formats tests only: a unique scratch directory per test, and whole-file reads.
#ifndef ARBITER_FORMATS_TESTING_H_
#define ARBITER_FORMATS_TESTING_H_

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "model/strings.h"

namespace arbiter::testing {

// A fresh directory under ::testing::TempDir(), named after the running test and this process,
// removed with everything in it when the object goes away.
class ScratchDir {
 public:
  ScratchDir() {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    static int counter = 0;
    path_ = std::filesystem::path(::testing::TempDir()) /
            StrCat("arbiter-formats-", info ? info->test_suite_name() : "none", ".",
                   info ? info->name() : "none", "-", ::getpid(), "-", counter++);
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string File(std::string_view name) const { return (path_ / name).string(); }

  // Writes `contents` to `name` inside the directory and returns its full path.
  std::string Write(std::string_view name, std::string_view contents) const {
    const std::string file = File(name);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.close();
    EXPECT_TRUE(out.good()) << "cannot write " << file;
    return file;
  }

 private:
  std::filesystem::path path_;
};

// The whole contents of `path` ("" if it cannot be read; the test then fails on its contents).
inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The first `n` lines of `text`, each with its '\n'.
inline std::string FirstLines(std::string_view text, int n) {
  size_t end = 0;
  for (int i = 0; i < n && end < text.size(); ++i) {
    const size_t nl = text.find('\n', end);
    end = nl == std::string_view::npos ? text.size() : nl + 1;
  }
  return std::string(text.substr(0, end));
}

}  // namespace arbiter::testing

#endif  // ARBITER_FORMATS_TESTING_H_
