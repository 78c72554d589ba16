#include "backends/local/local_backend.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <utility>

#include "backends/local/ports.h"
#include "backends/local/proc.h"
#include "model/strings.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, not in a header

namespace arbiter {

using local::BootMillis;
using local::ProcessId;
using local::ReadSmallFile;
using local::WriteFileAtomically;

namespace {

namespace fs = std::filesystem;

// Exit codes a shell gives a command killed by SIGHUP, SIGINT, SIGKILL or SIGTERM (128 + signal):
// the node was killed, not the job's own failure.
bool KilledThroughShell(int code) {
  return code == 129 || code == 130 || code == 137 || code == 143;
}

// Signals a process raises on itself when it crashes: the job's own fault.
bool CrashSignal(int sig) {
  return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGABRT ||
         sig == SIGSYS || sig == SIGTRAP;
}

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev != nullptr ? StrCat("SIG", abbrev) : StrCat("signal ", sig);
}

std::optional<RunStatus> StatusFromWord(std::string_view word) {
  for (RunStatus s : {RunStatus::kFailed, RunStatus::kLost, RunStatus::kCancelled}) {
    if (RunStatusName(s) == word) return s;
  }
  return std::nullopt;
}

std::string RunName(const RunKey& key) { return StrCat(key.job.value(), "-", key.attempt); }

std::optional<RunKey> ParseRunName(std::string_view name) {
  const size_t dash = name.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const std::string job(name.substr(0, dash));
  const std::string attempt(name.substr(dash + 1));
  char* end = nullptr;
  const long long j = std::strtoll(job.c_str(), &end, 10);
  if (job.empty() || *end != '\0' || j < 0 || j > INT32_MAX) return std::nullopt;
  const long long a = std::strtoll(attempt.c_str(), &end, 10);
  if (attempt.empty() || *end != '\0' || a < 0) return std::nullopt;
  return RunKey{JobId(static_cast<int32_t>(j)), a};
}

absl::Status Errno(std::string_view what) {
  return absl::InternalError(StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

struct LocalBackend::Run {
  enum class End : uint8_t { kExit, kSignal, kVanished };
  struct Node {
    int32_t pool_node = 0;
    std::vector<int32_t> devices;  // indexes into LocalBackendOptions::devices[pool_node]
    pid_t child = 0;               // started by this LocalBackend and not reaped yet
    std::optional<ProcessId> wrapper;
    bool done = false;  // none of its processes is left (as far as can be known)
    End end = End::kVanished;
    int code = 0;  // exit code or signal
  };
  struct Verdict {
    RunStatus status = RunStatus::kLost;
    int exit_code = 0;
    std::string reason;
    int64_t kill_at = 0;  // BootMillis: SIGKILL to nodes still there after this
  };

  RunKey key;
  std::string name;
  std::string dir;
  int port = 0;
  PortBook::Hold port_hold;  // the port, not given to another live run until this one is gone
  std::vector<Node> nodes;
  std::optional<Verdict> verdict;
  bool killed = false;            // SIGKILL sent after the grace period
  bool running_reported = false;  // kRunning was received (the marker file exists)
  bool running_returned = false;  // returned by the last Poll: received at the next one
  bool end_returned = false;      // likewise for the end
  bool devices_held = true;

  std::string NodeDir(size_t rank) const { return StrCat(dir, "/node-", rank); }
  bool AllDone() const {
    return std::all_of(nodes.begin(), nodes.end(), [](const Node& n) { return n.done; });
  }
};

namespace {

// How a node ended, as the run's verdict would state it; nullopt for a clean exit.
std::optional<LocalBackend::Run::Verdict> Abnormal(const LocalBackend::Run::Node& node,
                                                   size_t rank) {
  using End = LocalBackend::Run::End;
  LocalBackend::Run::Verdict v;
  switch (node.end) {
    case End::kExit:
      if (node.code == 0) return std::nullopt;
      v.exit_code = node.code;
      if (KilledThroughShell(node.code)) {
        v.status = RunStatus::kLost;
        v.reason = StrCat("node ", rank, " was killed (", SignalName(node.code - 128),
                          ", reported by its shell as exit ", node.code, ")");
      } else {
        v.status = RunStatus::kFailed;
        v.reason = StrCat("node ", rank, " exited with ", node.code);
      }
      return v;
    case End::kSignal:
      v.exit_code = 128 + node.code;
      if (CrashSignal(node.code)) {
        v.status = RunStatus::kFailed;
        v.reason = StrCat("node ", rank, " crashed (", SignalName(node.code), ")");
      } else {
        v.status = RunStatus::kLost;
        v.reason = StrCat("node ", rank, " was killed by ", SignalName(node.code));
      }
      return v;
    case End::kVanished:
      v.status = RunStatus::kLost;
      v.reason = StrCat("node ", rank, "'s processes vanished without recording an exit");
      return v;
  }
  return v;
}

// Sends `sig` to the node's process group, if that group can still be the node's: its wrapper
// (the group's leader) is the process it recorded, or no process has its pid any more (a group
// outlives its leader, and Linux gives no new process the pid of a group that still exists).
void SignalNode(const LocalBackend::Run::Node& node, int sig) {
  pid_t group = node.child;
  if (node.wrapper) {
    if (node.wrapper->boot != local::BootId()) return;
    group = node.wrapper->pid;
    if (std::optional<local::ProcStat> stat = local::ReadProcStat(group);
        stat && stat->start != node.wrapper->start) {
      return;  // the pid is another process's now: the node's group is gone
    }
  }
  if (group > 0) ::kill(-group, sig);
}

// Brings the node's state up to date: whether its wrapper is still there, and if not, how the
// node ended.
void Refresh(LocalBackend::Run::Node& node, const std::string& node_dir) {
  using End = LocalBackend::Run::End;
  if (node.done) return;
  if (!node.wrapper) {
    if (std::optional<std::string> text = ReadSmallFile(node_dir + "/wrapper")) {
      node.wrapper = local::ParseProcessId(*text);
    }
  }
  bool alive = false;
  if (node.child > 0) {
    int status = 0;
    const pid_t r = ::waitpid(node.child, &status, WNOHANG);
    if (r == 0) {
      alive = true;
    } else {
      node.child = 0;  // reaped now, or not this process's child any more
      alive = r < 0 && node.wrapper && local::IsRunning(*node.wrapper);
    }
  } else if (node.wrapper) {
    alive = local::IsRunning(*node.wrapper);
    if (!alive && node.wrapper->boot == local::BootId()) {
      // A zombie that is this process's child (a wrapper an earlier LocalBackend in this
      // process started): reap it. Checked by start time, so never another process.
      if (std::optional<local::ProcStat> stat = local::ReadProcStat(node.wrapper->pid);
          stat && stat->start == node.wrapper->start) {
        int status = 0;
        ::waitpid(node.wrapper->pid, &status, WNOHANG);
      }
    }
  }
  if (alive) return;
  node.done = true;
  // The wrapper writes the exit record before it goes, so its absence now is final.
  std::optional<std::string> text = ReadSmallFile(node_dir + "/exit");
  int code = 0;
  if (text && std::sscanf(text->c_str(), "exit %d", &code) == 1) {
    node.end = End::kExit;
    node.code = code;
  } else if (text && std::sscanf(text->c_str(), "signal %d", &code) == 1) {
    node.end = End::kSignal;
    node.code = code;
  } else {
    node.end = End::kVanished;
    // Its job may outlive a wrapper that was killed alone: stop what is left of the group.
    SignalNode(node, SIGKILL);
  }
}

std::string FormatVerdict(const LocalBackend::Run::Verdict& v) {
  return StrCat(RunStatusName(v.status), " ", v.exit_code, " ", v.kill_at, "\n", v.reason, "\n");
}

std::optional<LocalBackend::Run::Verdict> ParseVerdict(const std::string& text) {
  std::istringstream in(text);
  std::string word;
  LocalBackend::Run::Verdict v;
  long long kill_at = 0;
  if (!(in >> word >> v.exit_code >> kill_at)) return std::nullopt;
  std::optional<RunStatus> status = StatusFromWord(word);
  if (!status) return std::nullopt;
  v.status = *status;
  v.kill_at = kill_at;
  in.ignore(1);
  std::getline(in, v.reason);
  return v;
}

}  // namespace

std::string DefaultNodeWrapperPath() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path beside = self.parent_path() / "arbiter-node";
    if (::access(beside.c_str(), X_OK) == 0) return beside.string();
  }
  return ARBITER_NODE_WRAPPER_PATH;
}

LocalBackend::LocalBackend(LocalBackendOptions options) : options_(std::move(options)) {}

LocalBackend::~LocalBackend() = default;

absl::StatusOr<std::unique_ptr<LocalBackend>> LocalBackend::Create(LocalBackendOptions options) {
  if (options.dir.empty()) return absl::InvalidArgumentError("local backend: no directory");
  if (options.wrapper.empty()) options.wrapper = DefaultNodeWrapperPath();
  if (::access(options.wrapper.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        StrCat("local backend of ", options.pool, ": the node wrapper ", options.wrapper,
               " is not there or not executable (it is built beside arbiter)"));
  }
  for (size_t n = 0; n < options.devices.size(); ++n) {
    if (options.devices[n].empty() || options.devices[n].size() != options.devices[0].size()) {
      return absl::InvalidArgumentError(StrCat("local backend of ", options.pool, ": node ", n,
                                               " has ", options.devices[n].size(),
                                               " devices; expected the same number (>= 1) on every "
                                               "node"));
    }
  }
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(StrCat(
        "local backend of ", options.pool, ": cannot create ", options.dir, ": ", ec.message()));
  }
  options.dir = fs::absolute(options.dir).lexically_normal().string();
  while (options.dir.size() > 1 && options.dir.back() == '/') options.dir.pop_back();
  std::unique_ptr<LocalBackend> backend(new LocalBackend(std::move(options)));
  backend->boot_id_ = local::BootId();
  backend->used_.resize(backend->options_.devices.size());
  for (size_t n = 0; n < backend->used_.size(); ++n) {
    backend->used_[n].assign(backend->options_.devices[n].size(), false);
  }
  if (absl::Status s = backend->Recover(); !s.ok()) return s;
  return backend;
}

absl::Status LocalBackend::Recover() {
  std::error_code ec;
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(options_.dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 4 && name.ends_with(".tmp")) {
      // A launch that never completed: no node was started from it.
      fs::remove_all(entry.path(), ec);
      continue;
    }
    if (entry.is_directory() && ParseRunName(name)) names.push_back(name);
  }
  if (ec) return absl::InternalError(StrCat("cannot read ", options_.dir, ": ", ec.message()));
  for (const std::string& name : names) {
    auto run = std::make_unique<Run>();
    run->key = *ParseRunName(name);
    run->name = name;
    run->dir = StrCat(options_.dir, "/", name);
    std::optional<std::string> launch = ReadSmallFile(run->dir + "/launch");
    if (!launch) return absl::DataLossError(StrCat(run->dir, ": no launch record"));
    std::istringstream in(*launch);
    std::string word;
    size_t nodes = 0;
    if (!(in >> word >> run->port >> nodes) || word != "port" || nodes == 0) {
      return absl::DataLossError(StrCat(run->dir, "/launch: malformed"));
    }
    run->port_hold = PortBook::Process().Adopt(run->port);
    for (size_t r = 0; r < nodes; ++r) {
      Run::Node node;
      size_t count = 0;
      if (!(in >> word >> node.pool_node >> count) || word != "node") {
        return absl::DataLossError(StrCat(run->dir, "/launch: malformed node ", r));
      }
      node.devices.resize(count);
      for (int32_t& d : node.devices) in >> d;
      if (!in) return absl::DataLossError(StrCat(run->dir, "/launch: malformed node ", r));
      run->nodes.push_back(std::move(node));
    }
    for (size_t r = 0; r < run->nodes.size(); ++r) {
      Run::Node& node = run->nodes[r];
      const std::string node_dir = run->NodeDir(r);
      if (std::optional<std::string> text = ReadSmallFile(node_dir + "/wrapper")) {
        node.wrapper = local::ParseProcessId(*text);
      } else {
        // Started just before the daemon died, before it could say who it is: find it.
        for (pid_t pid : local::FindProcesses({options_.wrapper, node_dir})) {
          if (std::optional<local::ProcStat> stat = local::ReadProcStat(pid)) {
            node.wrapper = ProcessId{pid, stat->start, boot_id_};
          }
        }
      }
    }
    if (std::optional<std::string> text = ReadSmallFile(run->dir + "/verdict")) {
      run->verdict = ParseVerdict(*text);
      if (!run->verdict) return absl::DataLossError(StrCat(run->dir, "/verdict: malformed"));
    }
    run->running_reported = fs::exists(run->dir + "/running", ec);
    for (size_t r = 0; r < run->nodes.size(); ++r) Refresh(run->nodes[r], run->NodeDir(r));
    if (run->AllDone()) {
      run->devices_held = false;
    } else {
      for (const Run::Node& node : run->nodes) {
        for (int32_t d : node.devices) {
          if (node.pool_node >= 0 && static_cast<size_t>(node.pool_node) < used_.size() && d >= 0 &&
              static_cast<size_t>(d) < used_[node.pool_node].size()) {
            used_[node.pool_node][d] = true;
          }
        }
      }
    }
    runs_.emplace(name, std::move(run));
  }
  return absl::OkStatus();
}

absl::Status LocalBackend::Launch(const LaunchSpec& spec) {
  const std::string name = RunName(spec.key);
  const std::string dir = StrCat(options_.dir, "/", name);
  std::error_code ec;
  if (runs_.contains(name) || fs::exists(dir, ec)) {
    return absl::AlreadyExistsError(StrCat("run ", name, " was launched before"));
  }
  if (spec.nodes < 1 || spec.accelerators_per_node < 1) {
    return absl::InvalidArgumentError(StrCat("run ", name, ": ", spec.nodes, " nodes of ",
                                             spec.accelerators_per_node,
                                             " accelerators; expected at least one of each"));
  }
  if (used_.empty() || static_cast<size_t>(spec.accelerators_per_node) > used_[0].size()) {
    return absl::InvalidArgumentError(StrCat(
        "run ", name, ": ", spec.accelerators_per_node, " accelerators per node; pool ",
        options_.pool, " has ", used_.size(), " nodes of ", used_.empty() ? 0 : used_[0].size()));
  }
  // Devices: each node of the run on the first pool node with room, lowest devices first.
  std::vector<std::vector<bool>> used = used_;
  auto run = std::make_unique<Run>();
  run->key = spec.key;
  run->name = name;
  run->dir = dir;
  for (int32_t r = 0; r < spec.nodes; ++r) {
    Run::Node node;
    node.pool_node = -1;
    for (size_t n = 0; n < used.size() && node.pool_node < 0; ++n) {
      const auto free = std::count(used[n].begin(), used[n].end(), false);
      if (free < spec.accelerators_per_node) continue;
      node.pool_node = static_cast<int32_t>(n);
      for (size_t d = 0; d < used[n].size() &&
                         static_cast<int32_t>(node.devices.size()) < spec.accelerators_per_node;
           ++d) {
        if (!used[n][d]) {
          used[n][d] = true;
          node.devices.push_back(static_cast<int32_t>(d));
        }
      }
    }
    if (node.pool_node < 0) {
      std::vector<int64_t> free;
      for (const std::vector<bool>& u : used_)
        free.push_back(std::count(u.begin(), u.end(), false));
      return absl::ResourceExhaustedError(StrCat(
          "pool ", options_.pool, ": no node has ", spec.accelerators_per_node,
          " free accelerators for node ", r, " of run ", name,
          " (free per node: ", free.empty() ? std::string("none") : StrJoin(free, ", "), ")"));
    }
    run->nodes.push_back(std::move(node));
  }
  run->port_hold = PortBook::Process().Take();
  run->port = run->port_hold.port();
  if (run->port == 0) return Errno("cannot find a free port on 127.0.0.1");

  // The run's directory, complete before any node starts (a launch cut short leaves only .tmp).
  const std::string tmp = dir + ".tmp";
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return absl::InternalError(StrCat("cannot create ", tmp, ": ", ec.message()));
  std::string launch = StrCat("port ", run->port, " ", run->nodes.size(), "\n");
  for (const Run::Node& node : run->nodes) {
    StrAppend(&launch, "node ", node.pool_node, " ", node.devices.size());
    for (int32_t d : node.devices) StrAppend(&launch, " ", d);
    StrAppend(&launch, "\n");
  }
  bool ok = WriteFileAtomically(tmp + "/launch", launch) &&
            WriteFileAtomically(tmp + "/setup.sh", spec.setup) &&
            WriteFileAtomically(tmp + "/run.sh", spec.run);
  for (size_t r = 0; ok && r < run->nodes.size(); ++r) {
    ok = fs::create_directory(StrCat(tmp, "/node-", r), ec);
  }
  if (!ok || ::rename(tmp.c_str(), dir.c_str()) != 0) {
    const absl::Status status = Errno(StrCat("cannot prepare ", dir));
    fs::remove_all(tmp, ec);
    return status;
  }
  const std::string checkpoint_dir =
      spec.checkpoint_dir.empty() ? StrCat(options_.dir, "/checkpoints/", spec.key.job.value())
                                  : spec.checkpoint_dir;
  // Not in the run's directory, which goes once the run's end has been received.
  const std::string log_dir =
      spec.log_dir.empty() ? StrCat(options_.dir, "/logs/", name) : spec.log_dir;
  const std::string workdir = spec.workdir.empty() ? dir : spec.workdir;
  fs::create_directories(checkpoint_dir, ec);
  if (!ec) fs::create_directories(log_dir, ec);
  if (ec) {
    fs::remove_all(dir, ec);
    return absl::InternalError(
        StrCat("cannot create ", checkpoint_dir, " or ", log_dir, ": ", ec.message()));
  }

  // The environment every node shares; its rank and devices are added per node.
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view var(*e);
    if (var.starts_with("ARBITER_") || var.starts_with("CUDA_VISIBLE_DEVICES=")) continue;
    const std::string_view var_name = var.substr(0, var.find('='));
    const bool overridden =
        std::any_of(spec.env.begin(), spec.env.end(),
                    [&var_name](const auto& kv) { return kv.first == var_name; });
    if (!overridden) env.emplace_back(var);
  }
  for (const auto& [key, value] : spec.env) env.push_back(StrCat(key, "=", value));
  env.push_back(StrCat("ARBITER_JOB_ID=", spec.key.job.value()));
  env.push_back(StrCat("ARBITER_JOB_NAME=", spec.job_name));
  env.push_back(StrCat("ARBITER_ATTEMPT=", spec.key.attempt));
  env.push_back(StrCat("ARBITER_NUM_NODES=", spec.nodes));
  env.push_back("ARBITER_MASTER_ADDR=127.0.0.1");
  env.push_back(StrCat("ARBITER_MASTER_PORT=", run->port));
  env.push_back(StrCat("ARBITER_CHECKPOINT_DIR=", checkpoint_dir));

  const std::string setup_file = spec.setup.empty() ? "" : dir + "/setup.sh";
  const std::string run_file = dir + "/run.sh";
  absl::Status failure;
  for (size_t r = 0; r < run->nodes.size() && failure.ok(); ++r) {
    Run::Node& node = run->nodes[r];
    std::vector<std::string> devices;
    for (int32_t d : node.devices) {
      devices.push_back(StrCat(options_.devices[node.pool_node][d]));
    }
    std::vector<std::string> node_env = env;
    node_env.push_back(StrCat("ARBITER_NODE_RANK=", r));
    node_env.push_back(StrCat("CUDA_VISIBLE_DEVICES=", StrJoin(devices, ",")));
    std::vector<char*> envp;
    envp.reserve(node_env.size() + 1);
    for (std::string& e : node_env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string node_dir = run->NodeDir(r);
    std::string wrapper = options_.wrapper;
    std::string workdir_arg = workdir;
    std::string setup_arg = setup_file;
    std::string run_arg = run_file;
    char* argv[] = {wrapper.data(),   node_dir.data(), workdir_arg.data(),
                    setup_arg.data(), run_arg.data(),  nullptr};

    const std::string log = StrCat(log_dir, "/node-", r, ".log");
    const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
      failure = Errno(StrCat("cannot open ", log));
      break;
    }
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, log_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, log_fd, 2);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    sigset_t all;
    sigset_t none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t pid = 0;
    const int err = ::posix_spawn(&pid, wrapper.c_str(), &actions, &attr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(log_fd);
    if (err != 0) {
      failure = absl::InternalError(
          StrCat("cannot start node ", r, " of run ", name, ": ", std::strerror(err)));
      break;
    }
    node.child = pid;
  }
  if (!failure.ok()) {
    // Nodes already started go at once (they have done nothing yet), and so does the run.
    for (Run::Node& node : run->nodes) {
      if (node.child <= 0) continue;
      ::kill(-node.child, SIGKILL);
      ::kill(node.child, SIGKILL);
      int status = 0;
      while (::waitpid(node.child, &status, 0) < 0 && errno == EINTR) {
      }
    }
    fs::remove_all(dir, ec);
    return failure;
  }
  for (const Run::Node& node : run->nodes) {
    for (int32_t d : node.devices) used_[node.pool_node][d] = true;
  }
  runs_.emplace(name, std::move(run));
  return absl::OkStatus();
}

absl::Status LocalBackend::Cancel(const RunKey& key) {
  auto it = runs_.find(RunName(key));
  if (it == runs_.end()) return absl::OkStatus();
  Run& run = *it->second;
  if (run.end_returned || run.verdict) return absl::OkStatus();
  Run::Verdict verdict;
  verdict.status = RunStatus::kCancelled;
  verdict.reason = "cancelled";
  verdict.kill_at = BootMillis() + options_.grace_ms;
  if (!WriteFileAtomically(run.dir + "/verdict", FormatVerdict(verdict))) {
    return Errno(StrCat("cannot record the cancel of run ", run.name));
  }
  run.verdict = std::move(verdict);
  for (size_t r = 0; r < run.nodes.size(); ++r) {
    Refresh(run.nodes[r], run.NodeDir(r));
    if (!run.nodes[r].done) SignalNode(run.nodes[r], SIGTERM);
  }
  return absl::OkStatus();
}

std::vector<RunReport> LocalBackend::Poll() {
  // What the previous Poll returned has been received.
  std::error_code ec;
  for (auto it = runs_.begin(); it != runs_.end();) {
    Run& run = *it->second;
    if (run.end_returned) {
      fs::remove_all(run.dir, ec);
      it = runs_.erase(it);
      continue;
    }
    if (run.running_returned && !run.running_reported) {
      run.running_reported = WriteFileAtomically(run.dir + "/running", "");
    }
    run.running_returned = false;
    ++it;
  }
  std::vector<RunReport> reports;
  const int64_t now = BootMillis();
  for (auto& [name, run_ptr] : runs_) {
    Run& run = *run_ptr;
    if (!run.running_reported) {
      reports.push_back({run.key, RunStatus::kRunning, 0, ""});
      run.running_returned = true;
    }
    for (size_t r = 0; r < run.nodes.size(); ++r) Refresh(run.nodes[r], run.NodeDir(r));
    if (!run.verdict) {
      for (size_t r = 0; r < run.nodes.size() && !run.verdict; ++r) {
        if (!run.nodes[r].done) continue;
        std::optional<Run::Verdict> verdict = Abnormal(run.nodes[r], r);
        if (!verdict) continue;
        verdict->kill_at = now + options_.grace_ms;
        // Recorded before anything else happens, so that the nodes stopped because of it (and a
        // restart meanwhile) cannot change how the run ended.
        WriteFileAtomically(run.dir + "/verdict", FormatVerdict(*verdict));
        run.verdict = std::move(verdict);
        for (Run::Node& other : run.nodes) {
          if (!other.done) SignalNode(other, SIGTERM);
        }
      }
    }
    if (run.verdict && !run.killed && now >= run.verdict->kill_at) {
      for (Run::Node& node : run.nodes) {
        if (!node.done) SignalNode(node, SIGKILL);
      }
      run.killed = true;
    }
    if (!run.AllDone()) continue;
    if (run.devices_held) {
      for (const Run::Node& node : run.nodes) {
        for (int32_t d : node.devices) {
          if (node.pool_node >= 0 && static_cast<size_t>(node.pool_node) < used_.size() && d >= 0 &&
              static_cast<size_t>(d) < used_[node.pool_node].size()) {
            used_[node.pool_node][d] = false;
          }
        }
      }
      run.devices_held = false;
    }
    RunReport end{run.key, RunStatus::kSucceeded, 0, ""};
    if (run.verdict) {
      end.status = run.verdict->status;
      end.exit_code = run.verdict->exit_code;
      end.reason = run.verdict->reason;
    }
    reports.push_back(std::move(end));
    run.end_returned = true;
  }
  return reports;
}

absl::StatusOr<std::vector<RunKey>> LocalBackend::Active() {
  std::vector<RunKey> keys;
  for (const auto& [name, run] : runs_) {
    if (!run->end_returned) keys.push_back(run->key);
  }
  return keys;
}

absl::StatusOr<std::optional<int32_t>> LocalBackend::Nodes() { return std::optional<int32_t>(); }

std::vector<int32_t> LocalBackend::FreeDevices() const {
  std::vector<int32_t> free;
  for (const std::vector<bool>& u : used_) {
    free.push_back(static_cast<int32_t>(std::count(u.begin(), u.end(), false)));
  }
  return free;
}

}  // namespace arbiter
