#include "backends/slurm/protocol.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <system_error>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "model/strings.h"

namespace arbiter::slurm {
namespace {

// `text` in single quotes for bash: every ' becomes '\''.
std::string ShellQuote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

bool ValidEnvName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The whole of `text` as a number (a sign allowed), no spaces.
template <typename Int>
bool ToInt(std::string_view text, Int* out) {
  if (text.starts_with('+')) text.remove_prefix(1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

bool ConsumePrefix(std::string_view* s, std::string_view prefix) {
  if (!s->starts_with(prefix)) return false;
  s->remove_prefix(prefix.size());
  return true;
}

bool ConsumeSuffix(std::string_view* s, std::string_view suffix) {
  if (!s->ends_with(suffix)) return false;
  s->remove_suffix(suffix.size());
  return true;
}

// What every node runs: its rank and the master's address from srun's environment, accelerators
// from the gres, then the job's setup and run ($1 and $2). The first node to fail records its
// exit status in the directory $3 (mkdir is atomic): that is the gang's, whatever srun makes of
// the nodes it stops after it.
constexpr std::string_view kNodeScript = R"sh(export ARBITER_NODE_RANK="$SLURM_PROCID"
export ARBITER_MASTER_ADDR="$SLURM_LAUNCH_NODE_IPADDR"
# Slurm sets CUDA_VISIBLE_DEVICES from gres backed by device files. A cluster whose gres are
# not device files does not say which: the node's first N (exact only with whole nodes).
if [ -z "${CUDA_VISIBLE_DEVICES+x}" ] && [ "${SLURM_GPUS_ON_NODE:-0}" -gt 0 ]; then
  export CUDA_VISIBLE_DEVICES="$(seq -s, 0 $((SLURM_GPUS_ON_NODE - 1)))"
fi
status=0
if [ -n "$1" ]; then bash -c "$1" || status=$?; fi
if [ "$status" -eq 0 ]; then bash -c "$2"; status=$?; fi
if [ "$status" -ne 0 ] && mkdir "$3" 2>/dev/null; then printf '%d\n' "$status" > "$3/status"; fi
exit "$status")sh";

// After srun: the gang's exit status, or srun's own failure when no node failed (it could not
// start or follow the tasks, e.g. the controller did not answer): "launcher N".
constexpr std::string_view kBatchTail = R"sh(status=$?
if [ "$status" -eq 0 ]; then result=0
elif [ -f "$arbiter_failed/status" ]; then status="$(cat "$arbiter_failed/status")"; result="$status"
else result="launcher $status"; fi
printf '%s\n' "$result" > "$arbiter_exit.tmp" && mv "$arbiter_exit.tmp" "$arbiter_exit"
exit "$status"
)sh";

}  // namespace

std::string RunName(std::string_view prefix, const RunKey& key) {
  return StrCat(prefix, "-j", key.job.value(), "-a", key.attempt);
}

std::optional<RunKey> ParseRunName(std::string_view prefix, std::string_view name) {
  if (!ConsumePrefix(&name, prefix) || !ConsumePrefix(&name, "-j")) return std::nullopt;
  size_t dash = name.find("-a");
  if (dash == std::string_view::npos) return std::nullopt;
  std::string_view job = name.substr(0, dash);
  std::string_view attempt = name.substr(dash + 2);
  int32_t job_value = 0;
  int64_t attempt_value = 0;
  if (!AllDigits(job) || !AllDigits(attempt) || !ToInt(job, &job_value) ||
      !ToInt(attempt, &attempt_value)) {
    return std::nullopt;
  }
  return RunKey{JobId(job_value), attempt_value};
}

std::string NodeLogFile(const LaunchSpec& spec, int rank) {
  return StrCat(spec.log_dir, "/node-", rank, ".log");
}
std::string BatchLogFile(const std::string& log_dir, int64_t attempt) {
  return StrCat(log_dir, "/slurm-attempt-", attempt, ".log");
}
std::string ExitStatusFile(const std::string& log_dir, int64_t attempt) {
  return StrCat(log_dir, "/slurm-attempt-", attempt, ".exit");
}
std::string FailedMarkDir(const std::string& log_dir, int64_t attempt) {
  return StrCat(log_dir, "/slurm-attempt-", attempt, ".failed");
}

absl::StatusOr<std::string> BatchScript(const LaunchSpec& spec) {
  if (spec.nodes < 1) {
    return absl::InvalidArgumentError(
        StrCat("job ", spec.key.job.value(), ": nodes is ", spec.nodes, "; expected >= 1"));
  }
  if (spec.accelerators_per_node < 0) {
    return absl::InvalidArgumentError(StrCat("job ", spec.key.job.value(),
                                             ": accelerators per node is ",
                                             spec.accelerators_per_node, "; expected >= 0"));
  }
  if (spec.log_dir.empty() || spec.checkpoint_dir.empty()) {
    return absl::InvalidArgumentError(StrCat(
        "job ", spec.key.job.value(), ": a Slurm launch needs a log and a checkpoint directory"));
  }
  std::string s = "#!/bin/bash\n";
  StrAppend(&s, "# Arbiter job ", spec.key.job.value(), " (", spec.job_name, "), attempt ",
            spec.key.attempt, ", tenant ", spec.tenant, ", pool ", spec.pool, "\n");
  // srun passes the batch script's environment on to every task.
  s += "export SLURM_EXPORT_ENV=ALL\n";
  for (const auto& [name, value] : spec.env) {
    if (!ValidEnvName(name) || name.starts_with("ARBITER_")) {
      return absl::InvalidArgumentError(
          StrCat("job ", spec.key.job.value(), ": environment variable name '", name,
                 "' is not allowed; expected letters, digits and _ (not starting with a "
                 "digit, not ARBITER_*)"));
    }
    StrAppend(&s, "export ", name, "=", ShellQuote(value), "\n");
  }
  StrAppend(&s, "export ARBITER_JOB_ID=", spec.key.job.value(), "\n");
  StrAppend(&s, "export ARBITER_JOB_NAME=", ShellQuote(spec.job_name), "\n");
  StrAppend(&s, "export ARBITER_ATTEMPT=", spec.key.attempt, "\n");
  s += "export ARBITER_NUM_NODES=\"$SLURM_JOB_NUM_NODES\"\n";
  // One port per Slurm job, the same on every node of the gang.
  s += "export ARBITER_MASTER_PORT=$((20000 + SLURM_JOB_ID % 10000))\n";
  StrAppend(&s, "export ARBITER_CHECKPOINT_DIR=", ShellQuote(spec.checkpoint_dir), "\n");
  s += "mkdir -p \"$ARBITER_CHECKPOINT_DIR\"\n";
  StrAppend(&s, "arbiter_node=", ShellQuote(kNodeScript), "\n");
  StrAppend(&s, "arbiter_setup=", ShellQuote(spec.setup), "\n");
  StrAppend(&s, "arbiter_run=", ShellQuote(spec.run), "\n");
  std::string exit_file = ExitStatusFile(spec.log_dir, spec.key.attempt);
  StrAppend(&s, "arbiter_exit=", ShellQuote(exit_file), "\n");
  StrAppend(&s, "arbiter_failed=", ShellQuote(FailedMarkDir(spec.log_dir, spec.key.attempt)), "\n");
  StrAppend(&s, "srun --nodes=", spec.nodes, " --ntasks-per-node=1 --ntasks=", spec.nodes,
            " --kill-on-bad-exit=1 --input=none --open-mode=append --output=",
            ShellQuote(StrCat(spec.log_dir, "/node-%t.log")),
            " bash -c \"$arbiter_node\" arbiter-node \"$arbiter_setup\" \"$arbiter_run\" "
            "\"$arbiter_failed\"\n");
  s += kBatchTail;
  return s;
}

std::vector<std::string> SbatchArgs(const LaunchSpec& spec, const SubmitOptions& options) {
  std::vector<std::string> args = {
      "sbatch",
      "--parsable",
      StrCat("--job-name=", RunName(options.job_prefix, spec.key)),
      StrCat("--comment=arbiter job=", spec.key.job.value(), " attempt=", spec.key.attempt,
             " tenant=", spec.tenant, " pool=", spec.pool),
      StrCat("--nodes=", spec.nodes),
      "--ntasks-per-node=1",
      // Arbiter decides where a run that was interrupted goes next, never Slurm.
      "--no-requeue",
      StrCat("--chdir=", spec.workdir.empty() ? spec.log_dir : spec.workdir),
      StrCat("--output=", BatchLogFile(spec.log_dir, spec.key.attempt)),
      "--open-mode=append",
  };
  if (spec.accelerators_per_node > 0) {
    args.push_back(StrCat("--gres=", options.gres, ":", spec.accelerators_per_node));
  }
  if (options.exclusive) args.push_back("--exclusive");
  if (!options.partition.empty()) args.push_back(StrCat("--partition=", options.partition));
  if (!options.account.empty()) args.push_back(StrCat("--account=", options.account));
  if (!options.qos.empty()) args.push_back(StrCat("--qos=", options.qos));
  return args;
}

absl::StatusOr<int64_t> ParseSbatchJobId(std::string_view out) {
  std::string_view text = StripWhitespace(out);
  std::string_view id = text.substr(0, text.find(';'));
  int64_t value = 0;
  if (!AllDigits(id) || !ToInt(id, &value) || value <= 0) {
    return absl::InternalError(
        StrCat("sbatch printed '", text, "'; expected a job id (sbatch --parsable)"));
  }
  return value;
}

std::vector<std::string> SqueueArgs() {
  // Name last: it is the one field a user can put '|' into.
  return {"squeue", "--noheader", "--me", "--states=all",
          "--Format=JobID:|,State:|,Reason:|,exit_code:|,RestartCnt:|,NodeList:|,Name:|"};
}

absl::StatusOr<std::vector<SlurmJob>> ParseSqueue(std::string_view out) {
  std::vector<SlurmJob> jobs;
  int line_no = 0;
  for (std::string_view line : Split(out, '\n')) {
    ++line_no;
    if (StripWhitespace(line).empty()) continue;
    std::vector<std::string_view> f = Split(line, '|');
    auto bad = [&](std::string_view what) {
      return absl::InternalError(StrCat("squeue line ", line_no, ": ", what, " in '", line,
                                        "'; expected ID|STATE|REASON|EXIT|RESTARTS|NODES|NAME|"));
    };
    // NAME| may itself hold '|': it is everything after the sixth one, less the last '|'.
    if (f.size() < 8 || !f.back().empty()) return bad("not 7 fields each closed by |");
    SlurmJob job;
    std::vector<std::string_view> name_parts(f.begin() + 6, f.end() - 1);
    job.name = StrJoin(name_parts, "|");
    // An array job's tasks are listed as ID_TASK; Arbiter submits no arrays, so they are not ours.
    if (!ToInt(StripWhitespace(f[0]), &job.id)) {
      if (f[0].find('_') != std::string_view::npos) continue;
      return bad("a job id that is not a number");
    }
    job.state = std::string(StripWhitespace(f[1]));
    job.reason = std::string(StripWhitespace(f[2]));
    std::string_view wait_status = StripWhitespace(f[3]);
    if (!wait_status.empty() && !ToInt(wait_status, &job.wait_status)) {
      return bad("an exit code that is not a number");
    }
    std::string_view restarts = StripWhitespace(f[4]);
    if (!restarts.empty() && !ToInt(restarts, &job.restarts)) {
      return bad("a restart count that is not a number");
    }
    job.nodes = std::string(StripWhitespace(f[5]));
    jobs.push_back(std::move(job));
  }
  return jobs;
}

Phase PhaseOf(const SlurmJob& job) {
  const std::string& s = job.state;
  if (s == "REQUEUED" || s == "REQUEUE_HOLD" || s == "REQUEUE_FED") return Phase::kRequeued;
  if (s == "PENDING" || s == "CONFIGURING" || s == "RESV_DEL_HOLD") {
    return job.restarts > 0 ? Phase::kRequeued : Phase::kWaiting;
  }
  if (s == "RUNNING" || s == "COMPLETING" || s == "SUSPENDED" || s == "STOPPED" ||
      s == "SIGNALING" || s == "STAGE_OUT" || s == "RESIZING") {
    return job.restarts > 0 ? Phase::kRequeued : Phase::kRunning;
  }
  return Phase::kEnded;
}

bool NeverStarts(const SlurmJob& job) {
  if (job.state != "PENDING") return false;
  const std::string& r = job.reason;
  return r == "PartitionNodeLimit" || r == "PartitionConfig" || r == "BadConstraints" ||
         r == "InvalidAccount" || r == "InvalidQOS";
}

int ExitCodeOf(int wait_status) {
  if ((wait_status & 0x7f) != 0) return 128 + (wait_status & 0x7f);
  return (wait_status >> 8) & 0xff;
}

RunReport Outcome(const SlurmJob& job, const RunKey& key, bool cancelled_by_us,
                  std::optional<ScriptExit> script_exit) {
  RunReport r{.key = key};
  const std::string& s = job.state;
  std::string where =
      StrCat("Slurm job ", job.id, job.nodes.empty() ? "" : StrCat(" on ", job.nodes));
  if (s == "COMPLETED") {
    r.status = RunStatus::kSucceeded;
  } else if (s == "CANCELLED") {
    if (cancelled_by_us) {
      r.status = RunStatus::kCancelled;
    } else {
      r.status = RunStatus::kLost;
      r.reason = StrCat(where, " was cancelled on the cluster, not by Arbiter");
    }
  } else if (s == "FAILED" || s == "OUT_OF_MEMORY" || s == "SPECIAL_EXIT") {
    // The job's own fault when its script ran and failed; Slurm's when it could not start it.
    bool own_fault =
        s != "FAILED" || job.reason == "NonZeroExitCode" || job.reason.starts_with("RaisedSignal");
    if (script_exit.has_value() && script_exit->launcher_failed) {
      r.status = RunStatus::kLost;
      r.reason = StrCat(where, ": srun could not start or follow the tasks (exit code ",
                        script_exit->code, "); no node failed");
    } else if (own_fault) {
      r.status = RunStatus::kFailed;
      r.exit_code = script_exit.has_value() && script_exit->code != 0 ? script_exit->code
                                                                      : ExitCodeOf(job.wait_status);
      if (r.exit_code == 0) r.exit_code = 1;
      r.reason = s == "OUT_OF_MEMORY" ? StrCat(where, " ran out of memory")
                                      : StrCat(where, " exited with code ", r.exit_code);
      // As on the local backend: a node killed by SIGHUP, SIGINT, SIGKILL or SIGTERM (by
      // someone, or by the machine) is not the job's fault; a crash is.
      if (s == "FAILED" &&
          (r.exit_code == 129 || r.exit_code == 130 || r.exit_code == 137 || r.exit_code == 143)) {
        r.status = RunStatus::kLost;
        r.reason = StrCat(where, ": a node was killed by signal ", r.exit_code - 128);
        r.exit_code = 0;
      }
    } else {
      r.status = RunStatus::kLost;
      r.reason = StrCat(where, " could not be run (", job.reason, ")");
    }
  } else {
    r.status = RunStatus::kLost;
    std::string what;
    if (s == "NODE_FAIL") {
      what = "lost a node";
    } else if (s == "PREEMPTED") {
      what = "was preempted";
    } else if (s == "TIMEOUT") {
      what = "reached the cluster's time limit";
    } else if (s == "BOOT_FAIL") {
      what = "failed to boot its nodes";
    } else if (s == "DEADLINE") {
      what = "reached its deadline";
    } else {
      what = StrCat("ended in state ", s);
    }
    r.reason =
        StrCat(where, " ", what,
               job.reason.empty() || job.reason == "None" ? "" : StrCat(" (", job.reason, ")"));
  }
  return r;
}

std::optional<ScriptExit> ParseExitStatus(std::string_view text) {
  text = StripWhitespace(text);
  ScriptExit exit;
  exit.launcher_failed = ConsumePrefix(&text, "launcher ");
  if (!ToInt(text, &exit.code)) return std::nullopt;
  return exit;
}

std::vector<std::string> SinfoArgs(const std::string& partition) {
  std::vector<std::string> args = {"sinfo", "--noheader", "--Node", "--format=%N|%t|%G"};
  if (!partition.empty()) args.push_back(StrCat("--partition=", partition));
  return args;
}

absl::StatusOr<std::vector<SlurmNode>> ParseSinfo(std::string_view out, std::string_view gres) {
  std::vector<SlurmNode> nodes;
  absl::flat_hash_set<std::string> seen;  // a node in two partitions is listed twice
  int line_no = 0;
  for (std::string_view line : Split(out, '\n')) {
    ++line_no;
    line = StripWhitespace(line);
    if (line.empty()) continue;
    std::vector<std::string_view> f = Split(line, '|');
    if (f.size() != 3 || f[0].empty() || f[1].empty()) {
      return absl::InternalError(
          StrCat("sinfo line ", line_no, ": '", line, "'; expected NODE|STATE|GRES"));
    }
    SlurmNode node{.name = std::string(f[0]), .state = std::string(f[1])};
    if (!seen.insert(node.name).second) continue;
    // GRES is "(null)" or a list such as "gpu:4", "gpu:a100:8(S:0-1)", "gpu:2,shard:8".
    for (std::string_view item : Split(f[2], ',')) {
      std::vector<std::string_view> parts = Split(item.substr(0, item.find('(')), ':');
      if (parts.size() < 2 || parts[0] != gres) continue;
      std::string_view count = parts.back();
      int32_t n = 0;
      if (ToInt(count, &n)) node.gres_count += n;
    }
    nodes.push_back(std::move(node));
  }
  return nodes;
}

bool Usable(const SlurmNode& node) {
  std::string_view state = node.state;
  // Trailing flags: * not responding, ~ powered off, # powering up, ! and % powering down,
  // $ maintenance, @ reboot pending, ^ rebooting; - (planned by backfill) is harmless.
  ConsumeSuffix(&state, "-");
  if (state.empty() || !std::isalpha(static_cast<unsigned char>(state.back()))) return false;
  return state == "idle" || state == "mix" || state == "alloc" || state == "comp" ||
         state == "plnd";
}

}  // namespace arbiter::slurm
