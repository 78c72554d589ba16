#include "formats/results.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "model/strings.h"
#include "nlohmann/json.hpp"

namespace arbiter {
namespace {

std::string Dollars(Micros m) {
  char buf[40];
  FormatDollars(m, buf, sizeof(buf));
  return buf;
}

// Fixed-precision decimal, so JSON output does not depend on float printing.
std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

nlohmann::ordered_json Stats(const DurationStats& s) {
  nlohmann::ordered_json j;
  j["count"] = s.count;
  j["mean_s"] = nlohmann::ordered_json::parse(Fixed(s.mean, 3));
  j["median_s"] = s.median;
  j["p99_s"] = s.p99;
  j["max_s"] = s.max;
  return j;
}

nlohmann::ordered_json Number(double v, int decimals) {
  return nlohmann::ordered_json::parse(Fixed(v, decimals));
}

nlohmann::ordered_json Hours(int64_t seconds) {
  return Number(static_cast<double>(seconds) / 3600.0, 3);
}

// The recovery figures of a tenant, a provider or the run.
nlohmann::ordered_json Recovery(const RecoveryFigures& r) {
  nlohmann::ordered_json j;
  j["interruptions"] = r.interruptions;
  j["restarts"] = r.restarts;
  j["migrations"] = r.migrations;
  j["lost_accelerator_hours"] = Hours(r.lost_accelerator_seconds);
  j["lost_cost"] = Dollars(r.lost_cost);
  j["egress_cost"] = Dollars(r.egress_cost);
  j["useful_accelerator_hours"] = Hours(r.useful_accelerator_seconds);
  j["paid_accelerator_hours"] = Hours(r.paid_accelerator_seconds);
  j["goodput"] = Number(r.goodput, 6);
  const LaunchFigures& l = r.launch;
  j["launch"] = {
      {"attempts", l.attempts},
      {"up", l.up},
      {"failed", l.failed},
      {"timed_out", l.timed_out},
      {"cancelled", l.cancelled},
      {"mean_wait_seconds",
       Number(l.up == 0 ? 0.0 : static_cast<double>(l.wait_seconds) / static_cast<double>(l.up),
              1)},
      {"waste_accelerator_hours", Hours(l.waste_accelerator_seconds)},
      {"waste_cost", Dollars(l.waste_cost)}};
  return j;
}

}  // namespace

std::string JobsCsv(const Scenario& scenario, const std::vector<Job>& jobs,
                    const std::vector<JobOutcome>& outcomes) {
  const Fleet& fleet = scenario.fleet;
  std::string out =
      "id,name,tenant,submit,start,end,provider,pool,accelerator_type,accelerators,cost,"
      "accelerator_hours,state,interruptions,restarts,migrations,lost_accelerator_hours,"
      "lost_cost,egress_cost,goodput,launch_attempts,launch_failures,launch_wait_seconds,"
      "launch_waste_cost,reason\n";
  out.reserve(out.size() + jobs.size() * 96);
  const JobOutcome not_submitted;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Job& job = jobs[i];
    // Jobs after the horizon were never submitted: they have no outcome.
    const bool submitted = i < outcomes.size();
    const JobOutcome& o = submitted ? outcomes[i] : not_submitted;
    StrAppend(&out, i, ",", CsvField(job.name), ",", CsvField(fleet.tenant(job.tenant).name), ",",
              job.submit, ",");
    if (o.first_start != kNever) StrAppend(&out, o.first_start);
    out += ',';
    if (o.end != kNever) StrAppend(&out, o.end);
    out += ',';
    if (o.pool.valid()) {
      const Pool& pool = fleet.pool(o.pool);
      StrAppend(&out, CsvField(fleet.provider(pool.provider).name), ",", CsvField(pool.name), ",",
                CsvField(fleet.accelerator_types[pool.type.index()].name));
    } else {
      out += ",,";
    }
    StrAppend(&out, ",", job.accelerators, ",", Dollars(o.cost), ",",
              Fixed(static_cast<double>(o.accelerator_seconds) / 3600.0, 4), ",",
              submitted ? JobStateName(o.state) : "not_submitted", ",", o.interruptions, ",",
              std::max(0, o.starts - 1), ",", o.migrations, ",",
              Fixed(static_cast<double>(o.lost_accelerator_seconds) / 3600.0, 4), ",",
              Dollars(o.lost_cost), ",", Dollars(o.egress_cost), ",",
              Fixed(o.accelerator_seconds == 0 ? 0.0
                                               : static_cast<double>(o.useful_accelerator_seconds) /
                                                     static_cast<double>(o.accelerator_seconds),
                    4),
              ",", o.launch_attempts, ",", o.launch_failures, ",", o.launch_wait, ",",
              Dollars(o.launch_waste_cost), ",", CsvField(o.reason), "\n");
  }
  return out;
}

std::string SummaryJson(const Scenario& scenario, const RunSummary& s) {
  const Fleet& fleet = scenario.fleet;
  nlohmann::ordered_json j;
  j["scenario"] = s.scenario;
  j["policy"] = s.policy;
  j["seed"] = s.seed;
  j["jobs"] = {
      {"total", s.jobs},      {"finished", s.finished}, {"not_finished", s.jobs - s.finished},
      {"running", s.running}, {"pending", s.pending},   {"rejected", s.rejected}};
  nlohmann::ordered_json by_reason = nlohmann::ordered_json::object();
  for (const auto& [reason, count] : s.rejected_by_reason) by_reason[reason] = count;
  j["jobs"]["rejected_by_reason"] = by_reason;
  j["jct"] = Stats(s.jct);
  j["queueing_delay"] = Stats(s.queueing_delay);
  j["makespan_s"] = s.makespan;
  j["first_submit_s"] = s.first_submit;
  j["last_finish_s"] = s.last_finish;
  j["end_s"] = s.end;
  j["events"] = s.events;
  j["total_cost"] = Dollars(s.total_cost);
  j["accelerator_hours"] = Number(static_cast<double>(s.accelerator_seconds) / 3600.0, 3);
  nlohmann::ordered_json pools = nlohmann::ordered_json::array();
  for (const PoolUsage& p : s.pools) {
    const Pool& pool = fleet.pool(p.pool);
    pools.push_back({{"pool", pool.name},
                     {"provider", fleet.provider(pool.provider).name},
                     {"accelerator_type", fleet.accelerator_types[pool.type.index()].name},
                     {"capacity_accelerator_hours",
                      Number(static_cast<double>(p.capacity_accelerator_seconds) / 3600.0, 3)},
                     {"busy_accelerator_hours",
                      Number(static_cast<double>(p.busy_accelerator_seconds) / 3600.0, 3)},
                     {"utilisation", Number(p.utilisation, 6)},
                     {"charged", Dollars(p.revenue)}});
  }
  j["pools"] = pools;
  nlohmann::ordered_json providers = nlohmann::ordered_json::array();
  for (const ProviderUsage& p : s.providers) {
    providers.push_back({{"provider", fleet.provider(p.provider).name},
                         {"capacity_accelerator_hours",
                          Number(static_cast<double>(p.capacity_accelerator_seconds) / 3600.0, 3)},
                         {"busy_accelerator_hours",
                          Number(static_cast<double>(p.busy_accelerator_seconds) / 3600.0, 3)},
                         {"utilisation", Number(p.utilisation, 6)},
                         {"external_revenue", Dollars(p.revenue)},
                         {"recovery", Recovery(p.recovery)}});
  }
  j["providers"] = providers;
  nlohmann::ordered_json tenants = nlohmann::ordered_json::array();
  for (const TenantSpend& t : s.tenants) {
    nlohmann::ordered_json by_provider = nlohmann::ordered_json::object();
    for (size_t p = 0; p < t.cost_by_provider.size(); ++p) {
      by_provider[fleet.providers[p].name] = Dollars(t.cost_by_provider[p]);
    }
    tenants.push_back(
        {{"tenant", fleet.tenant(t.tenant).name},
         {"jobs", t.jobs},
         {"finished", t.finished},
         {"cost", Dollars(t.cost)},
         {"cost_by_provider", by_provider},
         {"accelerator_hours", Number(static_cast<double>(t.accelerator_seconds) / 3600.0, 3)},
         {"jct", Stats(t.jct)},
         {"recovery", Recovery(t.recovery)}});
  }
  j["tenants"] = tenants;
  nlohmann::ordered_json recovery = {{"policy", s.recovery_policy}};
  recovery.update(Recovery(s.recovery));
  j["recovery"] = recovery;
  nlohmann::ordered_json market_providers = nlohmann::ordered_json::array();
  for (const ProviderMarket& m : s.market_providers) {
    market_providers.push_back(
        {{"provider", fleet.provider(m.provider).name},
         {"requests_seen", m.requests_seen},
         {"asks", m.asks},
         {"accepted_in_full", m.accepted_full},
         {"accepted_in_part", m.accepted_part},
         {"declined", m.declined},
         {"timed_out", m.timed_out},
         {"items_won", m.items_won},
         {"items_won_by_right", m.items_won_by_right},
         {"delivered", m.delivered},
         {"delivered_late", m.delivered_late},
         {"released", m.released},
         {"preemptions", m.preemptions},
         {"new_capacity_accelerator_hours",
          Number(static_cast<double>(m.new_capacity_accelerator_seconds) / 3600.0, 3)},
         {"first_party_delayed_job_hours",
          Number(static_cast<double>(m.first_party_delayed_job_seconds) / 3600.0, 3)},
         {"first_party_displaced_accelerator_hours",
          Number(static_cast<double>(m.first_party_displaced_accelerator_seconds) / 3600.0, 3)}});
  }
  nlohmann::ordered_json market_tenants = nlohmann::ordered_json::array();
  for (const TenantMarket& m : s.market_tenants) {
    nlohmann::ordered_json share = nlohmann::ordered_json::object();
    for (size_t p = 0; p < m.new_capacity_share.size(); ++p) {
      share[fleet.providers[p].name] = Number(m.new_capacity_share[p], 6);
    }
    market_tenants.push_back(
        {{"tenant", fleet.tenant(m.tenant).name},
         {"requests", m.requests},
         {"items", m.items},
         {"rofr_wait_s", m.rofr_wait},
         {"new_capacity_accelerator_hours",
          Number(static_cast<double>(m.new_capacity_accelerator_seconds) / 3600.0, 3)},
         {"new_capacity_share", share}});
  }
  j["market"] = {{"providers", market_providers}, {"tenants", market_tenants}};
  const RunBounds& b = s.bounds;
  const auto ratio = [](const std::optional<double>& r) -> nlohmann::ordered_json {
    return r ? Number(*r, 6) : nlohmann::ordered_json(nullptr);
  };
  j["bounds"] = {
      {"jobs", b.jobs},
      {"makespan", {{"bound_s", b.makespan}, {"ratio", ratio(b.makespan_ratio)}}},
      {"mean_jct", {{"bound_s", Number(b.mean_jct, 3)}, {"ratio", ratio(b.mean_jct_ratio)}}},
      {"cost", {{"bound", Dollars(b.cost)}, {"ratio", ratio(b.cost_ratio)}}}};
  j["load_notes"] = scenario.load_notes;
  return j.dump(2) + "\n";
}

std::string MarketJsonl(const Scenario& scenario, const std::vector<AuditRecord>& audit,
                        const std::vector<Charge>& charges) {
  const Fleet& fleet = scenario.fleet;
  std::string out;
  out.reserve((audit.size() + charges.size()) * 160);
  const auto name_of = [](auto id, const auto& list) -> std::string {
    return id.valid() ? list[id.index()].name : std::string();
  };
  const auto audit_line = [&](const AuditRecord& r) {
    StrAppend(&out, "{\"t\":", r.time, ",\"event\":\"", AuditKindName(r.kind), "\"");
    if (r.request > 0) StrAppend(&out, ",\"request\":", r.request);
    if (r.item >= 0) StrAppend(&out, ",\"item\":", r.item);
    StrAppend(&out, ",\"tenant\":\"", name_of(r.tenant, fleet.tenants), "\"");
    if (r.provider.valid()) {
      StrAppend(&out, ",\"provider\":\"", name_of(r.provider, fleet.providers), "\"");
    }
    if (r.kind == AuditKind::kAsk) StrAppend(&out, ",\"phase\":\"", AskPhaseName(r.phase), "\"");
    if (r.accelerators > 0) StrAppend(&out, ",\"accelerators\":", r.accelerators);
    if (r.pool.valid()) StrAppend(&out, ",\"pool\":\"", name_of(r.pool, fleet.pools), "\"");
    if (r.kind == AuditKind::kOffer || r.kind == AuditKind::kAward ||
        r.kind == AuditKind::kDeliver || r.kind == AuditKind::kLate ||
        r.kind == AuditKind::kRelease ||
        (r.kind == AuditKind::kAsk && r.phase == AskPhase::kMatch)) {
      StrAppend(&out, ",\"price\":\"", Dollars(r.price_per_accel_hour), "\",\"start\":", r.start);
    }
    if (r.kind == AuditKind::kAward) {
      const bool by_right = r.phase == AskPhase::kFirstLook || r.phase == AskPhase::kMatch;
      StrAppend(&out, ",\"by_right\":", by_right ? "true" : "false");
    }
    if (r.job.valid()) StrAppend(&out, ",\"job\":", r.job.value());
    out += "}\n";
  };
  const auto charge_line = [&](const Charge& c) {
    StrAppend(&out, "{\"t\":", c.end, ",\"event\":\"charge\",\"kind\":\"", ChargeKindName(c.kind),
              "\",\"tenant\":\"", name_of(c.tenant, fleet.tenants), "\",\"provider\":\"",
              name_of(c.provider, fleet.providers), "\",\"pool\":\"", name_of(c.pool, fleet.pools),
              "\",\"from\":", c.start, ",\"to\":", c.end, ",\"accelerators\":", c.accelerators,
              ",\"price\":\"", Dollars(c.price_per_accel_hour), "\",\"amount\":\"",
              Dollars(c.amount), "\"");
    if (c.job.valid()) StrAppend(&out, ",\"job\":", c.job.value());
    out += "}\n";
  };
  // Both streams are in time order (a charge at the end of its interval); merge them.
  size_t a = 0;
  size_t c = 0;
  while (a < audit.size() || c < charges.size()) {
    if (c == charges.size() || (a < audit.size() && audit[a].time <= charges[c].end)) {
      audit_line(audit[a++]);
    } else {
      charge_line(charges[c++]);
    }
  }
  return out;
}

absl::Status WriteOutputs(const std::string& dir, const std::vector<OutputFile>& files) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        StrCat("cannot create output directory ", dir, ": ", ec.message()));
  }
  const std::string tag = StrCat(".tmp-", ::getpid(), "-");
  std::vector<fs::path> targets;
  std::vector<fs::path> temps;
  const auto cleanup = [&temps] {
    std::error_code ignored;
    for (const fs::path& p : temps) fs::remove(p, ignored);
  };
  for (const OutputFile& f : files) {
    const fs::path target = fs::path(dir) / f.name;
    targets.push_back(target);
    fs::create_directories(target.parent_path(), ec);
    if (ec) {
      cleanup();
      return absl::PermissionDeniedError(
          StrCat("cannot create directory ", target.parent_path().string(), ": ", ec.message()));
    }
    const fs::path temp = target.parent_path() / (tag + target.filename().string());
    temps.push_back(temp);
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(f.contents.data(), static_cast<std::streamsize>(f.contents.size()));
    out.close();
    if (!out) {
      cleanup();
      return absl::ResourceExhaustedError(
          StrCat("cannot write ", temp.string(), ": ", std::strerror(errno)));
    }
  }
  for (size_t i = 0; i < files.size(); ++i) {
    fs::rename(temps[i], targets[i], ec);
    if (ec) {
      cleanup();
      return absl::InternalError(
          StrCat("cannot move ", temps[i].string(), " into place: ", ec.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace arbiter
