#include "formats/parse.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/strings.h"

namespace arbiter {

absl::Status ParseError(const SourcePos& pos, std::string_view problem, std::string_view expected) {
  std::string msg(pos.file);
  if (pos.line > 0) StrAppend(&msg, ":", pos.line);
  StrAppend(&msg, ": ");
  if (!pos.field.empty()) StrAppend(&msg, pos.field, ": ");
  StrAppend(&msg, problem);
  if (!expected.empty()) StrAppend(&msg, "; expected ", expected);
  return absl::InvalidArgumentError(msg);
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

std::optional<double> ParseDouble(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

absl::StatusOr<int64_t> ParseIntField(std::string_view text, const SourcePos& pos, int64_t min,
                                      int64_t max) {
  std::optional<int64_t> v = ParseInt(text);
  const std::string range = min == INT64_MIN   ? "an integer"
                            : max == INT64_MAX ? StrCat("an integer >= ", min)
                                               : StrCat("an integer in [", min, ", ", max, "]");
  if (!v) return ParseError(pos, StrCat("'", text, "' is not an integer"), range);
  if (*v < min || *v > max) return ParseError(pos, StrCat(*v, " is out of range"), range);
  return *v;
}

absl::StatusOr<double> ParseDoubleField(std::string_view text, const SourcePos& pos, double min,
                                        double max) {
  std::optional<double> v = ParseDouble(text);
  const std::string range = StrCat("a number in [", min, ", ", max, "]");
  if (!v) return ParseError(pos, StrCat("'", text, "' is not a number"), range);
  if (*v < min || *v > max) return ParseError(pos, StrCat(*v, " is out of range"), range);
  return *v;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    if (err == ENOENT) return absl::NotFoundError(StrCat(path, ": no such file"));
    return absl::PermissionDeniedError(StrCat(path, ": cannot be opened: ", std::strerror(err)));
  }
  if (std::filesystem::is_directory(path)) {
    return absl::InvalidArgumentError(StrCat(path, ": is a directory, expected a file"));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string ResolvePath(std::string_view relative_to, std::string_view path) {
  const std::filesystem::path p(path);
  if (p.is_absolute()) return std::string(path);
  return (std::filesystem::path(relative_to).parent_path() / p).lexically_normal().string();
}

}  // namespace arbiter
