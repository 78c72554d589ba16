// String helpers over std::string_view. (Debian's abseil has its own string_view type, so its
// string utilities do not take std::string_view; Arbiter uses these instead.)
#ifndef ARBITER_MODEL_STRINGS_H_
#define ARBITER_MODEL_STRINGS_H_

#include <charconv>
#include <concepts>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/strings/string_view.h"

namespace arbiter {
namespace strings_internal {

inline void Append(std::string& out, std::string_view s) { out.append(s); }
inline void Append(std::string& out, const char* s) { out.append(s); }
inline void Append(std::string& out, const std::string& s) { out.append(s); }
inline void Append(std::string& out, absl::string_view s) { out.append(s.data(), s.size()); }
inline void Append(std::string& out, char c) { out.push_back(c); }
inline void Append(std::string& out, bool b) { out.append(b ? "true" : "false"); }
template <std::integral Int>
requires(!std::same_as<Int, char> && !std::same_as<Int, bool>) void Append(std::string& out,
                                                                           Int v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, end);
}
inline void Append(std::string& out, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, end);
}

}  // namespace strings_internal

template <typename... Args>
std::string StrCat(const Args&... args) {
  std::string out;
  (strings_internal::Append(out, args), ...);
  return out;
}

template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  (strings_internal::Append(*out, args), ...);
}

template <typename Container>
std::string StrJoin(const Container& items, std::string_view separator) {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out.append(separator);
    first = false;
    strings_internal::Append(out, item);
  }
  return out;
}

// Splits on every `separator`; an empty input gives one empty piece.
std::vector<std::string_view> Split(std::string_view text, char separator);

std::string_view StripWhitespace(std::string_view text);

// The offset of the first byte of `text` that is not part of well-formed UTF-8 (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or npos when all of it is. Every name
// Arbiter reads passes this check, so every writer (JSON, CSV, HTML) can take names as they are.
size_t FindInvalidUtf8(std::string_view text);

// printf-style formatting into a std::string (checked by the compiler's -Wformat).
std::string Format(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace arbiter

#endif  // ARBITER_MODEL_STRINGS_H_
