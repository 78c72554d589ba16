#include "serve/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "backends/local/local_backend.h"
#include "backends/slurm/slurm_backend.h"
#include "formats/parse.h"
#include "formats/scenario_yaml.h"
#include "market/holdings.h"
#include "model/sha256.h"
#include "model/strings.h"
#include "serve/driver.h"
#include "serve/event_log.h"
#include "serve/http_api.h"

namespace arbiter::serve {

namespace {

// "host:port" -> (host, port); port 0 is allowed (the OS chooses).
absl::StatusOr<std::pair<std::string, int>> ParseListen(std::string_view listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return absl::InvalidArgumentError(
        StrCat("--listen: '", listen, "' is not HOST:PORT (e.g. 127.0.0.1:8470)"));
  }
  const std::optional<int64_t> port = ParseInt(listen.substr(colon + 1));
  if (!port || *port < 0 || *port > 65535) {
    return absl::InvalidArgumentError(
        StrCat("--listen: port '", listen.substr(colon + 1), "' is not 0 to 65535"));
  }
  return std::make_pair(std::string(listen.substr(0, colon)), static_cast<int>(*port));
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view contents) {
  const std::string tmp = StrCat(path, ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    if (!out.good()) return absl::InternalError(StrCat("cannot write ", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return absl::InternalError(StrCat("cannot rename ", tmp, ": ", ec.message()));
  return absl::OkStatus();
}

// The backend of a pool that runs on a Slurm cluster. When the cluster answers, it must have a
// node with the pool's accelerators per node as gres (else no launch could ever start there);
// when it does not, the daemon starts all the same and the pool has no room until it answers.
// Its Slurm job names carry the state's instance (a random name made with the state) after the
// pool's prefix: a daemon on a new state (whose job and attempt numbers start again from 0 and 1)
// never takes the jobs an earlier state left in Slurm's memory for its own.
absl::StatusOr<std::unique_ptr<Backend>> MakeSlurmBackend(const Pool& pool,
                                                          const SlurmBackendSettings& config,
                                                          const std::string& instance,
                                                          std::FILE* err) {
  slurm::SlurmOptions o;
  o.cluster = pool.name;
  o.conf = std::filesystem::absolute(config.conf).string();
  o.submit.job_prefix = StrCat(config.job_prefix, "-", instance);
  o.submit.partition = config.partition;
  o.submit.account = config.account;
  o.submit.qos = config.qos;
  o.submit.gres = config.gres;
  o.submit.exclusive = config.exclusive;
  o.poll_interval = absl::Milliseconds(config.poll_interval_ms);
  o.command_timeout = absl::Seconds(config.command_timeout);
  o.lost_after = absl::Seconds(config.lost_after);
  o.start_timeout = absl::Seconds(config.start_timeout);
  absl::StatusOr<std::unique_ptr<slurm::SlurmBackend>> backend =
      slurm::SlurmBackend::Create(std::move(o));
  if (!backend.ok()) return backend.status();
  absl::StatusOr<std::vector<slurm::SlurmNode>> nodes = (*backend)->ClusterNodes();
  if (!nodes.ok()) {
    std::fprintf(err, "arbiter serve: pool %s: %s; no room there until it answers\n",
                 pool.name.c_str(), std::string(nodes.status().message()).c_str());
  } else if (pool.accelerators_per_node > 0 &&
             std::none_of(nodes->begin(), nodes->end(), [&](const slurm::SlurmNode& n) {
               return n.gres_count >= pool.accelerators_per_node;
             })) {
    std::string have;
    for (const slurm::SlurmNode& n : *nodes) {
      StrAppend(&have, have.empty() ? "" : ", ", n.name, " ", n.gres_count);
    }
    return absl::InvalidArgumentError(StrCat("no node of Slurm cluster ", config.conf, " has ",
                                             pool.accelerators_per_node, " ", config.gres,
                                             " gres (the pool's accelerators per node); it has ",
                                             have.empty() ? "no nodes" : have));
  }
  return std::unique_ptr<Backend>(*std::move(backend));
}

// A directory name for a pool's backend: its name with '/' as '_'.
std::string PoolDirName(std::string_view pool) {
  std::string out(pool);
  for (char& c : out) {
    if (c == '/') c = '_';
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(const ServeOptions& options) {
  auto daemon = std::unique_ptr<Daemon>(new Daemon());
  daemon->options_ = options;
  absl::StatusOr<std::pair<std::string, int>> listen = ParseListen(options.listen);
  if (!listen.ok()) return listen.status();

  // The fleet.
  absl::StatusOr<std::string> fleet_text = ReadFile(options.config);
  if (!fleet_text.ok()) return absl::InvalidArgumentError(fleet_text.status().message());
  absl::StatusOr<Scenario> scenario = LoadScenario(options.config);
  if (!scenario.ok()) return absl::InvalidArgumentError(scenario.status().message());
  daemon->scenario_ = *std::move(scenario);
  Scenario& s = daemon->scenario_;
  s.jobs.clear();  // workloads are for `arbiter simulate`
  if (absl::Status st = ExpandHoldings(s); !st.ok()) {
    return absl::InvalidArgumentError(StrCat(options.config, ": ", st.message()));
  }
  if (s.live.tokens.empty()) {
    return absl::InvalidArgumentError(
        StrCat(options.config, ": tokens: none; the API needs at least an admin token"));
  }

  // The state directory, held by this daemon alone.
  std::error_code ec;
  std::filesystem::create_directories(options.state_dir, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        StrCat("--state: cannot create ", options.state_dir, ": ", ec.message()));
  }
  const std::string lock_path = StrCat(options.state_dir, "/lock");
  daemon->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (daemon->lock_fd_ < 0) {
    return absl::InvalidArgumentError(StrCat("--state: cannot open ", lock_path));
  }
  if (::flock(daemon->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return absl::FailedPreconditionError(
        StrCat("--state: ", options.state_dir, " is in use by another arbiter serve"));
  }
  ::unlink(StrCat(options.state_dir, "/address").c_str());

  EventLogOptions log_options;
  log_options.sync = options.sync;
  log_options.max_pages = options.log_max_pages;
  absl::StatusOr<std::unique_ptr<EventLog>> log =
      EventLog::Open(StrCat(options.state_dir, "/events.db"), log_options);
  if (!log.ok()) return log.status();
  // The epoch and the fleet the state was made with.
  const std::string fleet_hash = Sha256Hex(Sha256(*fleet_text));
  absl::StatusOr<std::optional<std::string>> stored_hash = (*log)->GetMeta("fleet_sha256");
  if (!stored_hash.ok()) return stored_hash.status();
  if (*stored_hash && **stored_hash != fleet_hash) {
    return absl::FailedPreconditionError(
        StrCat("--state: ", options.state_dir,
               " was made with another fleet file (its events would replay differently); start "
               "with that file, or give a new --state directory"));
  }
  absl::StatusOr<std::optional<std::string>> stored_epoch = (*log)->GetMeta("epoch");
  if (!stored_epoch.ok()) return stored_epoch.status();
  int64_t epoch = 0;
  if (*stored_epoch) {
    const std::optional<int64_t> e = ParseInt(**stored_epoch);
    if (!e) return absl::DataLossError(StrCat("event log: bad epoch '", **stored_epoch, "'"));
    epoch = *e;
  } else {
    const double now =
        options.clock
            ? options.clock()
            : std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                  .count();
    epoch = static_cast<int64_t>(std::floor(now));
    if (absl::Status st = (*log)->PutMeta("epoch", std::to_string(epoch)); !st.ok()) return st;
    if (absl::Status st = (*log)->PutMeta("fleet_sha256", fleet_hash); !st.ok()) return st;
  }
  absl::StatusOr<std::optional<std::string>> stored_policy = (*log)->GetMeta("policy");
  if (!stored_policy.ok()) return stored_policy.status();
  const std::string policy = options.policy.empty() ? s.default_policy : options.policy;
  if (*stored_policy && **stored_policy != policy) {
    return absl::FailedPreconditionError(StrCat("--policy: the state ", options.state_dir,
                                                " was made with policy ", **stored_policy, ", not ",
                                                policy));
  }
  if (!*stored_policy) {
    if (absl::Status st = (*log)->PutMeta("policy", policy); !st.ok()) return st;
  }

  // A random name of this state, made with it: backends that name work outside the daemon
  // (Slurm job names) tell their jobs from those of another state's.
  absl::StatusOr<std::optional<std::string>> stored_instance = (*log)->GetMeta("instance");
  if (!stored_instance.ok()) return stored_instance.status();
  std::string instance;
  if (*stored_instance) {
    instance = **stored_instance;
  } else {
    std::random_device random;
    instance = Format("%08x", static_cast<unsigned>(random()));
    if (absl::Status st = (*log)->PutMeta("instance", instance); !st.ok()) return st;
  }

  // Backends: one per pool with a backend; holding pools run on their parent's.
  const Fleet& fleet = s.fleet;
  std::vector<Backend*> backends(fleet.pools.size(), nullptr);
  for (size_t p = 0; p < fleet.pools.size(); ++p) {
    const PoolId id = PoolId::FromIndex(p);
    if (fleet.pools[p].parent) continue;
    const PoolBackend* config = s.live.BackendOf(id);
    if (config == nullptr) continue;
    absl::StatusOr<std::unique_ptr<Backend>> backend;
    if (options.make_backend) {
      backend = options.make_backend(id, *config);
    } else if (config->kind == "local") {
      LocalBackendOptions local;
      local.dir = StrCat(options.state_dir, "/backends/", PoolDirName(fleet.pools[p].name));
      local.pool = fleet.pools[p].name;
      local.devices = config->local.devices;
      local.grace_ms = options.grace_ms;
      absl::StatusOr<std::unique_ptr<LocalBackend>> made = LocalBackend::Create(local);
      if (made.ok()) {
        backend = std::unique_ptr<Backend>(*std::move(made));
      } else {
        backend = made.status();
      }
    } else if (config->kind == "slurm") {
      backend = MakeSlurmBackend(fleet.pools[p], config->slurm, instance, stderr);
      if (!backend.ok() && backend.status().code() == absl::StatusCode::kInvalidArgument) {
        return absl::InvalidArgumentError(
            StrCat("pool ", fleet.pools[p].name, ": ", backend.status().message()));
      }
    } else {
      return absl::InvalidArgumentError(StrCat("pool ", fleet.pools[p].name, ": backend kind '",
                                               config->kind, "' is not supported by this daemon"));
    }
    if (!backend.ok()) {
      return absl::InternalError(
          StrCat("pool ", fleet.pools[p].name, ": ", backend.status().message()));
    }
    backends[p] = backend->get();
    if (*backend) daemon->owned_backends_.push_back(*std::move(backend));
  }
  for (size_t p = 0; p < fleet.pools.size(); ++p) {
    if (fleet.pools[p].parent) backends[p] = backends[fleet.pools[p].parent->index()];
  }

  DriverOptions driver_options;
  driver_options.state_dir = options.state_dir;
  driver_options.epoch = epoch;
  driver_options.clock = options.clock;
  driver_options.policy = policy;
  driver_options.billing_interval = options.billing_interval;
  driver_options.poll_interval = options.poll_interval;
  driver_options.nodes_interval = options.nodes_interval;
  driver_options.commit_gather = options.commit_gather;
  absl::StatusOr<std::unique_ptr<Driver>> driver =
      Driver::Create(s, *std::move(log), std::move(backends), driver_options);
  if (!driver.ok()) return absl::InvalidArgumentError(driver.status().message());
  daemon->driver_ = *std::move(driver);
  if (absl::Status st = daemon->driver_->Recover(); !st.ok()) return st;
  daemon->driver_->Start();

  ApiOptions api_options;
  api_options.host = listen->first;
  api_options.port = listen->second;
  api_options.max_body_bytes = options.max_body_bytes;
  absl::StatusOr<std::unique_ptr<ApiServer>> api = ApiServer::Start(*daemon->driver_, api_options);
  if (!api.ok()) return api.status();
  daemon->api_ = *std::move(api);
  if (absl::Status st = WriteFileAtomically(StrCat(options.state_dir, "/address"),
                                            StrCat(daemon->api_->address(), "\n"));
      !st.ok()) {
    return st;
  }
  return daemon;
}

Daemon::~Daemon() {
  Stop();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::string Daemon::address() const { return api_ ? api_->address() : ""; }

void Daemon::Stop() {
  if (api_) api_->Stop();
  if (driver_) driver_->Stop();
}

int RunServe(const ServeOptions& options, std::FILE* out, std::FILE* err) {
  // SIGINT and SIGTERM are taken by sigwait below; every thread started from here inherits the
  // mask, so none of them is interrupted by them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  absl::StatusOr<std::unique_ptr<Daemon>> daemon = Daemon::Start(options);
  if (!daemon.ok()) {
    std::fprintf(err, "arbiter serve: %s\n", std::string(daemon.status().message()).c_str());
    const absl::StatusCode code = daemon.status().code();
    return code == absl::StatusCode::kInvalidArgument ||
                   code == absl::StatusCode::kFailedPrecondition
               ? 2
               : 1;
  }
  {
    Driver& d = (*daemon)->driver();
    auto lock = d.ReadLock();
    std::fprintf(out,
                 "arbiter serve: listening on http://%s (state %s: %lld events replayed in "
                 "%.2f s, %lld jobs)\n",
                 (*daemon)->address().c_str(), options.state_dir.c_str(),
                 static_cast<long long>(d.replayed_records()), d.replay_seconds(),
                 static_cast<long long>(d.jobs()));
    std::fflush(out);
  }
  int signal = 0;
  sigwait(&signals, &signal);
  std::fprintf(out, "arbiter serve: stopping (%s); runs keep running and are adopted at restart\n",
               signal == SIGINT ? "SIGINT" : "SIGTERM");
  (*daemon)->Stop();
  return 0;
}

}  // namespace arbiter::serve
