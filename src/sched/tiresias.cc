#include "sched/tiresias.h"

#include <algorithm>
#include <limits>

namespace arbiter {

TiresiasPolicy::TiresiasPolicy(std::vector<int64_t> thresholds, Ppm promote_knob)
    : thresholds_(std::move(thresholds)), promote_knob_(promote_knob) {
  if (thresholds_.empty()) thresholds_ = {kDefaultThreshold};
}

TiresiasPolicy::Books& TiresiasPolicy::BooksOf(JobId job) {
  if (books_.size() <= job.index()) books_.resize(job.index() + 1);
  return books_[job.index()];
}

int32_t TiresiasPolicy::queue(JobId job) const {
  return job.index() < books_.size() ? books_[job.index()].queue : 0;
}

void TiresiasPolicy::OnPending(JobId job, const ClusterView& view) {
  Books& b = BooksOf(job);
  if (!b.known) {  // arrived: the first queue
    b.known = true;
    b.gang = view.job(job).accelerators;
    b.entered = view.now();
    b.since = view.now();
  }
  PreemptiveQueue::OnPending(job, view);  // tells Stopped of a run that just ended first
  Reschedule(job, view.now());
}

void TiresiasPolicy::OnRemoved(JobId job) {
  PreemptiveQueue::OnRemoved(job);
  if (job.index() >= books_.size()) return;
  Books& b = books_[job.index()];
  wakeups_.erase({b.wake, job});
  b.wake = kNever;
}

void TiresiasPolicy::Started(JobId job, const ClusterView& view) {
  Books& b = BooksOf(job);
  const Time now = view.now();
  if (b.executed > 0) b.waited += now - b.since;
  b.since = now;
  Reschedule(job, now);
}

void TiresiasPolicy::Stopped(JobId job, Time now) {
  Books& b = BooksOf(job);
  b.executed += now - b.since;
  b.since = now;
  Reschedule(job, now);
}

PreemptiveQueue::Key TiresiasPolicy::KeyOf(JobId job, const ClusterView& /*view*/) const {
  const Books& b = books_[job.index()];
  return {b.queue, b.entered};
}

bool TiresiasPolicy::Outranks(JobId p, JobId v, const ClusterView& /*view*/) const {
  return books_[p.index()].queue < books_[v.index()].queue;
}

PreemptiveQueue::Key TiresiasPolicy::OutranksAbove(JobId p, const ClusterView& /*view*/) const {
  return {books_[p.index()].queue, std::numeric_limits<int64_t>::max()};  // a lower queue
}

Time TiresiasPolicy::NextChange(JobId job, const Books& b, Time now) const {
  const auto last = static_cast<int32_t>(thresholds_.size());  // the last queue's index
  if (running(job)) {
    if (b.queue >= last) return kNever;
    // Attained service gang x (executed + t - since) reaches the queue's threshold.
    const int64_t left = thresholds_[b.queue] - static_cast<int64_t>(b.gang) * b.executed;
    return std::max(now, b.since + std::max<int64_t>(0, (left + b.gang - 1) / b.gang));
  }
  if (pending(job) && b.queue > 0 && b.executed > 0 && promote_knob_ > 0) {
    // Waited (waited + t - since) reaches knob x executed.
    const auto need = static_cast<Duration>(
        (static_cast<Int128>(promote_knob_) * b.executed + kPpmOne - 1) / kPpmOne);
    return std::max(now, b.since + std::max<Duration>(0, need - b.waited));
  }
  return kNever;
}

void TiresiasPolicy::Reschedule(JobId job, Time now) {
  Books& b = BooksOf(job);
  wakeups_.erase({b.wake, job});
  b.wake = NextChange(job, b, now);
  if (b.wake != kNever) wakeups_.insert({b.wake, job});
}

void TiresiasPolicy::Update(const ClusterView& view) {
  const Time now = view.now();
  const auto last = static_cast<int32_t>(thresholds_.size());
  while (!wakeups_.empty() && wakeups_.begin()->first <= now) {
    const JobId job = wakeups_.begin()->second;
    Books& b = books_[job.index()];
    if (running(job)) {
      const int64_t attained = static_cast<int64_t>(b.gang) * (b.executed + now - b.since);
      while (b.queue < last && attained >= thresholds_[b.queue]) {
        ++b.queue;
        b.entered = now;
      }
    } else if (pending(job)) {  // waited long enough: back to the first queue, service reset
      b.queue = 0;
      b.entered = now;
      b.executed = 0;
      b.waited = 0;
      b.since = now;
      ++promotions_;
    }
    Rekey(job, view);
    Reschedule(job, now);
  }
}

Time TiresiasPolicy::NextWakeup() const {
  return wakeups_.empty() ? kNever : wakeups_.begin()->first;
}

std::unique_ptr<Policy> MakeTiresiasPolicy(const PolicyOptions& options) {
  return std::make_unique<TiresiasPolicy>(
      options.settings.queue_thresholds,
      options.settings.promote_knob.value_or(TiresiasPolicy::kDefaultPromoteKnob));
}

}  // namespace arbiter
