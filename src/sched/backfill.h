// Backfill for gangs: reservations for the jobs at the front of the queue, and smaller jobs in the
// gaps only where they delay none of them (Slurm's backfill, per pool).
//
// Queue order is priority (higher first), then submission, then id. In each pass the policy walks
// the queue from the front: a job that can start now without delaying any reservation made before
// it in this walk starts (on the pool where it runs fastest among those, then the cheaper); the
// next job that cannot gets a reservation at its earliest possible start, on the pool where that
// is earliest (then the earlier finish, then the lower id). The walk stops after `depth`
// reservations: depth 1 is EASY backfill (only the head is protected), kConservativeDepth is
// conservative backfill (every job up to that depth is protected; the depth bounds the work of a
// pass, as Slurm's bf_max_job_test does).
//
// Availability on a pool over time is its free capacity now plus what its running jobs free when
// they are expected to end (ClusterView::RunStart and remaining work over the pool's rate: exact
// in the simulator, less setup time left after a restart), minus the reservations. Capacity held
// for capacity requests, or awaiting delivery, is counted as busy with no known end.
//
// Behind the reservations, every pending job is a candidate for a gap (the index of
// sched/job_buckets.h): when a pool frees capacity, among the buckets of its type with
// gang <= free, a bucket's first job by queue order starts if it would delay no reservation on that
// pool, or else its shortest job if that one would not; the best of those by queue order starts,
// and again until none can. A job delays no reservation if, at every reservation's start within
// its run, the pool still holds the reservations active then and this job.
//
// Reservations are recomputed only when a pass may change them: a pool freed capacity, a job was
// released or placed by another path, or a job became pending ahead of the last reservation.
// Pools where a reservation was dropped or moved are looked at again for gaps.
#ifndef ARBITER_SCHED_BACKFILL_H_
#define ARBITER_SCHED_BACKFILL_H_

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "sched/eligibility.h"
#include "sched/job_buckets.h"
#include "sched/policy.h"
#include "sched/ranked_pools.h"
#include "sched/registry.h"

namespace arbiter {

class BackfillPolicy final : public Policy {
 public:
  static constexpr int kConservativeDepth = 32;
  // At most this many jobs are walked per pass beyond the reserved ones (jobs that no pool can
  // hold now get no reservation and are passed over).
  static constexpr int kWalkSlack = 256;

  struct Reservation {
    JobId job;
    PoolId pool;
    Time start = 0;
    Time end = 0;
    int32_t gang = 0;
  };

  explicit BackfillPolicy(int depth) : depth_(depth) {}
  std::string_view name() const override {
    return depth_ == 1 ? "backfill-easy" : "backfill-conservative";
  }

  void OnPending(JobId job, const ClusterView& view) override;
  void OnRemoved(JobId job) override;
  void OnReleased(JobId job) override;
  void Schedule(const ClusterView& view, std::span<const PoolId> grown, Placer& placer) override;

  // For tests: the reservations after the last pass, in queue order, and the start of the first
  // reservation each job ever got (kNever if none).
  const std::vector<Reservation>& reservations() const { return reservations_; }
  Time first_reservation(JobId job) const {
    return job.index() < first_reserved_.size() ? first_reserved_[job.index()] : kNever;
  }

 private:
  struct Order {
    int64_t primary;
    int64_t secondary;
    JobId job;
    bool operator<(const Order& o) const;
  };
  // A pool's running jobs by expected end, with prefix sums of their gangs.
  struct Profile {
    bool valid = false;
    size_t running = 0;          // the pool's running count when built
    std::vector<Time> ends;      // ascending
    std::vector<int64_t> freed;  // freed[i]: accelerators freed by ends[0..i]
  };

  Order OrderOf(JobId job, const ClusterView& view) const;
  const Profile& ProfileOf(PoolId pool, const ClusterView& view);
  // Accelerators that running jobs free on `pool` by time t (inclusive).
  int64_t FreedBy(const Profile& profile, Time t) const;
  // Whether `gang` accelerators for `runtime` from now on `pool` delay no reservation.
  bool Admits(PoolId pool, int32_t gang, Duration runtime, const ClusterView& view);
  // The earliest start of `gang` for `runtime` on `pool` given its profile and reservations, or
  // kNever.
  Time EarliestStart(PoolId pool, int32_t gang, Duration runtime, const ClusterView& view);
  // The pools where the job can start now without delaying a reservation.
  PoolList StartableNow(JobId job, const ClusterView& view);
  // FastestPool(StartableNow(job)) from ranked_: per type, the first pool by price that admits the
  // job; invalid if none does.
  PoolId Pick(JobId job, const ClusterView& view);
  void Start(JobId job, PoolId pool, const ClusterView& view, Placer& placer);
  // Recomputes the reservations, starting what can start on the way.
  void Walk(const ClusterView& view, Placer& placer);
  void FillPool(PoolId pool, const ClusterView& view, Placer& placer);
  void Touch(PoolId pool);

  mutable EligibleCache eligible_;  // eligible pools per job shape
  RankedPools ranked_;              // the same by type and price, for choosing
  int depth_;
  JobBuckets buckets_{/*by_runtime=*/true};
  absl::btree_set<Order> order_;
  std::vector<Reservation> reservations_;
  std::vector<std::vector<int32_t>> reserved_on_;  // per pool: indices into reservations_
  std::vector<Time> first_reserved_;               // per job
  std::vector<Profile> profiles_;                  // per pool
  std::vector<JobId> fresh_;
  std::vector<std::pair<int64_t, int64_t>> keys_;  // per job: its queue order (after the id)
  std::vector<PoolId> placed_pool_;  // per job: where this policy placed it (for OnReleased)
  bool walk_ = true;
};

std::unique_ptr<Policy> MakeEasyBackfillPolicy(const PolicyOptions& options);
std::unique_ptr<Policy> MakeConservativeBackfillPolicy(const PolicyOptions& options);

}  // namespace arbiter

#endif  // ARBITER_SCHED_BACKFILL_H_
