// The one seam through which the Slurm backend runs Slurm's commands (sbatch, squeue, sinfo,
// scancel). The real runner starts them as child processes; unit tests replay captured output.
#ifndef ARBITER_BACKENDS_SLURM_COMMAND_H_
#define ARBITER_BACKENDS_SLURM_COMMAND_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace arbiter::slurm {

struct CommandResult {
  int exit_code = 0;  // the program's exit status; 128 + N when killed by signal N
  std::string out;    // what it wrote on stdout
  std::string err;    // and on stderr
};

// Runs one command to its end. An error means it could not be run at all or did not finish in
// time (DeadlineExceeded); a program that ran and failed is a result with its exit code.
// Thread-safety: Run may be called from several threads at once.
class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  virtual absl::StatusOr<CommandResult> Run(const std::vector<std::string>& argv,
                                            std::string_view input) = 0;
};

// Runs programs (found on PATH) as child processes with the parent's environment, less the
// variables named in `drop` (a name, or a prefix ending in '*'), plus `env` (e.g. SLURM_CONF),
// `input` on their stdin. A command still running after `timeout` is killed (SIGKILL to its
// process group) and reported as DeadlineExceeded.
class ProcessRunner : public CommandRunner {
 public:
  ProcessRunner(const std::vector<std::pair<std::string, std::string>>& env, absl::Duration timeout,
                const std::vector<std::string>& drop = {});

  absl::StatusOr<CommandResult> Run(const std::vector<std::string>& argv,
                                    std::string_view input) override;

 private:
  std::vector<std::string> environment_;  // "KEY=VALUE", the parent's with `env` applied
  absl::Duration timeout_;
};

}  // namespace arbiter::slurm

#endif  // ARBITER_BACKENDS_SLURM_COMMAND_H_
