// A strict CSV reader (RFC 4180: quoted fields, doubled quotes, CRLF or LF line ends) that knows
// the line number of every record, and a column lookup by header name.
#ifndef ARBITER_FORMATS_CSV_H_
#define ARBITER_FORMATS_CSV_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "formats/parse.h"

namespace arbiter {

class CsvReader {
 public:
  // `text` must outlive the reader; `file` names it in errors.
  CsvReader(std::string_view file, std::string_view text, char separator = ',');

  // Reads the next record into `fields`. Returns false at the end of input; a malformed record
  // (an unterminated quote) is an error. Empty lines are skipped.
  absl::StatusOr<bool> Next(std::vector<std::string>& fields);
  // The line on which the last record read began.
  int64_t line() const { return record_line_; }
  std::string_view file() const { return file_; }

 private:
  std::string_view file_;
  std::string_view text_;
  char separator_;
  size_t pos_ = 0;
  int64_t next_line_ = 1;
  int64_t record_line_ = 0;
};

// Maps header names to column indexes; checks that required columns are present and that no
// column is named twice. With `optional`, the header may have only the required and optional
// columns (any other is an error, so that a misspelt column such as "deadlien" is caught);
// without it, other columns are allowed and not read (for formats defined by someone else).
// `line` is where the header is in `file` (comment or blank lines may come before it).
class CsvHeader {
 public:
  static absl::StatusOr<CsvHeader> Make(const std::vector<std::string>& header,
                                        const std::vector<std::string_view>& required,
                                        std::string_view file, int64_t line = 1,
                                        const std::vector<std::string_view>* optional = nullptr);
  // Index of `name`, or -1 if the header does not have it.
  int Find(std::string_view name) const;
  size_t size() const { return names_.size(); }
  // A row of `file` at `line` with as many fields as the header, or a located error.
  absl::Status CheckRow(const std::vector<std::string>& row, std::string_view file,
                        int64_t line) const;

 private:
  std::vector<std::string> names_;
};

}  // namespace arbiter

#endif  // ARBITER_FORMATS_CSV_H_
