// What the local backend and its node wrapper read about processes from Linux's /proc, and the
// few file operations both need. A process is named by its pid, its start time (clock ticks after
// boot, /proc/PID/stat field 22) and the boot's id: a pid the kernel has given to another process
// since, or a pid from before a reboot, never matches.
#ifndef ARBITER_BACKENDS_LOCAL_PROC_H_
#define ARBITER_BACKENDS_LOCAL_PROC_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace arbiter::local {

struct ProcessId {
  pid_t pid = 0;
  uint64_t start = 0;  // clock ticks after boot
  std::string boot;    // /proc/sys/kernel/random/boot_id

  friend bool operator==(const ProcessId&, const ProcessId&) = default;
};

struct ProcStat {
  char state = '?';  // R, S, D, Z (zombie), X (dead), ...
  pid_t pgrp = 0;
  uint64_t start = 0;
};

// /proc/PID/stat, or nullopt when there is no such process.
std::optional<ProcStat> ReadProcStat(pid_t pid);

// This boot's id ("" if /proc does not say).
std::string BootId();

// The calling process's identity.
std::optional<ProcessId> SelfId();

// "PID START BOOT" and back.
std::string FormatProcessId(const ProcessId& id);
std::optional<ProcessId> ParseProcessId(const std::string& text);

// Whether `id` names a process that exists and has not exited (a zombie has exited).
bool IsRunning(const ProcessId& id);

// The pids whose command line starts with `argv` (for finding a node wrapper whose identity file
// was never written, after a restart).
std::vector<pid_t> FindProcesses(const std::vector<std::string>& argv);

// Writes `text` to `path` through a temporary file and a rename, with fsync: readers see the old
// file or the whole new one. Returns false (errno set) on failure.
bool WriteFileAtomically(const std::string& path, const std::string& text);

// The whole file, or nullopt if it cannot be read.
std::optional<std::string> ReadSmallFile(const std::string& path);

// CLOCK_BOOTTIME in milliseconds: monotonic, and the same for every process of one boot (a
// deadline written by one daemon holds for the next).
int64_t BootMillis();

}  // namespace arbiter::local

#endif  // ARBITER_BACKENDS_LOCAL_PROC_H_
