#include "formats/parse.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>

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

namespace {

// A limit as people read it: powers of two from 2^20 up as "2^40", others in decimal.
std::string Bound(int64_t v) {
  if (v >= (int64_t{1} << 20) && (v & (v - 1)) == 0) return StrCat("2^", __builtin_ctzll(v));
  return StrCat(v);
}

std::string Bound(double v) {
  if (v >= 0x1p20 && v <= 0x1p62 && v == std::floor(v)) {
    const auto i = static_cast<int64_t>(v);
    if ((i & (i - 1)) == 0) return Bound(i);
  }
  return StrCat(v);
}

}  // namespace

absl::StatusOr<int64_t> ParseIntField(std::string_view text, const SourcePos& pos, int64_t min,
                                      int64_t max) {
  std::optional<int64_t> v = ParseInt(text);
  const std::string range = min == INT64_MIN ? "an integer"
                            : max == INT64_MAX
                                ? StrCat("an integer >= ", Bound(min))
                                : StrCat("an integer in [", Bound(min), ", ", Bound(max), "]");
  if (!v) return ParseError(pos, StrCat("'", text, "' is not an integer"), range);
  if (*v < min || *v > max) return ParseError(pos, StrCat(*v, " is out of range"), range);
  return *v;
}

absl::StatusOr<double> ParseDoubleField(std::string_view text, const SourcePos& pos, double min,
                                        double max) {
  std::optional<double> v = ParseDouble(text);
  const std::string range = StrCat("a number in [", Bound(min), ", ", Bound(max), "]");
  if (!v) return ParseError(pos, StrCat("'", text, "' is not a number"), range);
  if (*v < min || *v > max) return ParseError(pos, StrCat(*v, " is out of range"), range);
  return *v;
}

namespace {

std::string Size(int64_t bytes) {
  if (bytes >= (int64_t{1} << 30) && bytes % (int64_t{1} << 30) == 0) {
    return StrCat(bytes >> 30, " GiB");
  }
  if (bytes >= (int64_t{1} << 20) && bytes % (int64_t{1} << 20) == 0) {
    return StrCat(bytes >> 20, " MiB");
  }
  return StrCat(bytes, " bytes");
}

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::string& path, int64_t max_bytes) {
  // O_NONBLOCK: opening a FIFO without a writer must not wait; a FIFO is refused below anyway.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(StrCat(path, ": no such file"));
    return absl::PermissionDeniedError(StrCat(path, ": cannot be opened: ", std::strerror(err)));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return absl::PermissionDeniedError(StrCat(path, ": cannot be read: ", std::strerror(errno)));
  }
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(StrCat(path, ": is a directory, expected a file"));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        StrCat(path, ": is not a regular file (a FIFO, a socket or a device); expected a file"));
  }
  if (st.st_size > max_bytes) {
    return absl::InvalidArgumentError(StrCat(path, ": ", st.st_size, " bytes is larger than ",
                                             Size(max_bytes), "; expected a smaller file"));
  }
  // Back to blocking reads (a regular file never blocks, but be explicit).
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  std::string text;
  text.resize(static_cast<size_t>(st.st_size));
  size_t have = 0;
  while (true) {
    if (have == text.size()) {
      // The file may have grown since fstat; read on, up to the limit.
      if (static_cast<int64_t>(text.size()) > max_bytes) {
        return absl::InvalidArgumentError(StrCat(path, ": grew larger than ", Size(max_bytes),
                                                 " while it was read; expected a smaller file"));
      }
      text.resize(text.size() + 65536);
    }
    const ssize_t got = ::read(fd, text.data() + have, text.size() - have);
    if (got < 0) {
      if (errno == EINTR) continue;
      return absl::PermissionDeniedError(StrCat(path, ": cannot be read: ", std::strerror(errno)));
    }
    if (got == 0) break;
    have += static_cast<size_t>(got);
  }
  text.resize(have);
  return text;
}

absl::Status CheckUtf8(std::string_view file, std::string_view text) {
  const size_t bad = FindInvalidUtf8(text);
  if (bad == std::string_view::npos) return absl::OkStatus();
  int64_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < bad; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return ParseError(
      {file, line, {}},
      Format("byte 0x%02X at column %zu is not UTF-8",
             static_cast<unsigned>(static_cast<unsigned char>(text[bad])), bad - line_start + 1),
      "UTF-8 text");
}

absl::Status CheckName(std::string_view name, const SourcePos& pos) {
  if (name.empty()) return ParseError(pos, "empty", "a name");
  const size_t bad = FindInvalidUtf8(name);
  if (bad != std::string_view::npos) {
    return ParseError(pos,
                      Format("byte 0x%02X at offset %zu is not UTF-8",
                             static_cast<unsigned>(static_cast<unsigned char>(name[bad])), bad),
                      "a UTF-8 name");
  }
  return absl::OkStatus();
}

std::string ResolvePath(std::string_view relative_to, std::string_view path) {
  const std::filesystem::path p(path);
  if (p.is_absolute()) return std::string(path);
  return (std::filesystem::path(relative_to).parent_path() / p).lexically_normal().string();
}

}  // namespace arbiter
