#include "sim/metrics.h"

#include <algorithm>

#include "sim/bounds.h"

namespace arbiter {

DurationStats StatsOf(std::vector<Duration>& values) {
  DurationStats stats;
  stats.count = static_cast<int64_t>(values.size());
  if (values.empty()) return stats;
  std::sort(values.begin(), values.end());
  Int128 sum = 0;
  for (Duration v : values) sum += v;
  stats.mean = static_cast<double>(sum) / static_cast<double>(values.size());
  const auto rank = [&values](int64_t percent) {
    const int64_t n = static_cast<int64_t>(values.size());
    const int64_t r = (percent * n + 99) / 100;  // ceil(p/100 x n), >= 1
    return values[static_cast<size_t>(std::max<int64_t>(r, 1) - 1)];
  };
  stats.median = rank(50);
  stats.p99 = rank(99);
  stats.max = values.back();
  return stats;
}

namespace {
double Ratio(int64_t num, int64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

// The field of `costs` that holds charges of `kind` (no default: a new kind must be added here).
Micros& CostOfKind(CostByKind& costs, ChargeKind kind) {
  switch (kind) {
    case ChargeKind::kOnDemand:
      return costs.on_demand;
    case ChargeKind::kSpot:
      return costs.spot;
    case ChargeKind::kCommitted:
      return costs.committed;
    case ChargeKind::kReserved:
      return costs.reserved;
    case ChargeKind::kInternal:
      return costs.internal;
    case ChargeKind::kEgress:
      return costs.egress;
  }
  return costs.on_demand;  // unreachable
}
}  // namespace

namespace {

void SummarizeMarket(const Fleet& fleet, const Broker& broker, RunSummary& s) {
  // Counts of the market's steps come from the core; times and shares are added here.
  s.market_providers = broker.provider_market();
  for (ProviderMarket& m : s.market_providers) {
    const FirstPartyImpact& impact = broker.first_party_impact(m.provider);
    m.first_party_delayed_job_seconds = impact.delayed_job_seconds;
    m.first_party_displaced_accelerator_seconds = impact.displaced_accelerator_seconds;
  }
  s.market_tenants = broker.tenant_market();
  for (TenantMarket& m : s.market_tenants) {
    m.rofr_wait = broker.rofr_wait(m.tenant);
    m.new_capacity_share.assign(fleet.providers.size(), 0.0);
  }
  for (const Charge& c : broker.ledger().charges()) {
    if (c.kind != ChargeKind::kOnDemand && c.kind != ChargeKind::kSpot) continue;
    const int64_t seconds = static_cast<int64_t>(c.accelerators) * (c.end - c.start);
    s.market_providers[c.provider.index()].new_capacity_accelerator_seconds += seconds;
    TenantMarket& m = s.market_tenants[c.tenant.index()];
    m.new_capacity_accelerator_seconds += seconds;
    m.new_capacity_share[c.provider.index()] += static_cast<double>(seconds);
  }
  for (TenantMarket& m : s.market_tenants) {
    for (double& share : m.new_capacity_share) {
      share = m.new_capacity_accelerator_seconds == 0
                  ? 0.0
                  : share / static_cast<double>(m.new_capacity_accelerator_seconds);
    }
  }
}

void SetGoodput(RecoveryFigures& r) {
  r.goodput = Ratio(r.useful_accelerator_seconds, r.paid_accelerator_seconds);
}

void AddTo(RecoveryFigures& total, const RecoveryFigures& part) {
  total.interruptions += part.interruptions;
  total.restarts += part.restarts;
  total.migrations += part.migrations;
  total.lost_accelerator_seconds += part.lost_accelerator_seconds;
  total.lost_cost = SaturatingAdd(total.lost_cost, part.lost_cost);
  total.egress_cost = SaturatingAdd(total.egress_cost, part.egress_cost);
  total.useful_accelerator_seconds += part.useful_accelerator_seconds;
  total.paid_accelerator_seconds += part.paid_accelerator_seconds;
  total.launch += part.launch;
}

void SummarizeRecovery(const Broker& broker, RunSummary& s) {
  for (int64_t i = 0; i < s.jobs; ++i) {
    const JobId id = JobId::FromIndex(i);
    const JobOutcome& o = broker.outcome(id);
    RecoveryFigures& r = s.tenants[broker.spec(id).tenant.index()].recovery;
    r.interruptions += o.interruptions;
    r.restarts += std::max(0, o.starts - 1);
    r.migrations += o.migrations;
    r.lost_accelerator_seconds += o.lost_accelerator_seconds;
    r.lost_cost = SaturatingAdd(r.lost_cost, o.lost_cost);
    r.egress_cost = SaturatingAdd(r.egress_cost, o.egress_cost);
    // Billing was closed at the end: the outcome counts the current run's progress too.
    r.useful_accelerator_seconds += o.useful_accelerator_seconds;
    r.paid_accelerator_seconds += o.accelerator_seconds;
    r.launch.attempts += o.launch_attempts;
    r.launch.up += o.starts;
    r.launch.failed += o.launch_failures;
    r.launch.timed_out += o.launch_timeouts;
    r.launch.cancelled += o.launches_cancelled;
    r.launch.wait_seconds += o.launch_wait;
    r.launch.waste_accelerator_seconds += o.launch_waste_accelerator_seconds;
    r.launch.waste_cost = SaturatingAdd(r.launch.waste_cost, o.launch_waste_cost);
  }
  for (size_t p = 0; p < s.providers.size(); ++p) {
    const ProviderRecovery& pr = broker.provider_recovery(ProviderId::FromIndex(p));
    RecoveryFigures& r = s.providers[p].recovery;
    r.interruptions = pr.interruptions;
    r.restarts = pr.restarts;
    r.migrations = pr.migrations_out;
    r.launch = pr.launch;
    r.lost_accelerator_seconds = pr.lost_accelerator_seconds;
    r.lost_cost = pr.lost_cost;
    r.egress_cost = pr.egress_cost;
    r.useful_accelerator_seconds = pr.useful_accelerator_seconds;
  }
  for (const Charge& c : broker.ledger().charges()) {
    if (!c.job.valid()) continue;
    s.providers[c.provider.index()].recovery.paid_accelerator_seconds +=
        static_cast<int64_t>(c.accelerators) * (c.end - c.start);
  }
  for (ProviderUsage& p : s.providers) SetGoodput(p.recovery);
  for (TenantSpend& t : s.tenants) {
    SetGoodput(t.recovery);
    AddTo(s.recovery, t.recovery);
  }
  SetGoodput(s.recovery);
}

}  // namespace

RunSummary Summarize(const Scenario& scenario, const Broker& broker, const RunInfo& info) {
  const Fleet& fleet = scenario.fleet;
  RunSummary s;
  s.scenario = scenario.name;
  s.policy = info.policy;
  s.recovery_policy = std::string(broker.recovery_policy());
  s.seed = info.seed;
  s.end = info.end;
  s.stop_reason = info.stop_reason;
  s.events = info.events;
  s.jobs = broker.jobs_submitted();

  std::vector<Duration> jct;
  std::vector<Duration> wait;
  int64_t rejected_by[kRejectReasons] = {};
  std::vector<std::vector<Duration>> tenant_jct(fleet.tenants.size());
  s.tenants.resize(fleet.tenants.size());
  for (size_t t = 0; t < fleet.tenants.size(); ++t) {
    s.tenants[t].tenant = TenantId::FromIndex(t);
    s.tenants[t].cost_by_provider.assign(fleet.providers.size(), 0);
  }
  s.first_submit = s.jobs > 0 ? broker.spec(JobId(0)).submit : 0;
  for (int64_t i = 0; i < s.jobs; ++i) {
    const JobId id = JobId::FromIndex(i);
    const Job& job = broker.spec(id);
    const JobOutcome& o = broker.outcome(id);
    TenantSpend& tenant = s.tenants[job.tenant.index()];
    ++tenant.jobs;
    s.first_submit = std::min(s.first_submit, job.submit);
    switch (o.state) {
      case JobState::kFinished:
        ++s.finished;
        ++tenant.finished;
        jct.push_back(o.end - job.submit);
        tenant_jct[job.tenant.index()].push_back(o.end - job.submit);
        s.last_finish = std::max(s.last_finish, o.end);
        break;
      case JobState::kRunning:
      case JobState::kStarting:
        ++s.running;
        break;
      case JobState::kPending:
        ++s.pending;
        break;
      case JobState::kRejected:
        ++s.rejected;
        ++rejected_by[static_cast<int>(o.rejected_for)];
        break;
      case JobState::kCancelled:
        ++s.cancelled;
        break;
      case JobState::kFailed:
        ++s.failed;
        break;
    }
    if (o.first_start != kNever) wait.push_back(o.first_start - job.submit);
  }
  for (int r = 0; r < kRejectReasons; ++r) {
    if (rejected_by[r] > 0) {
      s.rejected_by_reason.emplace_back(RejectReasonName(static_cast<RejectReason>(r)),
                                        rejected_by[r]);
    }
  }
  s.jct = StatsOf(jct);
  s.queueing_delay = StatsOf(wait);
  for (size_t t = 0; t < fleet.tenants.size(); ++t) s.tenants[t].jct = StatsOf(tenant_jct[t]);
  s.makespan = s.finished > 0 ? s.last_finish - s.first_submit : 0;

  s.pools.resize(fleet.pools.size());
  s.providers.resize(fleet.providers.size());
  for (size_t p = 0; p < fleet.pools.size(); ++p) {
    const auto id = PoolId::FromIndex(p);
    s.pools[p].pool = id;
    s.pools[p].capacity_accelerator_seconds = broker.CapacityIntegral(id, info.end);
    // Use, not charges: a holding's own charge pays for capacity whether it is used or not.
    s.pools[p].busy_accelerator_seconds = broker.UseIntegral(id, info.end);
  }
  for (size_t p = 0; p < fleet.providers.size(); ++p) {
    s.providers[p].provider = ProviderId::FromIndex(p);
  }
  for (const Charge& c : broker.ledger().charges()) {
    const int64_t accel_seconds = static_cast<int64_t>(c.accelerators) * (c.end - c.start);
    s.pools[c.pool.index()].revenue = SaturatingAdd(s.pools[c.pool.index()].revenue, c.amount);
    TenantSpend& tenant = s.tenants[c.tenant.index()];
    tenant.cost = SaturatingAdd(tenant.cost, c.amount);
    tenant.accelerator_seconds += accel_seconds;
    tenant.cost_by_provider[c.provider.index()] =
        SaturatingAdd(tenant.cost_by_provider[c.provider.index()], c.amount);
    Micros& by_kind = CostOfKind(tenant.cost_by_kind, c.kind);
    by_kind = SaturatingAdd(by_kind, c.amount);
    if (c.kind != ChargeKind::kInternal)
      s.providers[c.provider.index()].revenue =
          SaturatingAdd(s.providers[c.provider.index()].revenue, c.amount);
    s.total_cost = SaturatingAdd(s.total_cost, c.amount);
    s.accelerator_seconds += accel_seconds;
  }
  for (PoolUsage& pool : s.pools) {
    pool.utilisation = Ratio(pool.busy_accelerator_seconds, pool.capacity_accelerator_seconds);
    ProviderUsage& provider = s.providers[fleet.pool(pool.pool).provider.index()];
    provider.capacity_accelerator_seconds += pool.capacity_accelerator_seconds;
    provider.busy_accelerator_seconds += pool.busy_accelerator_seconds;
  }
  for (ProviderUsage& provider : s.providers) {
    provider.utilisation =
        Ratio(provider.busy_accelerator_seconds, provider.capacity_accelerator_seconds);
  }
  SummarizeRecovery(broker, s);
  SummarizeMarket(fleet, broker, s);
  s.bounds = ComputeBounds(scenario, JobFloors(scenario));
  RateRun(s, s.bounds);
  return s;
}

}  // namespace arbiter
