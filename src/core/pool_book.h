// The pool book: each pool's capacity and what is done with it, as the core sees it.
//
// Per pool it keeps the capacity (and its integral over time, for utilisation), the accelerators
// in use (and those of its provider's own first-party work), tentative holds of jobs whose
// capacity request is open, capacity awarded to jobs whose deal has not been delivered yet, and
// the jobs running there. Per provider it keeps the accelerators external tenants use on its
// pools and what that use cost its own waiting first-party demand (FirstPartyImpact).
//
// Room = capacity - used - held - awaiting. The book does not refuse a use that exceeds the room:
// the parts that place work check the room first (Broker::Place, the market desk's deliveries);
// use above capacity appears only when capacity shrinks under running work, until the driver
// reports the runs it stopped.
#ifndef ARBITER_CORE_POOL_BOOK_H_
#define ARBITER_CORE_POOL_BOOK_H_

#include <cstdint>
#include <span>
#include <vector>

#include "core/job_table.h"
#include "model/fleet.h"

namespace arbiter {

// Per provider: the market's record of what external tenants cost its own first-party demand.
struct FirstPartyImpact {
  int64_t displaced_accelerator_seconds = 0;  // external use while own demand of that size waited
  int64_t delayed_job_seconds = 0;            // own jobs waiting while external work ran
};

class PoolBook {
 public:
  // `fleet` must outlive the book. Pools start with the fleet's capacity.
  explicit PoolBook(const Fleet& fleet);

  void AddJob() { running_slot_.push_back(-1); }
  void Reserve(size_t jobs) { running_slot_.reserve(jobs); }

  int64_t capacity(PoolId pool) const { return pools_[pool.index()].capacity; }
  int64_t used(PoolId pool) const { return pools_[pool.index()].used; }
  int64_t used_first_party(PoolId pool) const { return pools_[pool.index()].used_first_party; }
  int64_t Room(PoolId pool) const {
    const PoolState& p = pools_[pool.index()];
    return p.capacity - p.used - p.held - p.awaiting;
  }
  size_t pools() const { return pools_.size(); }

  // Adds (sign +1) or removes (-1) a job's accelerators to the pool's use.
  void Occupy(PoolId pool, const Job& job, int sign) {
    PoolState& p = pools_[pool.index()];
    const int64_t accelerators = sign * static_cast<int64_t>(job.accelerators);
    p.used += accelerators;
    const ProviderId provider = fleet_.pool(pool).provider;
    if (fleet_.tenant(job.tenant).first_party_of == provider) {
      p.used_first_party += accelerators;
    } else {
      providers_[provider.index()].external_used += accelerators;
    }
  }
  // Tentative holds and awaited deliveries (see above).
  void AddHeld(PoolId pool, int64_t accelerators) { pools_[pool.index()].held += accelerators; }
  void AddAwaiting(PoolId pool, int64_t accelerators) {
    pools_[pool.index()].awaiting += accelerators;
  }

  // The jobs running on a pool, in no particular order.
  std::span<const JobId> running_on(PoolId pool) const { return pools_[pool.index()].running; }
  void AddRunning(PoolId pool, JobId job) {
    std::vector<JobId>& on_pool = pools_[pool.index()].running;
    running_slot_[job.index()] = static_cast<int32_t>(on_pool.size());
    on_pool.push_back(job);
  }
  void RemoveRunning(PoolId pool, JobId job) {
    std::vector<JobId>& on_pool = pools_[pool.index()].running;
    const int32_t slot = running_slot_[job.index()];
    const JobId last = on_pool.back();
    on_pool[slot] = last;
    running_slot_[last.index()] = slot;
    on_pool.pop_back();
    running_slot_[job.index()] = -1;
  }

  // The pool has `nodes` nodes from `now` on. Returns whether its capacity grew.
  bool SetNodes(PoolId pool, int32_t nodes, Time now);
  // Accelerator-seconds of capacity the pool had over [0, until], for until >= the last change.
  int64_t CapacityIntegral(PoolId pool, Time until) const {
    const PoolState& p = pools_[pool.index()];
    return p.integral + p.capacity * (until - p.since);
  }

  // Accrues each provider's first-party impact up to `now`, given its waiting first-party work
  // (JobTable::first_party_waiting) since the last call.
  void Advance(Time now, std::span<const FirstPartyWaiting> waiting) {
    if (now > advanced_) Accrue(now, waiting);
  }
  const FirstPartyImpact& first_party_impact(ProviderId provider) const {
    return providers_[provider.index()].impact;
  }

 private:
  void Accrue(Time now, std::span<const FirstPartyWaiting> waiting);

  struct PoolState {
    int64_t capacity = 0;  // accelerators
    int64_t used = 0;
    int64_t used_first_party = 0;
    int64_t held = 0;      // tentative holds of jobs whose capacity request is open
    int64_t awaiting = 0;  // awarded to jobs whose capacity has not arrived yet
    int64_t integral = 0;  // accelerator-seconds of capacity over [0, since]
    Time since = 0;
    std::vector<JobId> running;  // unordered
  };
  struct ProviderState {
    int64_t external_used = 0;  // accelerators of other tenants on its pools
    FirstPartyImpact impact;
  };

  const Fleet& fleet_;
  std::vector<PoolState> pools_;
  std::vector<ProviderState> providers_;
  std::vector<int32_t> running_slot_;  // per job: index in its pool's running list, or -1
  Time advanced_ = 0;
};

}  // namespace arbiter

#endif  // ARBITER_CORE_POOL_BOOK_H_
