#include "report/table.h"

#include <optional>

#include "model/strings.h"

namespace arbiter {

std::string HumanDuration(double seconds) {
  if (seconds < 0) return StrCat("-", HumanDuration(-seconds));
  const long long s = static_cast<long long>(seconds + 0.5);
  const long long d = s / 86400;
  const long long h = (s % 86400) / 3600;
  const long long m = (s % 3600) / 60;
  if (d > 0) return Format("%lldd %02lldh%02lldm", d, h, m);
  if (h > 0) return Format("%lldh%02lldm%02llds", h, m, s % 60);
  if (m > 0) return Format("%lldm%02llds", m, s % 60);
  return Format("%llds", s);
}

namespace {

std::string Money(Micros m) {
  const double dollars = static_cast<double>(m) / kMicrosPerDollar;
  if (dollars >= 1e6) return Format("$%.2fM", dollars / 1e6);
  if (dollars >= 1e4) return Format("$%.1fk", dollars / 1e3);
  return Format("$%.2f", dollars);
}

long long LL(int64_t v) { return static_cast<long long>(v); }

// "  lower bounds  makespan 2h00m00s (x1.50)   mean JCT ..." (a ratio where there is one).
std::string BoundsLine(const RunBounds& b) {
  if (b.jobs == 0) return "";
  const auto ratio = [](const std::optional<double>& r) {
    return r ? Format(" (x%.2f)", *r) : std::string();
  };
  return Format("  lower bounds   makespan %s%s   mean JCT %s%s   cost %s%s\n",
                HumanDuration(static_cast<double>(b.makespan)).c_str(),
                ratio(b.makespan_ratio).c_str(), HumanDuration(b.mean_jct).c_str(),
                ratio(b.mean_jct_ratio).c_str(), Money(b.cost).c_str(),
                ratio(b.cost_ratio).c_str());
}

}  // namespace

std::string SummaryTable(const Scenario& scenario, const RunSummary& s) {
  const Fleet& fleet = scenario.fleet;
  std::string out;
  out += Format("Arbiter run: %s  (policy %s, seed %llu)\n", s.scenario.c_str(), s.policy.c_str(),
                static_cast<unsigned long long>(s.seed));
  std::string why;
  for (const auto& [reason, count] : s.rejected_by_reason) {
    StrAppend(&why, why.empty() ? " (" : ", ", reason, " ", count);
  }
  if (!why.empty()) why += ")";
  out += Format(
      "  jobs %lld: %lld finished, %lld running, %lld pending, %lld rejected%s   "
      "events %lld\n",
      LL(s.jobs), LL(s.finished), LL(s.running), LL(s.pending), LL(s.rejected), why.c_str(),
      LL(s.events));
  if (!s.stop_reason.empty()) out += Format("  %s\n", s.stop_reason.c_str());
  out += Format("  %-16s %12s %12s %12s\n", "", "mean", "median", "p99");
  const auto row = [&out](const char* name, const DurationStats& d) {
    out += Format("  %-16s %12s %12s %12s\n", name, HumanDuration(d.mean).c_str(),
                  HumanDuration(static_cast<double>(d.median)).c_str(),
                  HumanDuration(static_cast<double>(d.p99)).c_str());
  };
  row("completion time", s.jct);
  row("queueing delay", s.queueing_delay);
  out += Format("  makespan %s   total cost %s   accelerator-hours %.0f\n",
                HumanDuration(static_cast<double>(s.makespan)).c_str(), Money(s.total_cost).c_str(),
                static_cast<double>(s.accelerator_seconds) / 3600.0);
  out += BoundsLine(s.bounds);
  out +=
      Format("\n  %-20s %12s %12s %14s\n", "provider", "utilisation", "acc-hours", "ext. revenue");
  for (const ProviderUsage& p : s.providers) {
    out += Format("  %-20s %11.1f%% %12.0f %14s\n", fleet.provider(p.provider).name.c_str(),
                  100.0 * p.utilisation, static_cast<double>(p.busy_accelerator_seconds) / 3600.0,
                  Money(p.revenue).c_str());
  }
  if (!s.market_providers.empty()) {
    out += Format("\n  %-20s %8s %8s %8s %8s %8s %8s %8s %8s\n", "market", "asked", "full", "part",
                  "declined", "timeout", "won", "by right", "released");
    for (const ProviderMarket& m : s.market_providers) {
      out += Format("  %-20s %8lld %8lld %8lld %8lld %8lld %8lld %8lld %8lld\n",
                    fleet.provider(m.provider).name.c_str(), LL(m.asks), LL(m.accepted_full),
                    LL(m.accepted_part), LL(m.declined), LL(m.timed_out), LL(m.items_won),
                    LL(m.items_won_by_right), LL(m.released));
    }
  }
  out += Format("\n  %-20s %7s %9s %12s %10s  %s\n", "tenant", "jobs", "finished", "mean JCT",
                "cost", "cost by provider");
  for (const TenantSpend& t : s.tenants) {
    std::string split;
    for (size_t p = 0; p < t.cost_by_provider.size(); ++p) {
      if (t.cost_by_provider[p] == 0) continue;
      StrAppend(&split, split.empty() ? "" : ", ", fleet.providers[p].name, " ",
                Money(t.cost_by_provider[p]));
    }
    out += Format("  %-20s %7lld %9lld %12s %10s  %s\n", fleet.tenant(t.tenant).name.c_str(),
                  LL(t.jobs), LL(t.finished), HumanDuration(t.jct.mean).c_str(),
                  Money(t.cost).c_str(), split.c_str());
  }
  return out;
}

}  // namespace arbiter
