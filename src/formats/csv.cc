#include "formats/csv.h"

#include <algorithm>

#include "model/strings.h"

namespace arbiter {

CsvReader::CsvReader(std::string_view file, std::string_view text, char separator)
    : file_(file), text_(text), separator_(separator) {
  // A UTF-8 byte order mark is not part of the first field.
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

absl::StatusOr<bool> CsvReader::Next(std::vector<std::string>& fields) {
  fields.clear();
  // Skip empty lines.
  while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (text_[pos_] == '\n') ++next_line_;
    ++pos_;
  }
  if (pos_ >= text_.size()) return false;
  record_line_ = next_line_;
  std::string field;
  while (true) {
    if (pos_ < text_.size() && text_[pos_] == '"') {
      ++pos_;
      while (true) {
        if (pos_ >= text_.size()) {
          return ParseError({file_, record_line_, {}}, "a quoted field is not closed",
                            "a closing '\"'");
        }
        const char c = text_[pos_++];
        if (c == '"') {
          if (pos_ < text_.size() && text_[pos_] == '"') {
            field.push_back('"');
            ++pos_;
          } else {
            break;
          }
        } else {
          if (c == '\n') ++next_line_;
          field.push_back(c);
        }
      }
    }
    while (pos_ < text_.size() && text_[pos_] != separator_ && text_[pos_] != '\n' &&
           text_[pos_] != '\r') {
      field.push_back(text_[pos_++]);
    }
    fields.push_back(std::move(field));
    field.clear();
    if (pos_ >= text_.size()) break;
    const char c = text_[pos_++];
    if (c == separator_) continue;
    if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
    ++next_line_;
    break;
  }
  return true;
}

absl::StatusOr<CsvHeader> CsvHeader::Make(const std::vector<std::string>& header,
                                          const std::vector<std::string_view>& required,
                                          std::string_view file, int64_t line,
                                          const std::vector<std::string_view>* optional) {
  CsvHeader h;
  h.names_ = header;
  for (size_t i = 0; i < header.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (header[j] == header[i]) {
        return ParseError({file, line, {}},
                          StrCat("the header names column '", header[i], "' twice (columns ", j + 1,
                                 " and ", i + 1, ")"),
                          "each column once");
      }
    }
    if (optional != nullptr &&
        std::find(required.begin(), required.end(), header[i]) == required.end() &&
        std::find(optional->begin(), optional->end(), header[i]) == optional->end()) {
      std::vector<std::string_view> known = required;
      known.insert(known.end(), optional->begin(), optional->end());
      return ParseError({file, line, {}}, StrCat("unknown column '", header[i], "'"),
                        StrCat("columns among ", StrJoin(known, ",")));
    }
  }
  for (std::string_view name : required) {
    if (h.Find(name) < 0) {
      return ParseError({file, line, {}}, StrCat("the header has no column '", name, "'"),
                        StrCat("columns ", StrJoin(required, ",")));
    }
  }
  return h;
}

absl::Status CsvHeader::CheckRow(const std::vector<std::string>& row, std::string_view file,
                                 int64_t line) const {
  if (row.size() == names_.size()) return absl::OkStatus();
  return ParseError({file, line, {}}, StrCat(row.size(), " fields"),
                    StrCat(names_.size(), " like the header"));
}

int CsvHeader::Find(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace arbiter
