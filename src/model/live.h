// What a fleet file says about running live (`arbiter serve`): where each pool's work runs (its
// backend) and who may use the API (tokens). Read by formats/scenario_yaml (a fleet file is a
// scenario without workloads, docs/scenario.md#running-live) and used by the daemon; the simulator
// ignores all of it.
#ifndef ARBITER_MODEL_LIVE_H_
#define ARBITER_MODEL_LIVE_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/ids.h"

namespace arbiter {

// A pool whose work runs as processes on this machine (backends/local).
struct LocalBackendSettings {
  // Per node of the pool, the accelerator ids its runs see (CUDA_VISIBLE_DEVICES): one list for
  // every node the pool ever has (its largest size over its capacity schedule), each of
  // `accelerators_per_node` ids unique within the node. The loader fills this in for every local
  // pool: a list per node as written, or one list repeated for every node, or 0 ..
  // accelerators_per_node - 1 on every node when the file gives none.
  std::vector<std::vector<int32_t>> devices;
};

// A pool whose work runs on a Slurm cluster (backends/slurm): each launch is one batch job of
// whole nodes with the pool's accelerators per node as GPU gres.
struct SlurmBackendSettings {
  std::string conf;       // the cluster's slurm.conf (SLURM_CONF for its commands); absolute
  std::string partition;  // empty: the cluster's default partition
  std::string account;    // empty: the user's default
  std::string qos;        // empty: the default
  std::string gres = "gpu";
  bool exclusive = false;  // whole nodes for every job (sbatch --exclusive)
  // Slurm job names are JOB_PREFIX-jJOB-aATTEMPT; no other pool or daemon on the cluster may use
  // the same prefix. Empty: "arbiter-" and the pool's name.
  std::string job_prefix;
  int64_t poll_interval_ms = 1000;  // squeue and sinfo this often
  int64_t command_timeout = 30;     // seconds; a Slurm command still running is killed
  // Seconds the controller may stay silent before the pool's runs are reported lost (0: never).
  int64_t lost_after = 300;
  // Seconds a run may wait on the cluster before it is cancelled and reported lost (0: no limit).
  int64_t start_timeout = 600;
};

// Where a pool's work runs. `kind` names the backend ("local" or "slurm"), whose settings are
// beside it. A pool without a backend (kind empty) cannot run live work.
//
// Holding pools (a commitment's or reservation's nodes, market/holdings.h) are carved out of a
// pool after loading and have no entry here: their work runs on their parent pool's backend.
struct PoolBackend {
  std::string kind;  // "" (none), "local" or "slurm"
  LocalBackendSettings local;
  SlurmBackendSettings slurm;
};

// Who a bearer token speaks for (docs/scenario.md#tokens).
enum class TokenScope : uint8_t {
  kAdmin,     // everything
  kTenant,    // one tenant: its own jobs and costs
  kProvider,  // one provider: its own pools and the capacity requests addressed to it
};

// An API token. Only the SHA-256 of its secret is kept (the secret's bytes, no trailing newline);
// a request's token is hashed and compared with `sha256` (model/sha256.h).
struct ApiToken {
  std::string name;  // for logs and audit, e.g. "admin", "tenant lab"; never the secret
  TokenScope scope = TokenScope::kAdmin;
  TenantId tenant;      // kTenant
  ProviderId provider;  // kProvider
  std::array<uint8_t, 32> sha256{};
};

struct LiveConfig {
  // Indexed by pool id, one entry per pool the fleet file defines (fewer than the fleet's pools
  // once holdings are expanded); empty when no pool has a `backend:`.
  std::vector<PoolBackend> backends;
  std::vector<ApiToken> tokens;  // in file order; no two with the same secret

  const PoolBackend* BackendOf(PoolId pool) const {
    return pool.valid() && pool.index() < backends.size() && !backends[pool.index()].kind.empty()
               ? &backends[pool.index()]
               : nullptr;
  }
};

}  // namespace arbiter

#endif  // ARBITER_MODEL_LIVE_H_
