// Pending jobs indexed by what decides where they can run, for policies that must not rescan the
// queue on every event (the fair-share queue, backfill).
//
// A job waits in one bucket per accelerator type it accepts; a bucket holds the jobs of one
// (type, tenant, gang size, accelerators per node, placement rules). Whether a job can ever run
// on a pool (sched/eligibility.h) depends only on those, so a bucket is eligible on a pool as a
// whole:
// a policy that learns that a pool freed f accelerators looks at the buckets of the pool's type
// with gang <= f, never at the jobs behind their heads. Each bucket is a min-heap by a key the
// policy gives when the job is added, and optionally a second min-heap by runtime on the bucket's
// type (for backfill, which needs the shortest job that fits in a gap).
//
// Removal is lazy: a job's entries stay in their heaps, marked stale by a generation count, and
// are dropped when they surface or when a heap is compacted (when most of it is stale), so memory
// stays proportional to pending work. Not thread-safe; owned by one policy.
#ifndef ARBITER_SCHED_JOB_BUCKETS_H_
#define ARBITER_SCHED_JOB_BUCKETS_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "sched/view.h"

namespace arbiter {

class JobBuckets {
 public:
  // Lower keys come first; ties go to the lower job id.
  struct Key {
    int64_t primary = 0;
    int64_t secondary = 0;
  };
  struct Entry {
    Key key;
    JobId job;
    Duration runtime = 0;  // on the bucket's type, from the remaining work when added
    uint32_t generation = 0;
  };
  struct Bucket {
    AcceleratorTypeId type;
    TenantId tenant;
    int32_t gang = 0;
    int32_t per_node = 0;
    // The placement its jobs share (model/job.h; equal rules), or null: jobs without one.
    std::shared_ptr<const Placement> placement;
    int64_t live = 0;  // entries whose job is still here
    std::vector<Entry> by_key;
    std::vector<Entry> by_runtime;  // empty unless the index keeps runtime heaps
  };

  explicit JobBuckets(bool by_runtime = false) : by_runtime_(by_runtime) {}

  // Adds a pending job (no-op if it is already here) into one bucket per accepted type.
  void Add(JobId job, const ClusterView& view, Key key);
  // Removes the job (no-op if it is not here).
  void Remove(JobId job);
  bool Contains(JobId job) const {
    return job.index() < slots_.size() && slots_[job.index()].present;
  }
  int64_t size() const { return size_; }

  // Indices of the buckets of `type`, by ascending gang size.
  std::span<const int32_t> OfType(AcceleratorTypeId type) const {
    if (type.index() >= by_type_.size()) return {};
    return by_type_[type.index()];
  }
  const Bucket& bucket(int32_t b) const { return buckets_[b]; }
  int32_t bucket_count() const { return static_cast<int32_t>(buckets_.size()); }

  // The best live entry of bucket `b` by key, or by runtime; nullptr if the bucket is empty.
  // Drops the stale entries above it.
  const Entry* Head(int32_t b);
  const Entry* ShortestHead(int32_t b);
  // Whether the jobs of bucket `b` can ever run on `pool` (sched/eligibility.h's rule).
  static bool Eligible(const Bucket& b, PoolId pool, const ClusterView& view);

 private:
  struct Slot {
    uint32_t generation = 0;
    bool present = false;
    absl::InlinedVector<int32_t, 3> buckets;  // while present
  };
  struct BucketKey {
    int32_t type;
    int32_t tenant;
    int32_t gang;
    int32_t per_node;
    std::vector<int32_t> placement;  // the rules, five integers each (empty: none)
    bool operator==(const BucketKey&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const BucketKey& k) {
      return H::combine(std::move(h), k.type, k.tenant, k.gang, k.per_node, k.placement);
    }
  };

  static bool After(const Entry& a, const Entry& b);       // key order: a comes after b
  static bool LongerThan(const Entry& a, const Entry& b);  // runtime order
  bool Live(const Entry& e) const;
  int32_t BucketFor(AcceleratorTypeId type, const Job& job);
  void Compact(Bucket& bucket);

  bool by_runtime_;
  std::vector<Bucket> buckets_;
  absl::flat_hash_map<BucketKey, int32_t> index_;
  std::vector<std::vector<int32_t>> by_type_;
  std::vector<Slot> slots_;
  int64_t size_ = 0;
};

}  // namespace arbiter

#endif  // ARBITER_SCHED_JOB_BUCKETS_H_
