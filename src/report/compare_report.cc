#include "report/compare_report.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "model/strings.h"
#include "model/units.h"
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
using report::ToDollars;
using report::Unit;
using svg::Escape;

constexpr int kHalfWidth = 570;
constexpr int kWideWidth = 1160;
constexpr size_t kPoliciesPerHalfWidth = 4;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr const char* kBoundColour = "#7f7f7f";

std::vector<std::string> Policies(const CompareResult& r) {
  std::vector<std::string> names;
  for (const CompareRow& row : r.rows) names.push_back(row.policy);
  return names;
}

// Bars of one figure per policy, then the scenario's lower bound as a hatched bar of its own.
svg::StackedBarChart BoundedBars(const CompareResult& r, const char* id, std::string y_label,
                                 const std::vector<double>& values, double bound, int width) {
  svg::StackedBarChart chart;
  chart.id = id;
  chart.x_label = "policy";
  chart.categories = Policies(r);
  chart.categories.push_back("lower bound");
  chart.y.label = std::move(y_label);
  chart.size = {width, 320, 130};
  svg::BarStack runs{"policy", {}, svg::PaletteColour(0), false};
  svg::BarStack floor{"lower bound", {}, kBoundColour, true};
  for (double v : values) {
    runs.values.push_back(v);
    floor.values.push_back(0);
  }
  runs.values.push_back(0);
  floor.values.push_back(bound);
  chart.stacks = {std::move(runs), std::move(floor)};
  return chart;
}

svg::Axis PolicyAxis(const CompareResult& r) {
  svg::Axis x;
  x.label = "policy";
  x.round_max = false;
  x.min = -0.5;
  x.max = static_cast<double>(r.rows.size()) - 0.5;
  for (size_t i = 0; i < r.rows.size(); ++i) x.ticks.push_back(static_cast<double>(i));
  const std::vector<std::string> names = Policies(r);
  x.tick_label = [names](double v) {
    const auto i = static_cast<size_t>(std::llround(v));
    return i < names.size() ? names[i] : std::string();
  };
  return x;
}

Section PlotSection(const CompareResult& r) {
  Section section;
  section.id = "compare-plots";
  section.title = "The policies side by side";
  if (r.rows.empty()) {
    section.intro = "<p>No policy was run.</p>";
    return section;
  }
  section.intro =
      StrCat("<p>Each policy ran on ", Escape(r.scenario), " with seed ", r.seed,
             ". Completion time is end &minus; submit of finished jobs. Lower bounds hold for any "
             "policy on this scenario (docs/outputs.md says how each is computed); a ratio is the "
             "policy's result over its bound and is shown only when every job that can run "
             "finished.</p>");

  svg::CdfChart cdf;
  cdf.id = "compare-jct-cdf";
  cdf.x.label = "job completion time (end \u2212 submit, log scale)";
  cdf.x.log = true;
  for (const auto& [value, label] : report::DurationTicks()) cdf.x.log_ticks.push_back(value);
  cdf.x.tick_label = report::DurationTickLabel;
  cdf.y_label = "finished jobs";
  cdf.size = {kWideWidth, 320};
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const CompareRow& row = r.rows[i];
    if (row.jct.empty()) continue;
    std::vector<double> values;
    values.reserve(row.jct.size());
    // The log axis starts at 1 s.
    for (Duration d : row.jct) values.push_back(std::max(static_cast<double>(d), 1.0));
    cdf.series.push_back({row.policy, std::move(values), svg::PaletteColour(i)});
  }
  section.figures.push_back({"Completion time distribution", svg::DrawCdfChart(cdf),
                             "The share of each policy's finished jobs that completed within a "
                             "given time; policies where no job finished are left out.",
                             true, cdf.size.height});

  double max_jct = r.bounds.mean_jct;
  double max_makespan = static_cast<double>(r.bounds.makespan);
  for (const CompareRow& row : r.rows) {
    max_jct = std::max(max_jct, row.mean_jct_s);
    max_makespan = std::max(max_makespan, static_cast<double>(row.makespan_s));
  }
  // With many policies, each plot takes the page's width (its labels take two rows if need be).
  const bool wide = r.rows.size() > kPoliciesPerHalfWidth;
  const int width = wide ? kWideWidth : kHalfWidth;
  const Unit jct_unit = DurationUnitFor(max_jct);
  const Unit makespan_unit = DurationUnitFor(max_makespan);
  std::vector<double> mean_values;
  std::vector<double> makespan_values;
  std::vector<double> cost_values;
  for (const CompareRow& row : r.rows) {
    mean_values.push_back(row.finished > 0 ? row.mean_jct_s / jct_unit.seconds : 0);
    makespan_values.push_back(static_cast<double>(row.makespan_s) / makespan_unit.seconds);
    cost_values.push_back(ToDollars(row.total_cost));
  }
  svg::StackedBarChart mean =
      BoundedBars(r, "compare-mean-jct", StrCat("mean completion time (", jct_unit.name, ")"),
                  mean_values, r.bounds.mean_jct / jct_unit.seconds, width);
  mean.total_label = [](double v) { return Format("%.3g", v); };
  svg::StackedBarChart makespan = BoundedBars(
      r, "compare-makespan", StrCat("makespan (", makespan_unit.name, ")"), makespan_values,
      static_cast<double>(r.bounds.makespan) / makespan_unit.seconds, width);
  makespan.total_label = [](double v) { return Format("%.3g", v); };
  svg::StackedBarChart cost = BoundedBars(r, "compare-cost", "total cost (US$)", cost_values,
                                          ToDollars(r.bounds.cost), width);
  cost.y.tick_label = DollarTick;
  cost.total_label = Dollars;
  section.figures.push_back({"Mean completion time", svg::DrawStackedBarChart(mean),
                             "Over finished jobs; the hatched bar is the lower bound.", wide,
                             mean.size.height});
  section.figures.push_back({"Makespan", svg::DrawStackedBarChart(makespan),
                             "Last finish &minus; first submit; the hatched bar is the lower "
                             "bound.",
                             wide, makespan.size.height});
  section.figures.push_back({"Total cost", svg::DrawStackedBarChart(cost),
                             "Everything charged to the ledger, in US dollars; the hatched bar "
                             "is the lower bound.",
                             wide, cost.size.height});

  svg::LineChart ratios;
  ratios.id = "compare-ratios";
  ratios.x = PolicyAxis(r);
  ratios.y.label = "result / lower bound";
  ratios.size = {width, 320, 130};
  const auto line = [&r](std::string name, std::optional<double> CompareRow::*field,
                         size_t colour) {
    svg::Line l;
    l.name = std::move(name);
    l.colour = svg::PaletteColour(colour);
    l.markers = true;
    for (size_t i = 0; i < r.rows.size(); ++i) {
      const std::optional<double>& v = r.rows[i].*field;
      l.x.push_back(static_cast<double>(i));
      l.y.push_back(v ? *v : kNaN);
    }
    return l;
  };
  ratios.lines.push_back(line("mean JCT", &CompareRow::mean_jct_ratio, 0));
  ratios.lines.push_back(line("makespan", &CompareRow::makespan_ratio, 1));
  ratios.lines.push_back(line("cost", &CompareRow::cost_ratio, 2));
  svg::Line one;
  one.name = "bound (1)";
  one.colour = kBoundColour;
  one.dashed = true;
  one.x = {-0.5, static_cast<double>(r.rows.size()) - 0.5};
  one.y = {1, 1};
  ratios.lines.push_back(std::move(one));
  section.figures.push_back({"Ratios to the lower bounds", svg::DrawLineChart(ratios),
                             "Each policy's mean completion time, makespan and cost over their "
                             "lower bounds (1 would meet the bound); a missing point: not every "
                             "job finished.",
                             wide, ratios.size.height});
  return section;
}

std::string RatioText(const std::optional<double>& r) {
  return r ? Format("%.2f", *r) : std::string("-");
}

Section TableSection(const CompareResult& r) {
  Section section;
  section.id = "compare-table";
  section.title = "Every policy";
  section.intro =
      "<p>The columns of compare.csv, in readable units (compare.csv has them exactly, in "
      "seconds and dollars). Worst FTF: the largest finish-time fairness ratio of a finished "
      "job, its completion time over the time it would take with an equal share of the fleet "
      "(docs/outputs.md).</p>";
  const auto cell = [](const std::string& text) {
    return StrCat("<td class=\"n\">", text, "</td>");
  };
  std::string& t = section.after;
  t = "<table class=\"numbers\"><tr><th>policy</th><th class=\"n\">jobs</th>"
      "<th class=\"n\">finished</th><th class=\"n\">mean JCT</th><th class=\"n\">p99 JCT</th>"
      "<th class=\"n\">makespan</th><th class=\"n\">total cost</th>"
      "<th class=\"n\">utilisation</th></tr>";
  for (const CompareRow& row : r.rows) {
    const bool any = row.finished > 0;
    StrAppend(&t, "<tr><td>", Escape(row.policy), "</td>", cell(Count(row.jobs)),
              cell(Count(row.finished)), cell(any ? HumanDuration(row.mean_jct_s) : "-"),
              cell(any ? HumanDuration(static_cast<double>(row.p99_jct_s)) : "-"),
              cell(any ? HumanDuration(static_cast<double>(row.makespan_s)) : "-"),
              cell(Dollars(ToDollars(row.total_cost))), cell(Percent(row.utilisation)), "</tr>");
  }
  StrAppend(&t, "<tr><td>lower bound</td>", cell(Count(r.bounds.jobs)), cell(""),
            cell(HumanDuration(r.bounds.mean_jct)), cell(""),
            cell(HumanDuration(static_cast<double>(r.bounds.makespan))),
            cell(Dollars(ToDollars(r.bounds.cost))), cell(""), "</tr></table>");
  t += "<table class=\"numbers\"><tr><th>policy</th><th class=\"n\">deadline misses</th>"
       "<th class=\"n\">worst FTF</th><th class=\"n\">mean JCT / bound</th>"
       "<th class=\"n\">makespan / bound</th><th class=\"n\">cost / bound</th></tr>";
  for (const CompareRow& row : r.rows) {
    StrAppend(&t, "<tr><td>", Escape(row.policy), "</td>",
              cell(row.deadline_jobs > 0
                       ? StrCat(Count(row.deadline_misses), " of ", Count(row.deadline_jobs))
                       : "-"),
              cell(row.finished > 0 ? Format("%.2f", row.worst_ftf) : "-"),
              cell(RatioText(row.mean_jct_ratio)), cell(RatioText(row.makespan_ratio)),
              cell(RatioText(row.cost_ratio)), "</tr>");
  }
  t += "</table>";
  section.after_rows = 2 * static_cast<int>(r.rows.size()) + 5;
  return section;
}

}  // namespace

std::vector<Section> CompareSections(const CompareResult& result) {
  return {PlotSection(result), TableSection(result)};
}

std::string CompareHtmlReport(const CompareResult& r) {
  const std::string title = StrCat("Arbiter compare: ", r.scenario);
  std::string header = StrCat("<header><h1>", Escape(title), "</h1><p class=\"sub\">",
                              Count(static_cast<int64_t>(r.rows.size())),
                              r.rows.size() == 1 ? " policy" : " policies", ", seed ", r.seed,
                              "</p></header><table class=\"headline\">");
  const auto row = [&header](const char* name, const std::string& value) {
    StrAppend(&header, "<tr><th>", name, "</th><td>", value, "</td></tr>");
  };
  const CompareRow* fastest = nullptr;
  const CompareRow* cheapest = nullptr;
  for (const CompareRow& point : r.rows) {
    if (point.finished > 0 && (fastest == nullptr || point.mean_jct_s < fastest->mean_jct_s)) {
      fastest = &point;
    }
    if (cheapest == nullptr || point.total_cost < cheapest->total_cost) cheapest = &point;
  }
  if (fastest != nullptr) {
    row("lowest mean JCT",
        StrCat(HumanDuration(fastest->mean_jct_s), " with ", Escape(fastest->policy),
               " (lower bound ", HumanDuration(r.bounds.mean_jct), ")"));
  }
  if (cheapest != nullptr) {
    row("lowest total cost",
        StrCat(Dollars(ToDollars(cheapest->total_cost)), " with ", Escape(cheapest->policy),
               " (lower bound ", Dollars(ToDollars(r.bounds.cost)), ")"));
  }
  header += "</table>";
  return HtmlPage(title, header, 2, CompareSections(r));
}

}  // namespace arbiter
