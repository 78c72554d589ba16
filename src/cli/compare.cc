#include "cli/compare.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <utility>

#include "absl/status/statusor.h"
#include "cli/commands.h"
#include "formats/results.h"
#include "formats/scenario_yaml.h"
#include "model/strings.h"
#include "report/compare_report.h"
#include "report/numbers.h"
#include "report/progress.h"
#include "report/table.h"
#include "sched/registry.h"
#include "sim/bounds.h"
#include "sim/metrics.h"
#include "sim/simulator.h"

namespace arbiter {
namespace {

std::string Money(Micros micros) {
  char buf[40];
  FormatDollars(micros, buf, sizeof(buf));
  return buf;
}

std::string RatioCell(const std::optional<double>& r) { return r ? Format("%.6f", *r) : ""; }

// The policies named in `list` ("a,b,c"), each once and each registered; empty: all of them.
absl::StatusOr<std::vector<std::string>> ParsePolicies(const std::string& list) {
  std::vector<std::string> known;
  for (const PolicyInfo& p : ListPolicies()) known.push_back(p.name);
  if (list.empty()) return known;
  std::vector<std::string> chosen;
  for (std::string_view part : Split(list, ',')) {
    const std::string name(StripWhitespace(part));
    if (name.empty()) {
      return absl::InvalidArgumentError(StrCat("--policies '", list,
                                               "': an empty name; expected NAME,NAME,... of ",
                                               StrJoin(known, ", ")));
    }
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return absl::InvalidArgumentError(StrCat("--policies: unknown policy '", name,
                                               "'; known policies: ", StrJoin(known, ", ")));
    }
    if (std::find(chosen.begin(), chosen.end(), name) != chosen.end()) {
      return absl::InvalidArgumentError(StrCat("--policies: '", name, "' is named twice"));
    }
    chosen.push_back(name);
  }
  return chosen;
}

// The row of one finished run.
CompareRow RowOf(const Scenario& run, const Broker& broker, const RunSummary& s,
                 const std::vector<double>& equal_share) {
  CompareRow row;
  row.policy = s.policy;
  row.jobs = s.jobs;
  row.finished = s.finished;
  row.mean_jct_s = s.jct.mean;
  row.p99_jct_s = s.jct.p99;
  row.makespan_s = s.makespan;
  row.total_cost = s.total_cost;
  int64_t busy = 0;
  int64_t capacity = 0;
  for (const PoolUsage& p : s.pools) {
    busy += p.busy_accelerator_seconds;
    capacity += p.capacity_accelerator_seconds;
  }
  row.utilisation = capacity > 0 ? static_cast<double>(busy) / static_cast<double>(capacity) : 0;
  const std::vector<JobOutcome>& outcomes = broker.outcomes();
  for (size_t j = 0; j < run.jobs.size(); ++j) {
    const Job& job = run.jobs[j];
    const JobOutcome* o = j < outcomes.size() ? &outcomes[j] : nullptr;  // null: not submitted
    const bool finished = o != nullptr && o->state == JobState::kFinished;
    if (job.deadline != kNever) {
      ++row.deadline_jobs;
      if (!finished || o->end > job.deadline) ++row.deadline_misses;
    }
    if (!finished) continue;
    row.jct.push_back(o->end - job.submit);
    if (equal_share[j] > 0) {
      row.worst_ftf =
          std::max(row.worst_ftf, static_cast<double>(o->end - job.submit) / equal_share[j]);
    }
  }
  std::sort(row.jct.begin(), row.jct.end());
  row.makespan_ratio = s.bounds.makespan_ratio;
  row.mean_jct_ratio = s.bounds.mean_jct_ratio;
  row.cost_ratio = s.bounds.cost_ratio;
  return row;
}

}  // namespace

std::string CompareCsv(const CompareResult& r) {
  std::string out =
      "policy,jobs,finished,mean_jct_s,p99_jct_s,makespan_s,total_cost,utilisation,"
      "deadline_jobs,deadline_misses,worst_ftf,makespan_ratio,mean_jct_ratio,cost_ratio\n";
  for (const CompareRow& row : r.rows) {
    out += Format(
        "%s,%lld,%lld,%.3f,%lld,%lld,%s,%.6f,%lld,%lld,%.6f,%s,%s,%s\n", row.policy.c_str(),
        static_cast<long long>(row.jobs), static_cast<long long>(row.finished), row.mean_jct_s,
        static_cast<long long>(row.p99_jct_s), static_cast<long long>(row.makespan_s),
        Money(row.total_cost).c_str(), row.utilisation, static_cast<long long>(row.deadline_jobs),
        static_cast<long long>(row.deadline_misses), row.worst_ftf,
        RatioCell(row.makespan_ratio).c_str(), RatioCell(row.mean_jct_ratio).c_str(),
        RatioCell(row.cost_ratio).c_str());
  }
  const RunBounds& b = r.bounds;
  out += Format("bound,%lld,,%.3f,,%lld,%s,,,,,,,\n", static_cast<long long>(b.jobs), b.mean_jct,
                static_cast<long long>(b.makespan), Money(b.cost).c_str());
  return out;
}

std::string CompareTable(const CompareResult& r) {
  const auto ratio = [](const std::optional<double>& v) {
    return v ? Format("%.2f", *v) : std::string("-");
  };
  std::string out = Format("Arbiter compare: %s  (seed %llu, %zu policies)\n", r.scenario.c_str(),
                           static_cast<unsigned long long>(r.seed), r.rows.size());
  out += Format("%-22s %9s %11s %11s %11s %9s %6s %9s %9s %8s %8s %8s\n", "policy", "finished",
                "mean JCT", "p99 JCT", "makespan", "cost", "util", "dl miss", "worst FTF",
                "mksp/LB", "JCT/LB", "cost/LB");
  for (const CompareRow& row : r.rows) {
    const bool any = row.finished > 0;
    out += Format(
        "%-22s %9lld %11s %11s %11s %9s %6s %9s %9s %8s %8s %8s\n", row.policy.c_str(),
        static_cast<long long>(row.finished), any ? HumanDuration(row.mean_jct_s).c_str() : "-",
        any ? HumanDuration(static_cast<double>(row.p99_jct_s)).c_str() : "-",
        any ? HumanDuration(static_cast<double>(row.makespan_s)).c_str() : "-",
        report::Dollars(report::ToDollars(row.total_cost)).c_str(),
        Format("%.1f%%", 100 * row.utilisation).c_str(),
        row.deadline_jobs > 0 ? StrCat(row.deadline_misses).c_str() : "-",
        any ? Format("%.2f", row.worst_ftf).c_str() : "-", ratio(row.makespan_ratio).c_str(),
        ratio(row.mean_jct_ratio).c_str(), ratio(row.cost_ratio).c_str());
  }
  const RunBounds& b = r.bounds;
  out += Format("%-22s %9lld %11s %11s %11s %9s\n", "lower bound", static_cast<long long>(b.jobs),
                HumanDuration(b.mean_jct).c_str(), "",
                HumanDuration(static_cast<double>(b.makespan)).c_str(),
                report::Dollars(report::ToDollars(b.cost)).c_str());
  return out;
}

int RunCompare(const CompareArgs& args, std::FILE* out, std::FILE* err, CompareResult* result_out) {
  const auto fail = [err](const absl::Status& s, int code) {
    std::fprintf(err, "arbiter: %s\n", std::string(s.message()).c_str());
    return code;
  };
  absl::StatusOr<std::vector<std::string>> policies = ParsePolicies(args.policies);
  if (!policies.ok()) return fail(policies.status(), 2);
  absl::StatusOr<Scenario> loaded =
      LoadScenario(args.scenario, CommandLoadOptions(args.overrides, args.seed));
  if (!loaded.ok()) return fail(loaded.status(), 2);
  CompareResult result;
  result.scenario = loaded->name;
  result.seed = args.seed;
  std::vector<double> equal_share;
  ProgressBar bar(err);
  const int64_t count = static_cast<int64_t>(policies->size());
  for (int64_t i = 0; i < count; ++i) {
    const std::string& policy = (*policies)[static_cast<size_t>(i)];
    SimOptions options;
    options.policy = policy;
    options.seed = args.seed;
    options.sample_interval = 0;
    options.keep_audit = false;  // a comparison reports counts only
    if (bar.active()) {
      options.progress = [&bar, &policy, i, count](const SimProgress& p) {
        bar.Update(
            i * p.total_jobs + p.finished, count * p.total_jobs,
            Format("%s (%lld of %lld): %lld/%lld jobs done", policy.c_str(),
                   static_cast<long long>(i) + 1, static_cast<long long>(count),
                   static_cast<long long>(p.finished), static_cast<long long>(p.total_jobs)));
      };
    }
    // Each policy runs on its own copy of the scenario: the simulator owns what it runs.
    absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(*loaded, options);
    if (!sim.ok()) {
      bar.Finish();
      return fail(sim.status(), 2);
    }
    if (absl::Status s = (*sim)->Run(); !s.ok()) {
      bar.Finish();
      return fail(absl::InternalError(StrCat(policy, ": ", s.message())), 1);
    }
    const Scenario& run = (*sim)->scenario();
    const RunSummary s =
        Summarize(run, (*sim)->broker(),
                  {policy, args.seed, (*sim)->end_time(), (*sim)->events(), (*sim)->stop_reason()});
    if (i == 0) {
      // The bounds and the equal-share times depend on the scenario alone.
      result.bounds = s.bounds;
      result.bounds.makespan_ratio.reset();
      result.bounds.mean_jct_ratio.reset();
      result.bounds.cost_ratio.reset();
      equal_share = EqualShareTimes(run, JobFloors(run));
    }
    result.rows.push_back(RowOf(run, (*sim)->broker(), s, equal_share));
  }
  bar.Finish();
  const std::string dir =
      args.out.empty() ? DefaultOutputDir(result.scenario, "-compare") : args.out;
  std::vector<OutputFile> files = {{"compare.csv", CompareCsv(result)}};
  if (!args.report.empty()) {
    // An absolute path, so that it is not taken relative to the output directory.
    files.push_back({std::filesystem::absolute(args.report).string(), CompareHtmlReport(result)});
  }
  if (absl::Status s = WriteOutputs(dir, files); !s.ok()) return fail(s, 1);
  if (!args.quiet) {
    std::fputs(CompareTable(result).c_str(), out);
    std::fprintf(out, "\n  table in %s/compare.csv\n", dir.c_str());
    if (!args.report.empty()) std::fprintf(out, "  report in %s\n", args.report.c_str());
  }
  if (result_out != nullptr) *result_out = std::move(result);
  return 0;
}

}  // namespace arbiter
