// arbiter-node: the wrapper the local backend starts for each node of a run (local_backend.h).
//
//   arbiter-node NODE_DIR WORKDIR SETUP_FILE RUN_FILE
//
// It is started as the leader of its own session and process group, with stdout and stderr on
// the node's log. It records who it is (NODE_DIR/wrapper: pid, start time, boot id), runs
//   cd WORKDIR && sh SETUP_FILE && exec sh RUN_FILE      (SETUP_FILE may be "")
// as its child in the same process group, waits for it, records how it ended (NODE_DIR/exit:
// "exit N" or "signal N", written atomically) and then kills whatever is left of the process group
// (itself included). It ignores SIGTERM, SIGINT and SIGHUP, so that a cancel's SIGTERM to the
// group stops the job and not the record of how it ended; the job's processes get the default
// dispositions back.
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "backends/local/proc.h"

namespace {

constexpr const char* kScript =
    "cd \"$1\" 2>/dev/null || { echo \"arbiter: cannot enter the workdir $1\" >&2; exit 1; }\n"
    "if [ -n \"$2\" ]; then /bin/sh \"$2\" || exit $?; fi\n"
    "exec /bin/sh \"$3\"\n";

constexpr int kIgnored[] = {SIGTERM, SIGINT, SIGHUP};

}  // namespace

int main(int argc, char** argv) {
  using arbiter::local::FormatProcessId;
  using arbiter::local::ProcessId;
  using arbiter::local::SelfId;
  using arbiter::local::WriteFileAtomically;
  if (argc != 5) {
    std::fprintf(stderr, "usage: arbiter-node NODE_DIR WORKDIR SETUP_FILE RUN_FILE\n");
    return 2;
  }
  const std::string dir = argv[1];
  for (int sig : kIgnored) std::signal(sig, SIG_IGN);
  const std::optional<ProcessId> self = SelfId();
  if (!self || !WriteFileAtomically(dir + "/wrapper", FormatProcessId(*self))) {
    std::fprintf(stderr, "arbiter-node: cannot record itself in %s: %s\n", dir.c_str(),
                 std::strerror(errno));
    return 70;
  }
  const pid_t child = ::fork();
  if (child < 0) {
    std::fprintf(stderr, "arbiter-node: cannot start the job: %s\n", std::strerror(errno));
    return 71;  // no exit record: the node counts as lost
  }
  if (child == 0) {
    for (int sig : kIgnored) std::signal(sig, SIG_DFL);
    ::execl("/bin/sh", "sh", "-c", kScript, "arbiter-node", argv[2], argv[3], argv[4],
            static_cast<char*>(nullptr));
    std::fprintf(stderr, "arbiter-node: cannot run /bin/sh: %s\n", std::strerror(errno));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) {
      std::fprintf(stderr, "arbiter-node: lost the job: %s\n", std::strerror(errno));
      return 72;
    }
  }
  std::string outcome;
  if (WIFEXITED(status)) {
    outcome = "exit " + std::to_string(WEXITSTATUS(status)) + "\n";
  } else if (WIFSIGNALED(status)) {
    outcome = "signal " + std::to_string(WTERMSIG(status)) + "\n";
  } else {
    outcome = "signal 0\n";
  }
  if (!WriteFileAtomically(dir + "/exit", outcome)) {
    std::fprintf(stderr, "arbiter-node: cannot record the job's end in %s: %s\n", dir.c_str(),
                 std::strerror(errno));
  }
  // Whatever the job left behind in the group goes with the wrapper.
  ::kill(0, SIGKILL);
  return 0;
}
