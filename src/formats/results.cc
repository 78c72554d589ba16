#include "formats/results.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>

#include "formats/parse.h"
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

// The one JSON writer of Arbiter's outputs (summary.json, market.jsonl): nlohmann's, which
// escapes every string. Compact with `indent` -1.
std::string JsonText(const nlohmann::ordered_json& value, int indent = -1) {
  // Names are UTF-8 (every loader checks), so nothing is replaced in practice; a writer must not
  // throw on a name that slipped past (a scenario built by hand), so bad bytes become U+FFFD.
  return value.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

nlohmann::ordered_json Number(double v, int decimals) {
  // A statistic that is not a number (0 / 0) is null: "nan" is not JSON, and parsing it throws.
  if (!std::isfinite(v)) return nullptr;
  return nlohmann::ordered_json::parse(Fixed(v, decimals));
}

nlohmann::ordered_json Stats(const DurationStats& s) {
  nlohmann::ordered_json j;
  j["count"] = s.count;
  j["mean_s"] = Number(s.mean, 3);
  j["median_s"] = s.median;
  j["p99_s"] = s.p99;
  j["max_s"] = s.max;
  return j;
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
  if (!s.stop_reason.empty()) j["stop_reason"] = s.stop_reason;
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
  return JsonText(j, 2) + "\n";
}

std::string MarketJsonl(const Scenario& scenario, const std::vector<AuditRecord>& audit,
                        const std::vector<Charge>& charges) {
  const Fleet& fleet = scenario.fleet;
  // Every name quoted and escaped once, by the one JSON writer (the lines are written by hand
  // around them: a file of millions of lines is written ~5x faster than through one JSON object
  // per line, byte for byte the same).
  const auto quoted = [](const auto& list) {
    std::vector<std::string> out;
    out.reserve(list.size());
    for (const auto& entity : list) out.push_back(JsonText(nlohmann::ordered_json(entity.name)));
    return out;
  };
  const std::vector<std::string> tenants = quoted(fleet.tenants);
  const std::vector<std::string> providers = quoted(fleet.providers);
  const std::vector<std::string> pools = quoted(fleet.pools);
  const std::string none = "\"\"";
  const auto name_of = [&none](auto id,
                               const std::vector<std::string>& names) -> const std::string& {
    return id.valid() ? names[id.index()] : none;
  };
  std::string out;
  out.reserve((audit.size() + charges.size()) * 160);
  // Event, phase and charge kind names are fixed identifiers (letters and '_'): no escaping.
  const auto audit_line = [&](const AuditRecord& r) {
    StrAppend(&out, "{\"t\":", r.time, ",\"event\":\"", AuditKindName(r.kind), "\"");
    if (r.request > 0) StrAppend(&out, ",\"request\":", r.request);
    if (r.item >= 0) StrAppend(&out, ",\"item\":", r.item);
    StrAppend(&out, ",\"tenant\":", name_of(r.tenant, tenants));
    if (r.provider.valid()) StrAppend(&out, ",\"provider\":", name_of(r.provider, providers));
    if (r.kind == AuditKind::kAsk) StrAppend(&out, ",\"phase\":\"", AskPhaseName(r.phase), "\"");
    if (r.accelerators > 0) StrAppend(&out, ",\"accelerators\":", r.accelerators);
    if (r.pool.valid()) StrAppend(&out, ",\"pool\":", name_of(r.pool, pools));
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
              "\",\"tenant\":", name_of(c.tenant, tenants),
              ",\"provider\":", name_of(c.provider, providers),
              ",\"pool\":", name_of(c.pool, pools), ",\"from\":", c.start, ",\"to\":", c.end,
              ",\"accelerators\":", c.accelerators, ",\"price\":\"",
              Dollars(c.price_per_accel_hour), "\",\"amount\":\"", Dollars(c.amount), "\"");
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

std::string DefaultOutputDir(std::string_view name, std::string_view suffix) {
  std::string dir;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-' || u >= 0x80;
    dir += keep ? c : '_';
  }
  if (dir.empty()) dir = "scenario";
  if (dir[0] == '.') dir[0] = '_';  // never ".", "..", or a hidden directory
  return StrCat("out/", dir, suffix);
}

namespace {

// Temporary files being written, for the signal handler to remove: fixed storage, because a
// handler may only touch what is async-signal-safe (no allocation, no locks).
constexpr int kMaxTemps = 64;
constexpr size_t kMaxPath = 4096;
char g_temps[kMaxTemps][kMaxPath];
volatile std::sig_atomic_t g_temp_count = 0;
constexpr int kCleanSignals[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void RemoveTempsAndDie(int signal) {
  for (int i = 0; i < g_temp_count; ++i) ::unlink(g_temps[i]);
  // Die of the signal as if it had not been caught (the shell sees the usual status).
  std::signal(signal, SIG_DFL);
  ::raise(signal);
}

// While alive, SIGINT, SIGTERM and SIGHUP remove the registered temporary files before the
// process dies of them.
class TempGuard {
 public:
  TempGuard() {
    g_temp_count = 0;
    struct sigaction action {};
    action.sa_handler = RemoveTempsAndDie;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < std::size(kCleanSignals); ++i) {
      ::sigaction(kCleanSignals[i], &action, &previous_[i]);
    }
  }
  ~TempGuard() {
    g_temp_count = 0;
    for (size_t i = 0; i < std::size(kCleanSignals); ++i) {
      ::sigaction(kCleanSignals[i], &previous_[i], nullptr);
    }
  }
  TempGuard(const TempGuard&) = delete;
  TempGuard& operator=(const TempGuard&) = delete;

  void Add(const std::string& path) {
    if (g_temp_count >= kMaxTemps || path.size() >= kMaxPath) return;
    std::memcpy(g_temps[g_temp_count], path.c_str(), path.size() + 1);
    g_temp_count = g_temp_count + 1;  // published only once the path is complete
  }
  void Clear() { g_temp_count = 0; }

 private:
  struct sigaction previous_[std::size(kCleanSignals)]{};
};

// Blocks SIGINT, SIGTERM and SIGHUP while alive: the renames that commit a set of outputs are
// not cut in half by them (a signal that arrives meanwhile is delivered after).
class SignalsHeld {
 public:
  SignalsHeld() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : kCleanSignals) sigaddset(&set, s);
    ::sigprocmask(SIG_BLOCK, &set, &previous_);
  }
  ~SignalsHeld() { ::sigprocmask(SIG_SETMASK, &previous_, nullptr); }
  SignalsHeld(const SignalsHeld&) = delete;
  SignalsHeld& operator=(const SignalsHeld&) = delete;

 private:
  sigset_t previous_{};
};

constexpr std::string_view kTempPrefix = ".tmp-";

// Removes the temporary files that earlier runs left in `dir` (killed by SIGKILL, or by a power
// cut): ".tmp-<pid>-..." of a process that no longer exists.
void RemoveStaleTemps(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, kTempPrefix.size(), kTempPrefix) != 0) continue;
    const size_t dash = name.find('-', kTempPrefix.size());
    if (dash == std::string::npos) continue;
    const std::optional<int64_t> pid =
        ParseInt(std::string_view(name).substr(kTempPrefix.size(), dash - kTempPrefix.size()));
    if (!pid || *pid <= 0 || *pid == ::getpid() || *pid > std::numeric_limits<pid_t>::max()) {
      continue;
    }
    if (::kill(static_cast<pid_t>(*pid), 0) == 0 || errno != ESRCH) continue;  // still running
    std::error_code ignored;
    fs::remove(it->path(), ignored);
  }
}

}  // namespace

absl::Status WriteOutputs(const std::string& dir, const std::vector<OutputFile>& files) {
  return results_internal::WriteOutputs(dir, files, {});
}

namespace results_internal {

absl::Status WriteOutputs(const std::string& dir, const std::vector<OutputFile>& files,
                          const WriteHooks& hooks) {
  namespace fs = std::filesystem;
  const auto rename = [&hooks](const fs::path& from, const fs::path& to, std::error_code& ec) {
    if (hooks.rename) {
      hooks.rename(from, to, ec);
    } else {
      fs::rename(from, to, ec);
    }
  };
  std::error_code ec;
  // Check every destination before anything is written: none is a directory, no two are the
  // same file (e.g. --report naming the run's own jobs.csv).
  std::vector<fs::path> targets;
  for (const OutputFile& f : files) {
    const fs::path target = fs::path(dir) / f.name;
    const fs::path resolved = fs::weakly_canonical(fs::absolute(target, ec), ec);
    if (fs::is_directory(target, ec)) {
      return absl::InvalidArgumentError(
          StrCat("cannot write ", target.string(), ": it is a directory; expected a file name"));
    }
    for (size_t i = 0; i < targets.size(); ++i) {
      if (fs::weakly_canonical(fs::absolute(targets[i], ec), ec) == resolved) {
        return absl::InvalidArgumentError(StrCat("two outputs would be written to ",
                                                 target.string(), " (", files[i].name, " and ",
                                                 f.name, "); expected a different file for each"));
      }
    }
    targets.push_back(target);
  }
  fs::create_directories(dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        StrCat("cannot create output directory ", dir, ": ", ec.message()));
  }
  const std::string tag = StrCat(kTempPrefix, ::getpid(), "-");
  std::vector<fs::path> temps;
  TempGuard guard;
  const auto cleanup = [&temps, &guard] {
    std::error_code ignored;
    for (const fs::path& p : temps) fs::remove(p, ignored);
    guard.Clear();
  };
  std::vector<fs::path> parents;
  for (const fs::path& target : targets) {
    fs::create_directories(target.parent_path(), ec);
    if (ec) {
      cleanup();
      return absl::PermissionDeniedError(
          StrCat("cannot create directory ", target.parent_path().string(), ": ", ec.message()));
    }
    if (std::find(parents.begin(), parents.end(), target.parent_path()) == parents.end()) {
      parents.push_back(target.parent_path());
      RemoveStaleTemps(target.parent_path());
    }
  }
  for (size_t i = 0; i < files.size(); ++i) {
    const fs::path temp = targets[i].parent_path() / (tag + targets[i].filename().string());
    temps.push_back(temp);
    guard.Add(temp.string());
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(files[i].contents.data(), static_cast<std::streamsize>(files[i].contents.size()));
    out.close();
    if (!out) {
      const int err = errno;
      cleanup();
      return absl::ResourceExhaustedError(
          StrCat("cannot write ", temp.string(), ": ", std::strerror(err)));
    }
  }
  if (hooks.written) hooks.written();
  // Commit: each existing file is kept under a second name (a hard link) until every new file is
  // in place, so that a rename that fails part way puts the earlier ones back.
  const SignalsHeld held;
  std::vector<fs::path> kept(files.size());
  const auto roll_back = [&](size_t done) {
    std::error_code ignored;
    for (size_t j = 0; j < done; ++j) {
      if (!kept[j].empty()) {
        fs::rename(kept[j], targets[j], ignored);
      } else {
        fs::remove(targets[j], ignored);
      }
    }
    for (const fs::path& k : kept) {
      if (!k.empty()) fs::remove(k, ignored);
    }
  };
  for (size_t i = 0; i < files.size(); ++i) {
    if (fs::exists(targets[i], ec)) {
      kept[i] = targets[i].parent_path() / (tag + "kept-" + targets[i].filename().string());
      fs::create_hard_link(targets[i], kept[i], ec);
      if (ec) kept[i].clear();  // no hard links here: no way back for this one, go on
    }
    rename(temps[i], targets[i], ec);
    if (ec) {
      const std::string message = ec.message();
      roll_back(i);
      cleanup();
      return absl::InternalError(StrCat("cannot move ", temps[i].string(), " into place: ", message,
                                        "; the earlier outputs were put back"));
    }
  }
  guard.Clear();
  std::error_code ignored;
  for (const fs::path& k : kept) {
    if (!k.empty()) fs::remove(k, ignored);
  }
  return absl::OkStatus();
}

}  // namespace results_internal
}  // namespace arbiter
