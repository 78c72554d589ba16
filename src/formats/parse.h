// Small, strict parsing helpers shared by every reader, and the one shape of a parse error:
//   "<file>:<line>: <field>: <what was wrong>; expected <what was expected>"
#ifndef ARBITER_FORMATS_PARSE_H_
#define ARBITER_FORMATS_PARSE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace arbiter {

// Where a value came from, for error messages. `line` 0 means "the whole file".
struct SourcePos {
  std::string_view file;
  int64_t line = 0;
  std::string_view field;  // may be empty
};

absl::Status ParseError(const SourcePos& pos, std::string_view problem,
                        std::string_view expected = {});

// Whole-string parses; no leading/trailing junk, no locale.
std::optional<int64_t> ParseInt(std::string_view text);
std::optional<double> ParseDouble(std::string_view text);

// Parses and checks min <= value <= max, with a located error otherwise.
absl::StatusOr<int64_t> ParseIntField(std::string_view text, const SourcePos& pos,
                                      int64_t min = INT64_MIN, int64_t max = INT64_MAX);
absl::StatusOr<double> ParseDoubleField(std::string_view text, const SourcePos& pos,
                                        double min = -1e300, double max = 1e300);

// Reads a whole file into a string, or NotFound/PermissionDenied naming the file.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Resolves `path` against the directory of `relative_to` (a file), unless `path` is absolute.
std::string ResolvePath(std::string_view relative_to, std::string_view path);

}  // namespace arbiter

#endif  // ARBITER_FORMATS_PARSE_H_
