#include "cli/sweep.h"

#include <filesystem>

#include "cli/commands.h"
#include "formats/results.h"
#include "formats/scenario_yaml.h"
#include "model/strings.h"
#include "report/progress.h"
#include "report/sweep_report.h"
#include "sim/metrics.h"
#include "sim/simulator.h"

namespace arbiter {
namespace {

struct Axis {
  std::string key;
  std::vector<std::string> values;
};

absl::StatusOr<Axis> ParseAxis(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    return absl::InvalidArgumentError(
        StrCat("--grid '", text, "': expected KEY=v1,v2,... e.g. contracts[0].discount=0,0.1,0.2"));
  }
  Axis axis;
  axis.key = text.substr(0, eq);
  for (std::string_view v : Split(std::string_view(text).substr(eq + 1), ',')) {
    if (v.empty()) {
      return absl::InvalidArgumentError(StrCat("--grid '", text, "': an empty value"));
    }
    axis.values.emplace_back(v);
  }
  return axis;
}

std::string Money(int64_t micros) {
  char buf[40];
  FormatDollars(micros, buf, sizeof(buf));
  return buf;
}

}  // namespace

std::string SweepCsv(const SweepResult& r) {
  std::string out;
  for (const std::string& key : r.keys) StrAppend(&out, CsvField(key), ",");
  out += "jobs,finished,mean_jct_s,p99_jct_s,mean_wait_s,makespan_s,total_cost";
  for (const std::string& t : r.tenants) StrAppend(&out, ",cost:", CsvField(t));
  for (const std::string& t : r.tenants) StrAppend(&out, ",mean_jct_s:", CsvField(t));
  for (const std::string& p : r.providers) StrAppend(&out, ",utilisation:", CsvField(p));
  for (const std::string& p : r.providers) StrAppend(&out, ",won:", CsvField(p));
  for (const std::string& p : r.providers) StrAppend(&out, ",won_by_right:", CsvField(p));
  out += "\n";
  for (const SweepRow& row : r.rows) {
    for (const std::string& v : row.values) StrAppend(&out, CsvField(v), ",");
    out += Format("%lld,%lld,%.3f,%lld,%.3f,%lld,%s", static_cast<long long>(row.jobs),
                  static_cast<long long>(row.finished), row.mean_jct_s,
                  static_cast<long long>(row.p99_jct_s), row.mean_wait_s,
                  static_cast<long long>(row.makespan_s), Money(row.total_cost_micros).c_str());
    for (int64_t c : row.tenant_cost_micros) StrAppend(&out, ",", Money(c));
    for (double j : row.tenant_mean_jct_s) out += Format(",%.3f", j);
    for (double u : row.provider_utilisation) out += Format(",%.6f", u);
    for (int64_t w : row.provider_items_won) StrAppend(&out, ",", w);
    for (int64_t w : row.provider_items_won_by_right) StrAppend(&out, ",", w);
    out += "\n";
  }
  return out;
}

int RunSweep(const SweepArgs& args, std::FILE* out, std::FILE* err, SweepResult* result_out) {
  const auto fail = [err](const absl::Status& s, int code) {
    std::fprintf(err, "arbiter: %s\n", std::string(s.message()).c_str());
    return code;
  };
  if (args.grid.empty()) {
    return fail(absl::InvalidArgumentError("sweep needs at least one --grid KEY=v1,v2,..."), 2);
  }
  std::vector<Axis> axes;
  size_t points = 1;
  for (const std::string& g : args.grid) {
    absl::StatusOr<Axis> axis = ParseAxis(g);
    if (!axis.ok()) return fail(axis.status(), 2);
    for (const Axis& a : axes) {
      if (a.key == axis->key) {
        return fail(absl::InvalidArgumentError(StrCat("--grid '", g, "': the key ", a.key,
                                                      " is already an axis; expected each key on "
                                                      "one axis")),
                    2);
      }
    }
    // Each point is a whole simulation: a grid this large is a mistake (and its count must not
    // wrap around).
    points *= axis->values.size();
    if (points > kMaxSweepPoints) {
      return fail(
          absl::InvalidArgumentError(StrCat("--grid: the grid has more than ", kMaxSweepPoints,
                                            " points; expected a smaller grid")),
          2);
    }
    axes.push_back(*std::move(axis));
  }
  if (absl::Status s = CheckOptionName("--policy", "policy", args.policy,
                                       CommandLoadOptions({}, 0).known.policies);
      !s.ok()) {
    return fail(s, 2);
  }
  SweepResult result;
  for (const Axis& a : axes) result.keys.push_back(a.key);
  std::string name;
  ProgressBar bar(err);
  for (size_t point = 0; point < points; ++point) {
    // The point's index in mixed radix: the last axis varies fastest.
    std::vector<std::string> overrides = args.overrides;
    SweepRow row;
    size_t rest = point;
    std::vector<std::string> values(axes.size());
    for (size_t a = axes.size(); a-- > 0;) {
      values[a] = axes[a].values[rest % axes[a].values.size()];
      rest /= axes[a].values.size();
    }
    for (size_t a = 0; a < axes.size(); ++a) {
      overrides.push_back(StrCat(axes[a].key, "=", values[a]));
    }
    row.values = values;
    bar.Update(static_cast<int64_t>(point), static_cast<int64_t>(points),
               StrCat("point ", point + 1, " of ", points));
    absl::StatusOr<Scenario> scenario =
        LoadScenario(args.scenario, CommandLoadOptions(overrides, args.seed));
    if (!scenario.ok()) {
      bar.Finish();
      return fail(absl::InvalidArgumentError(
                      StrCat("point ", StrJoin(overrides, " "), ": ", scenario.status().message())),
                  2);
    }
    name = scenario->name;
    SimOptions options;
    options.policy = args.policy.empty() ? scenario->default_policy : args.policy;
    options.seed = args.seed;
    options.sample_interval = 0;
    options.keep_audit = false;  // a sweep reports counts only
    absl::StatusOr<std::unique_ptr<Simulator>> sim =
        Simulator::Create(*std::move(scenario), options);
    if (!sim.ok()) {
      bar.Finish();
      return fail(sim.status(), 2);
    }
    if (absl::Status s = (*sim)->Run(); !s.ok()) {
      bar.Finish();
      return fail(s, 1);
    }
    const Scenario& run = (*sim)->scenario();
    const RunSummary s = Summarize(run, (*sim)->broker(),
                                   {options.policy, options.seed, (*sim)->end_time(),
                                    (*sim)->events(), (*sim)->stop_reason()});
    if (result.tenants.empty()) {
      for (const Tenant& t : run.fleet.tenants) result.tenants.push_back(t.name);
      for (const Provider& p : run.fleet.providers) result.providers.push_back(p.name);
    }
    row.jobs = s.jobs;
    row.finished = s.finished;
    row.mean_jct_s = s.jct.mean;
    row.p99_jct_s = s.jct.p99;
    row.mean_wait_s = s.queueing_delay.mean;
    row.makespan_s = s.makespan;
    row.total_cost_micros = s.total_cost;
    for (const TenantSpend& t : s.tenants) {
      row.tenant_cost_micros.push_back(t.cost);
      row.tenant_mean_jct_s.push_back(t.jct.mean);
    }
    for (const ProviderUsage& p : s.providers) row.provider_utilisation.push_back(p.utilisation);
    for (const ProviderMarket& m : s.market_providers) {
      row.provider_items_won.push_back(m.items_won);
      row.provider_items_won_by_right.push_back(m.items_won_by_right);
    }
    result.rows.push_back(std::move(row));
  }
  bar.Finish();
  result.scenario = name;
  const std::string dir = args.out.empty() ? DefaultOutputDir(name, "-sweep") : args.out;
  std::vector<OutputFile> files = {{"sweep.csv", SweepCsv(result)}};
  if (!args.report.empty()) {
    // An absolute path, so that it is not taken relative to the output directory.
    files.push_back({std::filesystem::absolute(args.report).string(), SweepHtmlReport(result)});
  }
  if (absl::Status s = WriteOutputs(dir, files); !s.ok()) {
    return fail(s, 1);
  }
  if (!args.quiet) {
    std::string header;
    for (const std::string& key : result.keys) header += Format("%-24s ", key.c_str());
    std::fprintf(out, "%s%9s %12s %12s %12s %14s\n", header.c_str(), "finished", "mean JCT h",
                 "p99 JCT h", "mean wait h", "total cost $");
    for (const SweepRow& row : result.rows) {
      std::string cells;
      for (const std::string& v : row.values) cells += Format("%-24s ", v.c_str());
      std::fprintf(out, "%s%9lld %12.2f %12.2f %12.2f %14.2f\n", cells.c_str(),
                   static_cast<long long>(row.finished), row.mean_jct_s / 3600.0,
                   static_cast<double>(row.p99_jct_s) / 3600.0, row.mean_wait_s / 3600.0,
                   static_cast<double>(row.total_cost_micros) / kMicrosPerDollar);
    }
    std::fprintf(out, "\n  %zu points; table in %s/sweep.csv\n", result.rows.size(), dir.c_str());
    if (!args.report.empty()) std::fprintf(out, "  report in %s\n", args.report.c_str());
  }
  if (result_out != nullptr) *result_out = std::move(result);
  return 0;
}

}  // namespace arbiter
