#include "report/html_report.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <variant>

#include "model/strings.h"
#include "report/numbers.h"
#include "report/svg.h"
#include "report/table.h"

namespace arbiter {
namespace {

using report::Count;
using report::Dollars;
using report::DollarTick;
using report::DurationUnitFor;
using report::Percent;
using report::Plural;
using report::ToDollars;
using report::Unit;
using svg::Escape;

constexpr int kHalfWidth = 570;  // two figures per row
constexpr int kWideWidth = 1160;
// Timeline charts draw at most this many points per series (means over consecutive samples).
constexpr size_t kMaxPoints = 1200;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Days for runs longer than two days, else hours.
Unit TimeUnitFor(Duration span) {
  return span > 2 * 86400 ? Unit{86400, "days"} : Unit{3600, "hours"};
}

// The pool's name without its provider: "us-east-1/H100".
std::string PoolLabel(const Fleet& fleet, const Pool& pool) {
  const std::string& provider = fleet.provider(pool.provider).name;
  if (pool.name.size() > provider.size() + 1 &&
      pool.name.compare(0, provider.size(), provider) == 0 && pool.name[provider.size()] == '/') {
    return pool.name.substr(provider.size() + 1);
  }
  return pool.name;
}

// Colours: tenants take the palette from its start, providers after the tenants, so that no
// chart shows a tenant and a provider in the same colour.
std::string TenantColour(size_t tenant) { return svg::PaletteColour(tenant); }
std::string ProviderColour(const Fleet& fleet, size_t provider) {
  return svg::PaletteColour(fleet.tenants.size() + provider);
}

// "1 hour", "3 hours", "10 minutes", "90 seconds".
std::string Period(Duration seconds) {
  const auto plural = [](Duration n, const char* unit) {
    return StrCat(n, " ", unit, n == 1 ? "" : "s");
  };
  if (seconds % 86400 == 0) return plural(seconds / 86400, "day");
  if (seconds % 3600 == 0) return plural(seconds / 3600, "hour");
  if (seconds % 60 == 0) return plural(seconds / 60, "minute");
  return plural(seconds, "second");
}

// Jobs with an outcome: those submitted before the run stopped.
size_t JobsWithOutcomes(const ReportInput& in) {
  return std::min(in.scenario.jobs.size(), in.outcomes.size());
}

// The timeline, reduced to at most kMaxPoints points by averaging consecutive samples.
class Resampled {
 public:
  Resampled(const Timeline& timeline, const Unit& unit) : timeline_(timeline) {
    const size_t n = timeline.samples();
    group_ = std::max<size_t>(1, (n + kMaxPoints - 1) / kMaxPoints);
    for (size_t first = 0; first < n; first += group_) {
      x_.push_back(static_cast<double>(timeline.times[first]) / unit.seconds);
    }
  }
  const std::vector<double>& x() const { return x_; }
  size_t group() const { return group_; }
  // Means of `value(sample)` over each group.
  template <typename F>
  std::vector<double> Mean(F value) const {
    std::vector<double> out;
    const size_t n = timeline_.samples();
    for (size_t first = 0; first < n; first += group_) {
      const size_t last = std::min(n, first + group_);
      double sum = 0;
      for (size_t i = first; i < last; ++i) sum += static_cast<double>(value(i));
      out.push_back(sum / static_cast<double>(last - first));
    }
    return out;
  }

 private:
  const Timeline& timeline_;
  size_t group_ = 1;
  std::vector<double> x_;
};

std::string ResampleNote(const Resampled& r, const Timeline& t) {
  if (r.group() <= 1) return StrCat(" Sampled every ", Period(t.interval), ".");
  return StrCat(" Each point is the mean over ",
                Period(t.interval * static_cast<Duration>(r.group())), " (", r.group(),
                " samples, one every ", Period(t.interval), ").");
}

Section UseSection(const ReportInput& in, const Unit& unit) {
  const Fleet& fleet = in.scenario.fleet;
  const Timeline& t = in.timeline;
  Section section;
  section.id = "use";
  section.title = "Capacity and use";
  if (t.samples() == 0 || t.pools != fleet.pools.size()) {
    section.intro = "<p>This run recorded no timeline.</p>";
    return section;
  }
  const Resampled r(t, unit);
  section.intro = StrCat(
      "<p>Accelerators in use on each provider's pools over time, stacked pool by pool under "
      "each pool's capacity (dashed, in the pool's colour; the top dashed line is the "
      "provider's total). Striped bands are the provider's own first-party work; solid bands "
      "are external tenants.",
      ResampleNote(r, t), "</p>");
  for (size_t p = 0; p < fleet.providers.size(); ++p) {
    const auto provider = ProviderId::FromIndex(p);
    bool first_party = false;
    for (const Tenant& tenant : fleet.tenants) {
      first_party = first_party || tenant.first_party_of == provider;
    }
    std::vector<size_t> pools;
    for (size_t i = 0; i < fleet.pools.size(); ++i) {
      if (fleet.pools[i].provider == provider) pools.push_back(i);
    }
    if (pools.empty()) continue;
    svg::StackedAreaChart chart;
    chart.id = StrCat("use-", p);
    chart.x.label = StrCat("time (", unit.name, ")");
    chart.x.min = 0;
    chart.x.max = r.x().empty() ? 1 : std::max(r.x().back(), 1e-9);
    chart.x.round_max = false;
    chart.y.label = "accelerators";
    chart.x_values = r.x();
    chart.size = {kWideWidth, 300, 250};
    std::vector<double> capacity(r.x().size(), 0);
    for (size_t j = 0; j < pools.size(); ++j) {
      const size_t pool = pools[j];
      const std::string label = PoolLabel(fleet, fleet.pools[pool]);
      const std::string colour = svg::PaletteColour(j);
      const std::vector<double> fp =
          r.Mean([&](size_t i) { return t.At(t.used_first_party, i, pool); });
      const std::vector<double> all = r.Mean([&](size_t i) { return t.At(t.used, i, pool); });
      const std::vector<double> cap = r.Mean([&](size_t i) { return t.At(t.capacity, i, pool); });
      std::vector<double> external(all.size());
      for (size_t i = 0; i < all.size(); ++i) external[i] = all[i] - fp[i];
      if (first_party) chart.layers.push_back({label + " first-party", fp, colour, true});
      chart.layers.push_back(
          {label + (first_party ? " external" : " in use"), external, colour, false});
      for (size_t i = 0; i < cap.size(); ++i) capacity[i] += cap[i];
      svg::Line line;
      line.name = pools.size() == 1 ? "capacity" : label + " capacity";
      line.x = r.x();
      line.y = capacity;
      line.colour = pools.size() == 1 ? "#333333" : colour;
      line.step = true;
      line.dashed = true;
      chart.lines.push_back(std::move(line));
    }
    Figure figure;
    figure.title = StrCat(fleet.providers[p].name, ": accelerators in use and capacity");
    figure.svg = svg::DrawStackedAreaChart(chart);
    figure.wide = true;
    figure.height = chart.size.height;
    section.figures.push_back(std::move(figure));
  }
  return section;
}

Section QueueSection(const ReportInput& in, const Unit& unit) {
  const Timeline& t = in.timeline;
  Section section;
  section.id = "queue";
  section.title = "Queue";
  if (t.samples() > 0) {
    const Resampled r(t, unit);
    section.intro = StrCat(
        "<p>Jobs waiting for capacity (submitted, not running, not rejected), and the "
        "accelerators they ask for.",
        ResampleNote(r, t), "</p>");
    const auto queue_chart = [&](const char* id, const char* label,
                                 const std::vector<int64_t>& values) {
      svg::LineChart chart;
      chart.id = id;
      chart.x.label = StrCat("time (", unit.name, ")");
      chart.x.min = 0;
      chart.x.max = std::max(r.x().back(), 1e-9);
      chart.x.round_max = false;
      chart.y.label = label;
      chart.size = {kHalfWidth, 260};
      svg::Line line;
      line.name = label;
      line.x = r.x();
      line.y = r.Mean([&](size_t i) { return values[i]; });
      line.step = true;
      chart.lines.push_back(std::move(line));
      return chart;
    };
    const svg::LineChart jobs = queue_chart("queue-jobs", "jobs waiting", t.pending_jobs);
    const svg::LineChart accelerators =
        queue_chart("queue-accelerators", "accelerators requested", t.pending_accelerators);
    section.figures.push_back({"Queue length: jobs", svg::DrawLineChart(jobs), "", false, 260});
    section.figures.push_back(
        {"Queue length: accelerators", svg::DrawLineChart(accelerators), "", false, 260});
  } else {
    section.intro = "<p>This run recorded no timeline.</p>";
  }

  // Queueing delay (first start - submit) of the jobs submitted in each time unit.
  const size_t n = JobsWithOutcomes(in);
  std::vector<std::vector<Duration>> buckets;
  for (size_t i = 0; i < n; ++i) {
    const JobOutcome& o = in.outcomes[i];
    if (o.first_start == kNever) continue;
    const Job& job = in.scenario.jobs[i];
    const auto b =
        static_cast<size_t>(std::max<Time>(0, job.submit) / static_cast<Time>(unit.seconds));
    if (buckets.size() <= b) buckets.resize(b + 1);
    buckets[b].push_back(o.first_start - job.submit);
  }
  std::vector<double> x;
  std::vector<double> mean;
  std::vector<double> p99;
  double max = 0;
  for (size_t b = 0; b < buckets.size(); ++b) {
    x.push_back(static_cast<double>(b) + 0.5);
    std::vector<Duration>& v = buckets[b];
    if (v.empty()) {
      mean.push_back(kNaN);
      p99.push_back(kNaN);
      continue;
    }
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (Duration d : v) sum += static_cast<double>(d);
    mean.push_back(sum / static_cast<double>(v.size()));
    const size_t rank = (99 * v.size() + 99) / 100;  // nearest rank: ceil(0.99 n)
    p99.push_back(static_cast<double>(v[rank - 1]));
    max = std::max(max, p99.back());
  }
  const Unit delay = DurationUnitFor(max);
  for (double& v : mean) v /= delay.seconds;
  for (double& v : p99) v /= delay.seconds;
  svg::LineChart chart;
  chart.id = "queueing-delay";
  const std::string bucket = unit.seconds == 86400 ? "day" : "hour";
  chart.x.label = StrCat("submit time (", unit.name, ")");
  chart.x.min = 0;
  chart.x.max = std::max(static_cast<double>(in.summary.end) / unit.seconds,
                         static_cast<double>(buckets.size()));
  chart.x.round_max = false;
  chart.y.label = StrCat("queueing delay (", delay.name, ")");
  chart.size = {kWideWidth, 280};
  chart.lines.push_back({"p99", x, p99, svg::PaletteColour(3), false, false, true});
  chart.lines.push_back({"mean", x, mean, svg::PaletteColour(0), false, false, true});
  section.figures.push_back(
      {"Queueing delay by submit time", svg::DrawLineChart(chart),
       StrCat("Mean and 99th percentile (nearest rank) of first start &minus; submit, over the "
              "jobs submitted in each ",
              bucket, " that have started; each point sits in the middle of its ", bucket,
              ". Jobs that never started are not counted."),
       true, chart.size.height});
  return section;
}

Section CompletionSection(const ReportInput& in) {
  const Fleet& fleet = in.scenario.fleet;
  Section section;
  section.id = "completion";
  section.title = "Job completion time";
  std::vector<std::vector<double>> jct(fleet.tenants.size());
  const size_t n = JobsWithOutcomes(in);
  for (size_t i = 0; i < n; ++i) {
    const JobOutcome& o = in.outcomes[i];
    if (o.state != JobState::kFinished) continue;
    const Job& job = in.scenario.jobs[i];
    jct[job.tenant.index()].push_back(static_cast<double>(o.end - job.submit));
  }
  svg::CdfChart chart;
  chart.id = "jct-cdf";
  chart.x.label = "job completion time (end \u2212 submit, log scale)";
  chart.x.log = true;
  for (const auto& [value, label] : report::DurationTicks()) {
    chart.x.log_ticks.push_back(value);
  }
  chart.x.tick_label = report::DurationTickLabel;
  chart.y_label = "finished jobs";
  chart.size = {kWideWidth, 300};
  for (size_t t = 0; t < jct.size(); ++t) {
    if (jct[t].empty()) continue;
    for (double& v : jct[t]) v = std::max(v, 1.0);  // the log axis starts at 1 s
    chart.series.push_back({fleet.tenants[t].name, std::move(jct[t]), TenantColour(t)});
  }
  section.figures.push_back(
      {"Completion time distribution by tenant", svg::DrawCdfChart(chart),
       "The share of each tenant's finished jobs that completed within a given time.", true,
       chart.size.height});
  std::string& table = section.after;
  table =
      "<table class=\"numbers\"><tr><th>tenant</th><th class=\"n\">jobs</th>"
      "<th class=\"n\">finished</th><th class=\"n\">mean</th><th class=\"n\">median</th>"
      "<th class=\"n\">p99</th><th class=\"n\">max</th></tr>";
  for (const TenantSpend& t : in.summary.tenants) {
    StrAppend(&table, "<tr><td>", Escape(fleet.tenant(t.tenant).name), "</td><td class=\"n\">",
              Count(t.jobs), "</td><td class=\"n\">", Count(t.finished), "</td><td class=\"n\">",
              HumanDuration(t.jct.mean), "</td><td class=\"n\">",
              HumanDuration(static_cast<double>(t.jct.median)), "</td><td class=\"n\">",
              HumanDuration(static_cast<double>(t.jct.p99)), "</td><td class=\"n\">",
              HumanDuration(static_cast<double>(t.jct.max)), "</td></tr>");
  }
  table += "</table>";
  section.after_rows = static_cast<int>(in.summary.tenants.size()) + 1;
  return section;
}

struct KindColumn {
  const char* name;
  Micros CostByKind::*field;
};
constexpr KindColumn kKinds[] = {
    {"on-demand", &CostByKind::on_demand}, {"spot", &CostByKind::spot},
    {"committed", &CostByKind::committed}, {"reserved", &CostByKind::reserved},
    {"internal", &CostByKind::internal},   {"egress", &CostByKind::egress},
};

// Per tenant: cost of lost work, accelerator-seconds lost, interruptions, interrupted jobs.
struct Lost {
  Micros cost = 0;
  int64_t accelerator_seconds = 0;
  int64_t interruptions = 0;
  int64_t jobs = 0;
  int64_t restarts = 0;
  int64_t migrations = 0;
};

std::vector<Lost> LostByTenant(const ReportInput& in) {
  std::vector<Lost> lost(in.scenario.fleet.tenants.size());
  const size_t n = JobsWithOutcomes(in);
  for (size_t i = 0; i < n; ++i) {
    const JobOutcome& o = in.outcomes[i];
    Lost& l = lost[in.scenario.jobs[i].tenant.index()];
    l.cost += o.lost_cost;
    l.accelerator_seconds += o.lost_accelerator_seconds;
    l.interruptions += o.interruptions;
    l.jobs += o.interruptions > 0 ? 1 : 0;
    l.restarts += std::max(0, o.starts - 1);
    l.migrations += o.migrations;
  }
  return lost;
}

Section CostSection(const ReportInput& in) {
  const Fleet& fleet = in.scenario.fleet;
  const RunSummary& s = in.summary;
  Section section;
  section.id = "cost";
  section.title = "Cost";
  section.intro =
      "<p>Everything charged to the ledger over the run, in US dollars: by tenant and provider, "
      "and by kind of charge.</p>";
  std::vector<std::string> tenants;
  for (const TenantSpend& t : s.tenants) tenants.push_back(fleet.tenant(t.tenant).name);
  std::vector<std::string> providers;
  for (const Provider& p : fleet.providers) providers.push_back(p.name);

  svg::StackedBarChart by_tenant;
  by_tenant.id = "cost-by-tenant";
  by_tenant.x_label = "tenant";
  by_tenant.categories = tenants;
  by_tenant.y.label = "cost (US$)";
  by_tenant.y.tick_label = DollarTick;
  by_tenant.total_label = Dollars;
  by_tenant.size = {kHalfWidth, 300};
  svg::StackedBarChart by_provider;
  by_provider.id = "cost-by-provider";
  by_provider.x_label = "provider";
  by_provider.categories = providers;
  by_provider.y.label = "charged (US$)";
  by_provider.y.tick_label = DollarTick;
  by_provider.total_label = Dollars;
  by_provider.size = {kHalfWidth, 300};
  for (size_t p = 0; p < providers.size(); ++p) {
    svg::BarStack stack{providers[p], {}, ProviderColour(fleet, p), false};
    for (const TenantSpend& t : s.tenants) {
      stack.values.push_back(p < t.cost_by_provider.size() ? ToDollars(t.cost_by_provider[p]) : 0);
    }
    by_tenant.stacks.push_back(std::move(stack));
  }
  for (size_t t = 0; t < s.tenants.size(); ++t) {
    svg::BarStack stack{tenants[t], {}, TenantColour(t), false};
    for (size_t p = 0; p < providers.size(); ++p) {
      const std::vector<Micros>& split = s.tenants[t].cost_by_provider;
      stack.values.push_back(p < split.size() ? ToDollars(split[p]) : 0);
    }
    by_provider.stacks.push_back(std::move(stack));
  }
  section.figures.push_back({"Cost by tenant and provider", svg::DrawStackedBarChart(by_tenant),
                             "What each tenant paid, split by the provider it paid.", false,
                             by_tenant.size.height});
  section.figures.push_back(
      {"Charges by provider and tenant", svg::DrawStackedBarChart(by_provider),
       "What each provider charged, split by tenant (a provider's own first-party work is "
       "charged as internal, at cost).",
       false, by_provider.size.height});

  const std::vector<Lost> lost = LostByTenant(in);
  svg::StackedBarChart by_kind;
  by_kind.id = "cost-by-kind";
  by_kind.x_label = "kind of charge";
  for (const KindColumn& k : kKinds) by_kind.categories.push_back(k.name);
  by_kind.categories.push_back("lost work");
  by_kind.y.label = "cost (US$)";
  by_kind.y.tick_label = DollarTick;
  by_kind.total_label = Dollars;
  by_kind.size = {kWideWidth, 300};
  for (size_t t = 0; t < s.tenants.size(); ++t) {
    svg::BarStack stack{tenants[t], {}, TenantColour(t), false};
    for (const KindColumn& k : kKinds) {
      stack.values.push_back(ToDollars(s.tenants[t].cost_by_kind.*k.field));
    }
    stack.values.push_back(ToDollars(lost[t].cost));
    by_kind.stacks.push_back(std::move(stack));
  }
  section.figures.push_back(
      {"The ledger by kind of charge", svg::DrawStackedBarChart(by_kind),
       "Each kind of charge, split by tenant. Lost work (time paid for whose progress was lost "
       "to an interruption) is part of the other kinds, shown apart.",
       true, by_kind.size.height});

  std::string& table = section.after;
  table = "<table class=\"numbers\"><tr><th>tenant</th><th class=\"n\">cost</th>";
  for (const std::string& p : providers) StrAppend(&table, "<th class=\"n\">", Escape(p), "</th>");
  for (const KindColumn& k : kKinds) StrAppend(&table, "<th class=\"n\">", k.name, "</th>");
  table += "<th class=\"n\">lost work</th><th class=\"n\">accelerator-hours</th></tr>";
  for (size_t t = 0; t < s.tenants.size(); ++t) {
    const TenantSpend& spend = s.tenants[t];
    StrAppend(&table, "<tr><td>", Escape(tenants[t]), "</td><td class=\"n\">",
              Dollars(ToDollars(spend.cost)), "</td>");
    for (size_t p = 0; p < providers.size(); ++p) {
      const Micros m = p < spend.cost_by_provider.size() ? spend.cost_by_provider[p] : 0;
      StrAppend(&table, "<td class=\"n\">", Dollars(ToDollars(m)), "</td>");
    }
    for (const KindColumn& k : kKinds) {
      StrAppend(&table, "<td class=\"n\">", Dollars(ToDollars(spend.cost_by_kind.*k.field)),
                "</td>");
    }
    StrAppend(&table, "<td class=\"n\">", Dollars(ToDollars(lost[t].cost)), "</td><td class=\"n\">",
              Count(static_cast<int64_t>(
                  std::llround(static_cast<double>(spend.accelerator_seconds) / kSecondsPerHour))),
              "</td></tr>");
  }
  table += "</table>";
  section.after_rows = static_cast<int>(s.tenants.size()) + 1;
  return section;
}

Section LostWorkSection(const ReportInput& in, const std::vector<Lost>& lost) {
  const Fleet& fleet = in.scenario.fleet;
  Section section;
  section.id = "lost-work";
  section.title = "Lost work";
  section.intro =
      "<p>Runs that ended without finishing (a failure, a preemption, capacity taken back) lose "
      "the work done since their last checkpoint and any restore time; that time is still paid "
      "for.</p>";
  svg::StackedBarChart chart;
  chart.id = "lost-work";
  chart.x_label = "tenant";
  chart.y.label = "cost of lost work (US$)";
  chart.y.tick_label = DollarTick;
  chart.total_label = Dollars;
  chart.size = {kHalfWidth, 280};
  svg::BarStack stack{"lost work", {}, svg::PaletteColour(3), true};
  for (size_t t = 0; t < fleet.tenants.size(); ++t) {
    chart.categories.push_back(fleet.tenants[t].name);
    stack.values.push_back(ToDollars(lost[t].cost));
  }
  chart.stacks.push_back(std::move(stack));
  section.figures.push_back({"Cost of lost work by tenant", svg::DrawStackedBarChart(chart), "",
                             false, chart.size.height});
  // Where work was lost: accelerator-hours lost on each provider's pools.
  svg::StackedBarChart by_provider;
  by_provider.id = "lost-by-provider";
  by_provider.x_label = "provider";
  by_provider.y.label = "accelerator-hours lost";
  by_provider.total_label = [](double v) { return Format("%.1f", v); };
  by_provider.size = {kHalfWidth, 280};
  svg::BarStack lost_hours{"lost accelerator-hours", {}, svg::PaletteColour(3), true};
  for (size_t p = 0; p < fleet.providers.size(); ++p) {
    by_provider.categories.push_back(fleet.providers[p].name);
    const int64_t seconds = p < in.summary.providers.size()
                                ? in.summary.providers[p].recovery.lost_accelerator_seconds
                                : 0;
    lost_hours.values.push_back(static_cast<double>(seconds) / kSecondsPerHour);
  }
  by_provider.stacks.push_back(std::move(lost_hours));
  section.figures.push_back({"Work lost on each provider's pools",
                             svg::DrawStackedBarChart(by_provider), "", false,
                             by_provider.size.height});
  // How jobs came back: restarts where the checkpoint was, and migrations to another provider.
  svg::StackedBarChart restarts;
  restarts.id = "restarts";
  restarts.x_label = "tenant";
  restarts.y.label = "restarts";
  restarts.total_label = [](double v) { return Count(static_cast<int64_t>(std::llround(v))); };
  restarts.size = {kHalfWidth, 280};
  svg::BarStack in_place{"restart, same provider", {}, svg::PaletteColour(0), false};
  svg::BarStack moved{"migration to another provider", {}, svg::PaletteColour(1), true};
  for (size_t t = 0; t < fleet.tenants.size(); ++t) {
    restarts.categories.push_back(fleet.tenants[t].name);
    in_place.values.push_back(static_cast<double>(lost[t].restarts - lost[t].migrations));
    moved.values.push_back(static_cast<double>(lost[t].migrations));
  }
  restarts.stacks.push_back(std::move(in_place));
  restarts.stacks.push_back(std::move(moved));
  section.figures.push_back({"Restarts and migrations by tenant",
                             svg::DrawStackedBarChart(restarts), "", false, restarts.size.height});
  std::string& table = section.after;
  table =
      "<table class=\"numbers\"><tr><th>tenant</th><th class=\"n\">jobs interrupted</th>"
      "<th class=\"n\">interruptions</th><th class=\"n\">restarts</th>"
      "<th class=\"n\">migrations</th><th class=\"n\">accelerator-hours lost</th>"
      "<th class=\"n\">cost of lost work</th><th class=\"n\">egress</th>"
      "<th class=\"n\">share of cost</th><th class=\"n\">goodput</th></tr>";
  for (size_t t = 0; t < fleet.tenants.size(); ++t) {
    const TenantSpend* spend = t < in.summary.tenants.size() ? &in.summary.tenants[t] : nullptr;
    const Micros cost = spend != nullptr ? spend->cost : 0;
    StrAppend(
        &table, "<tr><td>", Escape(fleet.tenants[t].name), "</td><td class=\"n\">",
        Count(lost[t].jobs), "</td><td class=\"n\">", Count(lost[t].interruptions),
        "</td><td class=\"n\">", Count(lost[t].restarts), "</td><td class=\"n\">",
        Count(lost[t].migrations), "</td><td class=\"n\">",
        Format("%.1f", static_cast<double>(lost[t].accelerator_seconds) / kSecondsPerHour),
        "</td><td class=\"n\">", Dollars(ToDollars(lost[t].cost)), "</td><td class=\"n\">",
        Dollars(ToDollars(spend != nullptr ? spend->recovery.egress_cost : 0)),
        "</td><td class=\"n\">",
        cost > 0 ? Percent(static_cast<double>(lost[t].cost) / static_cast<double>(cost)) : "-",
        "</td><td class=\"n\">",
        spend != nullptr && spend->recovery.paid_accelerator_seconds > 0
            ? Percent(spend->recovery.goodput)
            : "-",
        "</td></tr>");
  }
  table += "</table>";
  section.after_rows = static_cast<int>(fleet.tenants.size()) + 1;
  return section;
}

// Colours of outcomes, apart from the palette that names tenants and providers: good, partly
// good, late, neutral, bad; and of items won.
constexpr const char* kGood = "#2e7d32";
constexpr const char* kPartly = "#9ccc65";
constexpr const char* kLate = "#f9a825";
constexpr const char* kNeutral = "#bdbdbd";
constexpr const char* kBad = "#c62828";
constexpr const char* kWon = "#546e7a";

bool HasMarketActivity(const ReportInput& in) {
  if (!in.audit.empty()) return true;
  for (const ProviderMarket& m : in.summary.market_providers) {
    if (m.asks > 0 || m.items_won > 0 || m.preemptions > 0) return true;
  }
  for (const TenantMarket& m : in.summary.market_tenants) {
    if (m.requests > 0) return true;
  }
  return false;
}

bool HolderPhase(AskPhase phase) {
  return phase == AskPhase::kFirstLook || phase == AskPhase::kMatch;
}

// One wait on a right-of-first-refusal holder: from its first-look or match ask about a request
// to its answer (offer or decline) or its timeout.
struct HolderWait {
  TenantId tenant;
  Duration seconds = 0;
};

// The holder waits in `audit`, in the order they ended. A holder still asked when the run stopped
// gives none.
std::vector<HolderWait> HolderWaits(std::span<const AuditRecord> audit) {
  // (request, provider) -> the holder's ask (the first item's record: all items are asked at once).
  std::map<std::pair<RequestId, int32_t>, const AuditRecord*> asked;
  std::vector<HolderWait> waits;
  for (const AuditRecord& r : audit) {
    const auto key = std::make_pair(r.request, r.provider.value());
    if (r.kind == AuditKind::kAsk && HolderPhase(r.phase)) {
      asked.emplace(key, &r);
      continue;
    }
    const bool answer =
        ((r.kind == AuditKind::kOffer || r.kind == AuditKind::kDecline) && HolderPhase(r.phase)) ||
        r.kind == AuditKind::kTimeout;
    if (!answer) continue;
    const auto it = asked.find(key);
    if (it == asked.end()) continue;  // a later item of the same answer, or not a holder's ask
    waits.push_back({it->second->tenant, r.time - it->second->time});
    asked.erase(it);
  }
  return waits;
}

// Distinct requests each provider was asked about, per provider and tenant.
std::vector<std::vector<int64_t>> RequestsAsked(const ReportInput& in) {
  const Fleet& fleet = in.scenario.fleet;
  std::vector<std::vector<int64_t>> out(fleet.providers.size(),
                                        std::vector<int64_t>(fleet.tenants.size(), 0));
  std::set<std::pair<RequestId, int32_t>> seen;
  for (const AuditRecord& r : in.audit) {
    if (r.kind != AuditKind::kAsk || !r.provider.valid() || !r.tenant.valid()) continue;
    if (r.provider.index() >= out.size() || r.tenant.index() >= fleet.tenants.size()) continue;
    if (seen.insert({r.request, r.provider.value()}).second) {
      ++out[r.provider.index()][r.tenant.index()];
    }
  }
  return out;
}

// Nearest-rank percentile of sorted values.
Duration Rank(const std::vector<Duration>& sorted, int percent) {
  if (sorted.empty()) return 0;
  const size_t rank = (static_cast<size_t>(percent) * sorted.size() + 99) / 100;
  return sorted[std::max<size_t>(rank, 1) - 1];
}

std::string Hours(int64_t seconds) {
  return Count(static_cast<int64_t>(std::llround(static_cast<double>(seconds) / kSecondsPerHour)));
}

Section MarketSection(const ReportInput& in) {
  const Fleet& fleet = in.scenario.fleet;
  const RunSummary& s = in.summary;
  Section section;
  section.id = "market";
  section.title = "Capacity market";
  section.intro =
      "<p>Requests for new capacity (one item per job) and how they travelled: whom each "
      "request asked, what the providers answered, who won the items and whether the capacity "
      "arrived. A right-of-first-refusal holder sees its tenant's covered items first (first "
      "look) or may match the best quote (match); docs/market.md has the rules.</p>";
  std::vector<std::string> providers;
  for (const ProviderMarket& m : s.market_providers) {
    providers.push_back(fleet.provider(m.provider).name);
  }
  const auto bars = [&](const char* id, const char* y_label) {
    svg::StackedBarChart chart;
    chart.id = id;
    chart.x_label = "provider";
    chart.categories = providers;
    chart.y.label = y_label;
    chart.y.tick_label = [](double v) { return Count(std::llround(v)); };
    chart.total_label = [](double v) { return Count(std::llround(v)); };
    chart.size = {kHalfWidth, 280, 130};
    return chart;
  };
  const auto column = [&](int64_t ProviderMarket::*field) {
    std::vector<double> values;
    for (const ProviderMarket& m : s.market_providers) {
      values.push_back(static_cast<double>(m.*field));
    }
    return values;
  };
  const auto add = [&section](const char* title, svg::StackedBarChart& chart, std::string caption) {
    // Counts: the axis reaches at least 5, so that its ticks are whole numbers.
    double max = 0;
    for (size_t i = 0; i < chart.categories.size(); ++i) {
      double total = 0;
      for (const svg::BarStack& stack : chart.stacks) {
        total += i < stack.values.size() ? stack.values[i] : 0;
      }
      max = std::max(max, total);
    }
    if (chart.y.max <= chart.y.min) {
      chart.y.min = 0;
      chart.y.max = std::max(max, 5.0);
    }
    section.figures.push_back(
        {title, svg::DrawStackedBarChart(chart), std::move(caption), false, chart.size.height});
  };

  // Requests per provider, split by the asking tenant.
  svg::StackedBarChart requests = bars("market-requests", "requests asked about");
  if (in.audit.empty()) {
    requests.stacks.push_back({"requests", column(&ProviderMarket::requests_seen), "", false});
  } else {
    const std::vector<std::vector<int64_t>> asked = RequestsAsked(in);
    for (size_t t = 0; t < fleet.tenants.size(); ++t) {
      svg::BarStack stack{fleet.tenants[t].name, {}, TenantColour(t), false};
      int64_t total = 0;
      for (size_t p = 0; p < providers.size(); ++p) {
        const int64_t n = p < asked.size() ? asked[p][t] : 0;
        stack.values.push_back(static_cast<double>(n));
        total += n;
      }
      if (total > 0) requests.stacks.push_back(std::move(stack));
    }
  }
  add("Requests per provider", requests,
      "The requests for new capacity each provider was asked about, by the tenant asking.");

  svg::StackedBarChart asks = bars("market-asks", "asks");
  asks.stacks = {{"accepted in full", column(&ProviderMarket::accepted_full), kGood, false},
                 {"accepted in part", column(&ProviderMarket::accepted_part), kPartly, false},
                 {"declined", column(&ProviderMarket::declined), kNeutral, false},
                 {"timed out", column(&ProviderMarket::timed_out), kBad, false}};
  add("Asks by answer", asks,
      "Each ask is one question to a provider about some items of a request (a request can ask "
      "a provider twice: for a quote, then to match). In part: offers for some of the items.");

  std::vector<double> by_right = column(&ProviderMarket::items_won_by_right);
  std::vector<double> on_offer = column(&ProviderMarket::items_won);
  for (size_t p = 0; p < on_offer.size(); ++p) on_offer[p] -= by_right[p];
  svg::StackedBarChart won = bars("market-won", "items won");
  won.stacks = {{"by right", by_right, kWon, true}, {"best offer", on_offer, kWon, false}};
  add("Items won", won,
      "Items awarded to each provider: by its right of first refusal (striped), or as the "
      "tenant's best offer.");

  svg::StackedBarChart delivery = bars("market-delivery", "awards");
  delivery.stacks = {{"on time", column(&ProviderMarket::delivered), kGood, false},
                     {"late", column(&ProviderMarket::delivered_late), kLate, false},
                     {"released", column(&ProviderMarket::released), kBad, false}};
  add("Delivery of awards", delivery,
      "Awarded capacity that arrived by the promised start, arrived late (within the grace "
      "period), or never arrived and was released. Awards still pending when the run stopped "
      "are not shown.");

  // Each tenant's new capacity, by provider, in percent.
  svg::StackedBarChart share;
  share.id = "market-share";
  share.x_label = "tenant";
  share.y.label = "share of new capacity (%)";
  share.y.min = 0;
  share.y.max = 100;
  share.y.tick_label = [](double v) { return Format("%g%%", v); };
  share.size = {kHalfWidth, 280, 130};
  std::vector<const TenantMarket*> buyers;
  for (const TenantMarket& m : s.market_tenants) {
    if (m.new_capacity_accelerator_seconds > 0) buyers.push_back(&m);
  }
  for (const TenantMarket* m : buyers) share.categories.push_back(fleet.tenant(m->tenant).name);
  for (size_t p = 0; p < providers.size(); ++p) {
    svg::BarStack stack{providers[p], {}, ProviderColour(fleet, p), false};
    for (const TenantMarket* m : buyers) {
      stack.values.push_back(p < m->new_capacity_share.size() ? 100 * m->new_capacity_share[p] : 0);
    }
    share.stacks.push_back(std::move(stack));
  }
  add("Share of new capacity by provider", share,
      "Of each tenant's new capacity (accelerator-hours bought on demand or as spot), the share "
      "each provider sold; the table below gives the hours.");

  // Time waiting on a holder, per request.
  const std::vector<HolderWait> waits = HolderWaits(in.audit);
  std::vector<std::vector<Duration>> wait_by_tenant(fleet.tenants.size());
  double max_wait = 0;
  for (const HolderWait& w : waits) {
    if (!w.tenant.valid() || w.tenant.index() >= wait_by_tenant.size()) continue;
    wait_by_tenant[w.tenant.index()].push_back(w.seconds);
    max_wait = std::max(max_wait, static_cast<double>(w.seconds));
  }
  for (std::vector<Duration>& v : wait_by_tenant) std::sort(v.begin(), v.end());
  std::vector<std::string> windows;
  double max_window = 0;
  for (const Contract& c : fleet.contracts) {
    const auto* rofr = std::get_if<RofrTerms>(&c.terms);
    if (rofr == nullptr || c.tenant.index() >= wait_by_tenant.size() ||
        wait_by_tenant[c.tenant.index()].empty()) {
      continue;
    }
    max_window = std::max(max_window, static_cast<double>(rofr->window));
    windows.push_back(StrCat(Escape(fleet.tenant(c.tenant).name), "'s holder ",
                             Escape(fleet.provider(c.provider).name), " has ",
                             Period(rofr->window)));
  }
  if (in.audit.empty()) {
    section.intro +=
        "<p>This run kept no audit records (market.jsonl), so requests are not split by tenant "
        "and the time each request waited on a right-of-first-refusal holder is not shown.</p>";
  } else if (waits.empty()) {
    section.intro += "<p>No request waited on a right-of-first-refusal holder.</p>";
  } else {
    // The axis reaches the longest window, so that a wait reads against the time allowed.
    const Unit unit = DurationUnitFor(std::max(max_wait, max_window));
    svg::CdfChart chart;
    chart.id = "market-rofr-wait";
    chart.x.label = StrCat("wait on the holder (", unit.name, ")");
    chart.x.min = 0;
    chart.x.max = std::max(std::max(max_wait, max_window) / unit.seconds, 1.0);
    chart.y_label = "requests";
    chart.size = {kHalfWidth, 280, 130};
    for (size_t t = 0; t < wait_by_tenant.size(); ++t) {
      if (wait_by_tenant[t].empty()) continue;
      std::vector<double> values;
      for (Duration d : wait_by_tenant[t]) values.push_back(static_cast<double>(d) / unit.seconds);
      chart.series.push_back({fleet.tenants[t].name, std::move(values), TenantColour(t)});
    }
    section.figures.push_back(
        {"Time waiting on a right of first refusal", svg::DrawCdfChart(chart),
         StrCat("The share of requests whose holder answered (or timed out) within a given "
                "time of being asked for its first look or match",
                windows.empty() ? "" : StrCat("; ", StrJoin(windows, ", "), " to answer"), "."),
         false, chart.size.height});
  }

  // Tables: providers, then tenants.
  std::string& table = section.after;
  table =
      "<table class=\"numbers\"><tr><th>provider</th><th class=\"n\">requests<br>asked "
      "about</th><th class=\"n\">asks</th><th class=\"n\">items<br>won</th><th class=\"n\">won "
      "by<br>right</th><th class=\"n\">released</th><th class=\"n\">preemptions</th>"
      "<th class=\"n\">new capacity sold<br>(accelerator-hours)</th><th class=\"n\">first-party "
      "delayed<br>(job-hours)</th><th class=\"n\">first-party displaced<br>(accelerator-hours)"
      "</th></tr>";
  for (size_t p = 0; p < s.market_providers.size(); ++p) {
    const ProviderMarket& m = s.market_providers[p];
    StrAppend(
        &table, "<tr><td>", Escape(providers[p]), "</td><td class=\"n\">", Count(m.requests_seen),
        "</td><td class=\"n\">", Count(m.asks), "</td><td class=\"n\">", Count(m.items_won),
        "</td><td class=\"n\">", Count(m.items_won_by_right), "</td><td class=\"n\">",
        Count(m.released), "</td><td class=\"n\">", Count(m.preemptions), "</td><td class=\"n\">",
        Hours(m.new_capacity_accelerator_seconds), "</td><td class=\"n\">",
        Format("%.1f", static_cast<double>(m.first_party_delayed_job_seconds) / kSecondsPerHour),
        "</td><td class=\"n\">",
        Format("%.1f",
               static_cast<double>(m.first_party_displaced_accelerator_seconds) / kSecondsPerHour),
        "</td></tr>");
  }
  table +=
      "</table><table class=\"numbers\"><tr><th>tenant</th><th class=\"n\">requests</th>"
      "<th class=\"n\">items</th><th class=\"n\">requests put<br>to the holder</th>"
      "<th class=\"n\">total wait<br>on the holder</th><th class=\"n\">median<br>wait</th>"
      "<th class=\"n\">longest<br>wait</th><th class=\"n\">new capacity<br>"
      "(accelerator-hours)</th><th>by provider</th></tr>";
  for (const TenantMarket& m : s.market_tenants) {
    const size_t t = m.tenant.index();
    const std::vector<Duration> none;
    const std::vector<Duration>& w = t < wait_by_tenant.size() ? wait_by_tenant[t] : none;
    std::vector<std::string> split;
    for (size_t p = 0; p < m.new_capacity_share.size() && p < providers.size(); ++p) {
      if (m.new_capacity_share[p] > 0) {
        split.push_back(StrCat(Escape(providers[p]), " ", Percent(m.new_capacity_share[p])));
      }
    }
    StrAppend(
        &table, "<tr><td>", Escape(fleet.tenant(m.tenant).name), "</td><td class=\"n\">",
        Count(m.requests), "</td><td class=\"n\">", Count(m.items), "</td><td class=\"n\">",
        in.audit.empty() ? "-" : Count(static_cast<int64_t>(w.size())), "</td><td class=\"n\">",
        HumanDuration(static_cast<double>(m.rofr_wait)), "</td><td class=\"n\">",
        w.empty() ? "-" : HumanDuration(static_cast<double>(Rank(w, 50))), "</td><td class=\"n\">",
        w.empty() ? "-" : HumanDuration(static_cast<double>(w.back())), "</td><td class=\"n\">",
        Hours(m.new_capacity_accelerator_seconds), "</td><td>",
        split.empty() ? "-" : StrJoin(split, " &middot; "), "</td></tr>");
  }
  table += "</table>";
  // Rows, counting each two-line header as two.
  section.after_rows = static_cast<int>(s.market_providers.size() + s.market_tenants.size()) + 4;
  return section;
}

constexpr const char* kStyle = R"css(
body{margin:0;background:#fff;color:#222;font:14px/20px "DejaVu Sans",Helvetica,Arial,sans-serif}
.page{width:1160px;margin:0 auto;padding:24px 20px}
h1{font-size:24px;line-height:32px;margin:0 0 4px}
h2{font-size:19px;line-height:26px;margin:24px 0 6px;padding-top:10px;border-top:2px solid #ddd}
h3{font-size:14px;line-height:20px;margin:0 0 4px}
p{margin:0 0 8px}
.sub{color:#555}
nav{margin:8px 0 0}
nav a{margin-right:16px;color:#2a5d8f}
.figures{display:grid;grid-template-columns:570px 570px;gap:16px 20px;margin-top:8px}
figure{margin:0}
figure.wide{grid-column:1 / 3}
figcaption{color:#555;font-size:13px;line-height:18px;margin-top:2px}
svg.plot{display:block}
table{border-collapse:collapse;margin:12px 0 4px}
th,td{padding:3px 8px;line-height:20px;border-bottom:1px solid #e5e5e5;text-align:left;
white-space:nowrap}
th{background:#f4f4f4}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
th.key{white-space:normal;max-width:220px}
code{font-size:13px}
table.headline th{width:170px;background:none}
footer{margin-top:28px;color:#777;font-size:12px}
)css";

// Lines that `html` takes in a column `width` pixels wide, at about `char_width` per character.
int TextLines(std::string_view html, double width, double char_width) {
  if (html.empty()) return 0;
  const double chars_per_line = width / char_width;
  return static_cast<int>(std::ceil(static_cast<double>(html.size()) / chars_per_line));
}

// Height of the figures as the two-column grid places them: a wide figure takes a row; two
// others share one.
int FiguresHeight(const std::vector<Figure>& figures) {
  int total = 0;
  int pending = -1;  // height of a half-row figure waiting for a partner
  const auto figure_height = [](const Figure& f) {
    const int caption = TextLines(f.caption, f.wide ? kWideWidth : kHalfWidth, 7.0);
    return 24 + f.height + (caption > 0 ? 2 + 18 * caption : 0);  // title, plot, caption
  };
  for (const Figure& f : figures) {
    if (f.wide) {
      if (pending >= 0) total += pending + 16;
      pending = -1;
      total += figure_height(f) + 16;
    } else if (pending >= 0) {
      total += std::max(pending, figure_height(f)) + 16;
      pending = -1;
    } else {
      pending = figure_height(f);
    }
  }
  if (pending >= 0) total += pending + 16;
  return total;
}

}  // namespace

// Launch attempts per provider (faults.launch): what came of them, how long the winners took to
// come up, what cancelled attempts cost. Shown when a launch failed, was cancelled or took time.
bool HasLaunchActivity(const RunSummary& s) {
  const LaunchFigures& l = s.recovery.launch;
  return l.failed > 0 || l.cancelled > 0 || l.wait_seconds > 0;
}

Section LaunchSection(const ReportInput& in) {
  const Fleet& fleet = in.scenario.fleet;
  Section section;
  section.id = "launches";
  section.title = "Launches";
  section.intro =
      "<p>Each start is a launch attempt on a pool; with parallel launches a start tries several "
      "pools of one provider at once. The first attempt up wins, the others are cancelled and pay "
      "for the time they held their accelerators; an attempt that fails or times out backs its "
      "pool off.</p>";
  svg::StackedBarChart chart;
  chart.id = "launch-outcomes";
  chart.x_label = "provider";
  chart.y.label = "launch attempts";
  chart.total_label = [](double v) { return Count(static_cast<int64_t>(std::llround(v))); };
  chart.size = {kHalfWidth, 280};
  svg::BarStack up{"up", {}, kGood, false};
  svg::BarStack cancelled{"cancelled (another attempt won)", {}, kNeutral, false};
  svg::BarStack timed_out{"timed out", {}, kLate, false};
  svg::BarStack failed{"failed", {}, kBad, true};
  std::string& table = section.after;
  table =
      "<table class=\"numbers\"><tr><th>provider</th><th class=\"n\">attempts</th>"
      "<th class=\"n\">up</th><th class=\"n\">failed</th><th class=\"n\">timed out</th>"
      "<th class=\"n\">cancelled</th><th class=\"n\">mean time to come up</th>"
      "<th class=\"n\">cost of cancelled attempts</th></tr>";
  for (size_t p = 0; p < fleet.providers.size(); ++p) {
    const LaunchFigures l =
        p < in.summary.providers.size() ? in.summary.providers[p].recovery.launch : LaunchFigures{};
    chart.categories.push_back(fleet.providers[p].name);
    up.values.push_back(static_cast<double>(l.up));
    cancelled.values.push_back(static_cast<double>(l.cancelled));
    timed_out.values.push_back(static_cast<double>(l.timed_out));
    failed.values.push_back(static_cast<double>(l.failed - l.timed_out));
    StrAppend(&table, "<tr><td>", Escape(fleet.providers[p].name), "</td><td class=\"n\">",
              Count(l.attempts), "</td><td class=\"n\">", Count(l.up), "</td><td class=\"n\">",
              Count(l.failed - l.timed_out), "</td><td class=\"n\">", Count(l.timed_out),
              "</td><td class=\"n\">", Count(l.cancelled), "</td><td class=\"n\">",
              l.up > 0
                  ? HumanDuration(static_cast<double>(l.wait_seconds) / static_cast<double>(l.up))
                  : "-",
              "</td><td class=\"n\">", Dollars(ToDollars(l.waste_cost)), "</td></tr>");
  }
  table += "</table>";
  section.after_rows = static_cast<int>(fleet.providers.size()) + 1;
  chart.stacks = {std::move(up), std::move(cancelled), std::move(timed_out), std::move(failed)};
  section.figures.push_back({"Launch attempts by outcome, per provider",
                             svg::DrawStackedBarChart(chart), "", false, chart.size.height});
  return section;
}

std::vector<Section> ReportSections(const ReportInput& in) {
  const Unit unit = TimeUnitFor(in.summary.end);
  std::vector<Section> sections;
  sections.push_back(UseSection(in, unit));
  sections.push_back(QueueSection(in, unit));
  sections.push_back(CompletionSection(in));
  sections.push_back(CostSection(in));
  if (HasMarketActivity(in)) sections.push_back(MarketSection(in));
  const std::vector<Lost> lost = LostByTenant(in);
  bool interrupted = false;
  for (const Lost& l : lost) interrupted = interrupted || l.interruptions > 0;
  if (interrupted) sections.push_back(LostWorkSection(in, lost));
  if (HasLaunchActivity(in.summary)) sections.push_back(LaunchSection(in));
  return sections;
}

std::string HeadlineTable(const ReportInput& in) {
  const RunSummary& s = in.summary;
  const Fleet& fleet = in.scenario.fleet;
  std::string out = "<table class=\"headline\">";
  const auto row = [&out](const char* name, const std::string& value) {
    StrAppend(&out, "<tr><th>", name, "</th><td>", value, "</td></tr>");
  };
  row("jobs", StrCat(Count(s.jobs), " submitted: ", Count(s.finished), " finished, ",
                     Count(s.running), " running at the end, ", Count(s.pending), " waiting, ",
                     Count(s.rejected), " rejected"));
  const auto stats = [](const DurationStats& d) {
    return StrCat("mean ", HumanDuration(d.mean), " &middot; median ",
                  HumanDuration(static_cast<double>(d.median)), " &middot; p99 ",
                  HumanDuration(static_cast<double>(d.p99)));
  };
  row("completion time", stats(s.jct));
  row("queueing delay", stats(s.queueing_delay));
  row("makespan", StrCat(HumanDuration(static_cast<double>(s.makespan)), " (simulated until ",
                         HumanDuration(static_cast<double>(s.end)), ")"));
  const double hours = static_cast<double>(s.accelerator_seconds) / kSecondsPerHour;
  row("total cost",
      StrCat(Dollars(ToDollars(s.total_cost)), " for ",
             Count(static_cast<int64_t>(std::llround(hours))), " accelerator-hours",
             hours > 0 ? StrCat(" (", Dollars(ToDollars(s.total_cost) / hours), " per hour)")
                       : std::string()));
  std::vector<std::string> utilisation;
  for (const ProviderUsage& p : s.providers) {
    utilisation.push_back(
        StrCat(Escape(fleet.provider(p.provider).name), " ", Percent(p.utilisation)));
  }
  row("utilisation", StrJoin(utilisation, " &middot; "));
  if (s.bounds.jobs > 0) {
    // What no policy can beat on this scenario (docs/outputs.md), with the run's ratios to it.
    const auto ratio = [](const std::optional<double>& r) {
      return r ? Format(" (&times;%.2f)", *r) : std::string();
    };
    row("lower bounds",
        StrCat("makespan ", HumanDuration(static_cast<double>(s.bounds.makespan)),
               ratio(s.bounds.makespan_ratio), " &middot; mean completion time ",
               HumanDuration(s.bounds.mean_jct), ratio(s.bounds.mean_jct_ratio), " &middot; cost ",
               Dollars(ToDollars(s.bounds.cost)), ratio(s.bounds.cost_ratio)));
  }
  if (HasMarketActivity(in)) {
    int64_t requests = 0;
    int64_t items = 0;
    for (const TenantMarket& m : s.market_tenants) {
      requests += m.requests;
      items += m.items;
    }
    int64_t won = 0;
    int64_t by_right = 0;
    int64_t released = 0;
    int64_t preemptions = 0;
    for (const ProviderMarket& m : s.market_providers) {
      won += m.items_won;
      by_right += m.items_won_by_right;
      released += m.released;
      preemptions += m.preemptions;
    }
    row("capacity market",
        StrCat(Plural(requests, "request"), " for ", Plural(items, "item"), "; ",
               Plural(won, "item"), " awarded (", Count(by_right), " by right of first refusal), ",
               Count(released), " released; ", Plural(preemptions, "preemption")));
  }
  Lost total;
  for (const Lost& l : LostByTenant(in)) {
    total.cost += l.cost;
    total.accelerator_seconds += l.accelerator_seconds;
    total.interruptions += l.interruptions;
    total.jobs += l.jobs;
  }
  row("lost work",
      total.interruptions == 0
          ? std::string("none (no run was interrupted)")
          : StrCat(Dollars(ToDollars(total.cost)), " (",
                   Format("%.1f", static_cast<double>(total.accelerator_seconds) / 3600),
                   " accelerator-hours) in ", Plural(total.interruptions, "interruption"), " of ",
                   Plural(total.jobs, "job"),
                   s.recovery.paid_accelerator_seconds == 0
                       ? std::string()
                       : StrCat("; ", Plural(s.recovery.restarts, "restart"), " (",
                                Count(s.recovery.migrations), " to another provider), ",
                                Dollars(ToDollars(s.recovery.egress_cost)), " egress; goodput ",
                                Percent(s.recovery.goodput))));
  if (HasLaunchActivity(s)) {
    const LaunchFigures& l = s.recovery.launch;
    row("launches", StrCat(Plural(l.attempts, "attempt"), ": ", Count(l.up), " up (",
                           l.up > 0 ? HumanDuration(static_cast<double>(l.wait_seconds) /
                                                    static_cast<double>(l.up))
                                    : std::string("-"),
                           " to come up on average), ", Count(l.failed), " failed (",
                           Count(l.timed_out), " timed out), ", Count(l.cancelled),
                           " cancelled for ", Dollars(ToDollars(l.waste_cost))));
  }
  out += "</table>";
  return out;
}

std::string HtmlPage(const std::string& title, const std::string& header, int header_rows,
                     const std::vector<Section>& sections) {
  std::string body;
  int height = 48 + 36 + 20 + header_rows * 27 + 28;  // padding, title, subtitle, header, nav
  body += "<nav>";
  for (const Section& s : sections) {
    StrAppend(&body, "<a href=\"#", s.id, "\">", Escape(s.title), "</a>");
  }
  body += "</nav>";
  for (const Section& s : sections) {
    StrAppend(&body, "<section id=\"", s.id, "\"><h2>", Escape(s.title), "</h2>", s.intro);
    height += 68 + 20 * TextLines(s.intro, kWideWidth, 7.5) + (s.intro.empty() ? 0 : 8);
    if (!s.figures.empty()) {
      body += "<div class=\"figures\">";
      for (const Figure& f : s.figures) {
        StrAppend(&body, "<figure", f.wide ? " class=\"wide\"" : "", "><h3>", Escape(f.title),
                  "</h3>", f.svg);
        if (!f.caption.empty()) StrAppend(&body, "<figcaption>", f.caption, "</figcaption>");
        body += "</figure>";
      }
      body += "</div>";
      height += 8 + FiguresHeight(s.figures);
    }
    body += s.after;
    if (s.after_rows > 0) height += 16 + 27 * s.after_rows;
    body += "</section>";
  }
  body += "<footer>Written by Arbiter. Self-contained: no scripts, no network access.</footer>";
  height += 60;
  height += 40;  // generous: a little blank space beats a cut-off page
  return StrCat("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
                "<meta name=\"arbiter-page-height\" content=\"", height, "\">", "<title>",
                Escape(title), "</title><style>", kStyle,
                "</style></head><body><main class=\"page\">", header, body,
                "</main></body></html>\n");
}

std::string HtmlReport(const ReportInput& in) {
  const RunSummary& s = in.summary;
  const std::string title = StrCat("Arbiter report: ", s.scenario);
  std::string header =
      StrCat("<header><h1>", Escape(title), "</h1><p class=\"sub\">policy ", Escape(s.policy),
             ", seed ", s.seed, ", ", Count(static_cast<int64_t>(in.scenario.fleet.pools.size())),
             " pools, ", Count(s.jobs), " jobs");
  if (!in.scenario.description.empty()) {
    StrAppend(&header, "<br>", Escape(in.scenario.description));
  }
  header += "</p></header>";
  header += HeadlineTable(in);
  const std::vector<Section> sections = ReportSections(in);
  const int rows = 7 + (s.bounds.jobs > 0 ? 1 : 0) + (HasMarketActivity(in) ? 1 : 0) +
                   (in.scenario.description.empty() ? 0 : 2);
  return HtmlPage(title, header, rows, sections);
}

}  // namespace arbiter
