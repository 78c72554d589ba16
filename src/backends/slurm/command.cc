#include "backends/slurm/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "model/strings.h"

extern char** environ;

namespace arbiter::slurm {
namespace {

absl::Status ErrnoError(std::string_view what, int err) {
  return absl::InternalError(StrCat(what, ": ", std::strerror(err)));
}

// A file holding `input`, positioned at its start, for the child's stdin (no pipe to write while
// reading the others, so no SIGPIPE when a child exits without reading it).
absl::StatusOr<int> InputFile(std::string_view input) {
  int fd = memfd_create("arbiter-slurm-input", MFD_CLOEXEC);
  if (fd < 0) return ErrnoError("memfd_create", errno);
  size_t done = 0;
  while (done < input.size()) {
    ssize_t n = write(fd, input.data() + done, input.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return ErrnoError("writing a command's input", err);
    }
    done += static_cast<size_t>(n);
  }
  if (lseek(fd, 0, SEEK_SET) < 0) {
    int err = errno;
    close(fd);
    return ErrnoError("lseek", err);
  }
  return fd;
}

}  // namespace

ProcessRunner::ProcessRunner(const std::vector<std::pair<std::string, std::string>>& env,
                             absl::Duration timeout, const std::vector<std::string>& drop)
    : timeout_(timeout) {
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view key = entry.substr(0, entry.find('='));
    bool skip = false;
    for (const auto& [k, v] : env) skip = skip || k == key;
    for (std::string_view d : drop) {
      skip = skip || (d.ends_with('*') ? key.starts_with(d.substr(0, d.size() - 1)) : key == d);
    }
    if (!skip) environment_.emplace_back(entry);
  }
  for (const auto& [k, v] : env) environment_.push_back(StrCat(k, "=", v));
}

absl::StatusOr<CommandResult> ProcessRunner::Run(const std::vector<std::string>& argv,
                                                 std::string_view input) {
  if (argv.empty()) return absl::InvalidArgumentError("no command to run");
  absl::StatusOr<int> in = InputFile(input);
  if (!in.ok()) return in.status();
  absl::Cleanup close_in = [&] { close(*in); };
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return ErrnoError("pipe", errno);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    int err = errno;
    close(out_pipe[0]);
    close(out_pipe[1]);
    return ErrnoError("pipe", err);
  }
  absl::Cleanup close_read = [&] {
    close(out_pipe[0]);
    close(err_pipe[0]);
  };

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  absl::Cleanup destroy_actions = [&] { posix_spawn_file_actions_destroy(&actions); };
  posix_spawn_file_actions_adddup2(&actions, *in, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  absl::Cleanup destroy_attr = [&] { posix_spawnattr_destroy(&attr); };
  // Its own process group (killed as a whole on timeout), no blocked signals, default handlers
  // for the signals a daemon commonly ignores or catches.
  sigset_t empty;
  sigemptyset(&empty);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&defaults, sig);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(environment_.size() + 1);
  for (const std::string& e : environment_) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), envp.data());
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (spawned != 0) {
    return absl::FailedPreconditionError(
        StrCat("cannot run ", argv[0], ": ", std::strerror(spawned)));
  }

  CommandResult result;
  absl::Time deadline = absl::Now() + timeout_;
  bool timed_out = false;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    int64_t wait_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (wait_ms <= 0) {
      timed_out = true;
      break;
    }
    int ready = poll(fds, 2, static_cast<int>(std::min<int64_t>(wait_ms, 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        fds[i].fd = -1;  // poll ignores negative descriptors; closed by close_read
        --open_fds;
        continue;
      }
      sinks[i]->append(buf, static_cast<size_t>(n));
    }
  }
  if (timed_out) kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return ErrnoError(StrCat("waiting for ", argv[0]), errno);
  }
  if (timed_out) {
    return absl::DeadlineExceededError(StrCat("'", StrJoin(argv, " "), "' did not finish within ",
                                              absl::FormatDuration(timeout_)));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace arbiter::slurm
