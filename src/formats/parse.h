// Small, strict parsing helpers shared by every reader, and the one shape of a parse error:
//   "<file>:<line>: <field>: <what was wrong>; expected <what was expected>"
#ifndef ARBITER_FORMATS_PARSE_H_
#define ARBITER_FORMATS_PARSE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// In a reader's function that returns absl::Status or StatusOr: assigns the value of a StatusOr
// expression to `lhs`, or returns its error; returns the error of a Status expression.
#define ARBITER_ASSIGN(lhs, expr)                             \
  do {                                                        \
    auto arbiter_value_ = (expr);                             \
    if (!arbiter_value_.ok()) return arbiter_value_.status(); \
    (lhs) = *std::move(arbiter_value_);                       \
  } while (0)

#define ARBITER_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    absl::Status arbiter_status_ = (expr);             \
    if (!arbiter_status_.ok()) return arbiter_status_; \
  } while (0)

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

// The largest file each kind of input may be (the whole file is read into memory, and parsed
// into a tree for YAML and JSON, which takes several times its size).
inline constexpr int64_t kMaxScenarioBytes = int64_t{16} << 20;  // a scenario YAML: 16 MiB
inline constexpr int64_t kMaxJsonBytes = int64_t{256} << 20;     // throughputs, spot traces
inline constexpr int64_t kMaxTraceBytes = int64_t{1} << 30;      // traces, CSV, catalogs: 1 GiB

// Reads a whole file into a string: NotFound or PermissionDenied naming the file, or
// InvalidArgument when it is not a regular file (a directory, a FIFO, a device such as
// /dev/zero: never waited on, never read without end) or is larger than `max_bytes`.
absl::StatusOr<std::string> ReadFile(const std::string& path, int64_t max_bytes = kMaxTraceBytes);

// Every reader's first check of its input: the text is UTF-8 (so that names read from it can be
// written to JSON, CSV and HTML as they are), else an error naming the line and column of the
// first byte that is not. `file` may be any description of the input, e.g. "--set 'a=b'".
absl::Status CheckUtf8(std::string_view file, std::string_view text);

// A name read from an input (a tenant, a pool, a scenario): not empty and UTF-8, else a located
// error. Loaders call it for every name they keep.
absl::Status CheckName(std::string_view name, const SourcePos& pos);

// Resolves `path` against the directory of `relative_to` (a file), unless `path` is absolute.
std::string ResolvePath(std::string_view relative_to, std::string_view path);

}  // namespace arbiter

#endif  // ARBITER_FORMATS_PARSE_H_
