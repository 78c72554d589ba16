#include "backends/local/proc.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace arbiter::local {

std::optional<std::string> ReadSmallFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const bool failed = n < 0;
      ::close(fd);
      if (failed) return std::nullopt;
      return text;
    }
    text.append(buffer, static_cast<size_t>(n));
  }
}

std::optional<ProcStat> ReadProcStat(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  std::optional<std::string> text = ReadSmallFile("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  // "pid (comm) state ppid pgrp session ..."; comm may hold spaces and parentheses, so fields are
  // counted from the last ')'.
  const size_t close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  const char* p = text->c_str() + close + 1;
  ProcStat stat;
  for (int field = 3; field <= 22; ++field) {
    while (*p == ' ') ++p;
    if (*p == '\0') return std::nullopt;
    const char* end = p;
    while (*end != ' ' && *end != '\0') ++end;
    if (field == 3) stat.state = *p;
    if (field == 5) stat.pgrp = static_cast<pid_t>(std::strtol(p, nullptr, 10));
    if (field == 22) stat.start = std::strtoull(p, nullptr, 10);
    p = end;
  }
  return stat;
}

std::string BootId() {
  std::optional<std::string> text = ReadSmallFile("/proc/sys/kernel/random/boot_id");
  if (!text) return "";
  while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) text->pop_back();
  return *text;
}

std::optional<ProcessId> SelfId() {
  const pid_t pid = ::getpid();
  std::optional<ProcStat> stat = ReadProcStat(pid);
  if (!stat) return std::nullopt;
  return ProcessId{pid, stat->start, BootId()};
}

std::string FormatProcessId(const ProcessId& id) {
  return std::to_string(id.pid) + " " + std::to_string(id.start) + " " + id.boot + "\n";
}

std::optional<ProcessId> ParseProcessId(const std::string& text) {
  ProcessId id;
  char boot[128] = {};
  long long pid = 0;
  unsigned long long start = 0;
  if (std::sscanf(text.c_str(), "%lld %llu %127s", &pid, &start, boot) != 3 || pid <= 0) {
    return std::nullopt;
  }
  id.pid = static_cast<pid_t>(pid);
  id.start = start;
  id.boot = boot;
  return id;
}

bool IsRunning(const ProcessId& id) {
  if (id.boot != BootId()) return false;
  std::optional<ProcStat> stat = ReadProcStat(id.pid);
  return stat && stat->start == id.start && stat->state != 'Z' && stat->state != 'X';
}

std::vector<pid_t> FindProcesses(const std::vector<std::string>& argv) {
  std::string wanted;
  for (const std::string& arg : argv) {
    wanted += arg;
    wanted.push_back('\0');
  }
  std::vector<pid_t> found;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return found;
  while (const dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    std::optional<std::string> cmdline =
        ReadSmallFile(std::string("/proc/") + entry->d_name + "/cmdline");
    if (cmdline && cmdline->compare(0, wanted.size(), wanted) == 0) {
      found.push_back(static_cast<pid_t>(pid));
    }
  }
  ::closedir(dir);
  return found;
}

bool WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      errno = err;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return false;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return false;
  // The rename itself is durable once the directory is synced.
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

int64_t BootMillis() {
  timespec ts{};
  ::clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

}  // namespace arbiter::local
