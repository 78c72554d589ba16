#include "sched/srtf.h"

#include <algorithm>
#include <limits>

namespace arbiter {

Duration TimeLeft(JobId job, const ClusterView& view) {
  const Job& spec = view.job(job);
  Rate fastest = 0;
  for (const Throughput& t : spec.throughputs) fastest = std::max(fastest, t.rate);
  return RuntimeFor(view.RemainingWork(job), fastest);
}

PreemptiveQueue::Key SrtfPolicy::KeyOf(JobId job, const ClusterView& view) const {
  return {TimeLeft(job, view), view.job(job).submit};
}

bool SrtfPolicy::Outranks(JobId p, JobId v, const ClusterView& view) const {
  return TimeLeft(p, view) < TimeLeft(v, view);
}

PreemptiveQueue::Key SrtfPolicy::OutranksAbove(JobId p, const ClusterView& view) const {
  return {TimeLeft(p, view), std::numeric_limits<int64_t>::max()};  // more time left
}

std::unique_ptr<Policy> MakeSrtfPolicy(const PolicyOptions& /*options*/) {
  return std::make_unique<SrtfPolicy>();
}

}  // namespace arbiter
