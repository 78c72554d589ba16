// Readers of the reports' HTML and SVG, for tests only: find a plot, its axes and a series'
// points, and check that a page is well formed and self-contained.
#ifndef ARBITER_REPORT_TESTING_H_
#define ARBITER_REPORT_TESTING_H_

#include <cmath>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace arbiter::testing {

// The <svg ...>...</svg> element with data-plot="id", or "" if there is none.
inline std::string PlotSvg(std::string_view html, std::string_view id) {
  const std::string key = "data-plot=\"" + std::string(id) + "\"";
  const size_t at = html.find(key);
  if (at == std::string_view::npos) return "";
  const size_t start = html.rfind("<svg", at);
  const size_t end = html.find("</svg>", at);
  if (start == std::string_view::npos || end == std::string_view::npos) return "";
  return std::string(html.substr(start, end + 6 - start));
}

// The value of attribute `name` in the first tag of `element`, or "".
inline std::string Attribute(std::string_view element, std::string_view name) {
  const size_t tag_end = element.find('>');
  const std::string key = " " + std::string(name) + "=\"";
  const size_t at = element.find(key);
  if (at == std::string_view::npos || at > tag_end) return "";
  const size_t begin = at + key.size();
  return std::string(element.substr(begin, element.find('"', begin) - begin));
}

// Whitespace-separated numbers.
inline std::vector<double> Numbers(std::string_view text) {
  std::vector<double> out;
  const std::string s(text);
  const char* p = s.c_str();
  char* end = nullptr;
  while (true) {
    const double v = std::strtod(p, &end);
    if (end == p) break;
    out.push_back(v);
    p = end;
  }
  return out;
}

struct Range {
  double min = 0;
  double max = 0;
};
inline Range AxisRange(std::string_view svg, std::string_view axis) {
  const std::vector<double> v = Numbers(Attribute(svg, axis == "x" ? "data-x" : "data-y"));
  return v.size() == 2 ? Range{v[0], v[1]} : Range{};
}

// The plot area in pixels.
struct Area {
  double left = 0;
  double top = 0;
  double width = 0;
  double height = 0;
};
inline Area PlotArea(std::string_view svg) {
  const std::vector<double> v = Numbers(Attribute(svg, "data-area"));
  return v.size() == 4 ? Area{v[0], v[1], v[2], v[3]} : Area{};
}

struct Point {
  char command = 'M';  // M or L
  double x = 0;
  double y = 0;
};

// Pixel positions of data values on a plot's axes (see report/svg.h).
struct Axes {
  Area area;
  Range x;
  Range y;
  bool log_x = false;
  Point At(char command, double vx, double vy) const {
    double fx = (vx - x.min) / (x.max - x.min);
    if (log_x) fx = (std::log10(vx) - std::log10(x.min)) / (std::log10(x.max) - std::log10(x.min));
    return {command, area.left + fx * area.width,
            area.top + area.height - (vy - y.min) / (y.max - y.min) * area.height};
  }
  double Y(double v) const { return At('L', x.min, v).y; }
};

inline Axes AxesOf(std::string_view svg) {
  return {PlotArea(svg), AxisRange(svg, "x"), AxisRange(svg, "y"),
          Attribute(svg, "data-x-scale") == "log"};
}

// The points of a path's `d` (M, L and Z commands only, as the charts write them).
inline std::vector<Point> PathPoints(std::string_view d) {
  std::vector<Point> out;
  const std::string s(d);
  const char* p = s.c_str();
  while (*p != '\0') {
    if (*p == 'M' || *p == 'L') {
      Point point;
      point.command = *p;
      char* end = nullptr;
      point.x = std::strtod(p + 1, &end);
      point.y = std::strtod(end, &end);
      out.push_back(point);
      p = end;
    } else {
      ++p;
    }
  }
  return out;
}

// All values of `data-series` in `svg`, in order of appearance.
inline std::vector<std::string> SeriesNames(std::string_view svg) {
  std::vector<std::string> out;
  const std::string_view key = "data-series=\"";
  for (size_t at = svg.find(key); at != std::string_view::npos; at = svg.find(key, at + 1)) {
    const size_t begin = at + key.size();
    out.emplace_back(svg.substr(begin, svg.find('"', begin) - begin));
  }
  return out;
}

// The points of the path drawn for series `name` (empty if there is none).
inline std::vector<Point> SeriesPoints(std::string_view svg, std::string_view name) {
  const std::string key = "data-series=\"" + std::string(name) + "\"";
  const size_t at = svg.find(key);
  if (at == std::string_view::npos) return {};
  const size_t start = svg.rfind('<', at);
  return PathPoints(Attribute(svg.substr(start), "d"));
}

struct Rect {
  double x = 0;
  double y = 0;
  double width = 0;
  double height = 0;
  bool found = false;
};
// The bar of series `name` in category `category` of a bar chart.
inline Rect BarRect(std::string_view svg, std::string_view name, std::string_view category) {
  const std::string key = "<g data-series=\"" + std::string(name) + "\"";
  const size_t at = svg.find(key);
  if (at == std::string_view::npos) return {};
  const std::string_view group = svg.substr(at, svg.find("</g>", at) - at);
  const std::string rect_key = "<rect data-category=\"" + std::string(category) + "\"";
  const size_t r = group.find(rect_key);
  if (r == std::string_view::npos) return {};
  const std::string_view rect = group.substr(r);
  return {std::strtod(Attribute(rect, "x").c_str(), nullptr),
          std::strtod(Attribute(rect, "y").c_str(), nullptr),
          std::strtod(Attribute(rect, "width").c_str(), nullptr),
          std::strtod(Attribute(rect, "height").c_str(), nullptr), true};
}

// Checks that every tag is closed in order (void elements and <x/> excepted; <style> content is
// skipped). Returns "" when it is, else what is wrong.
inline std::string TagBalanceError(std::string_view html) {
  static const std::vector<std::string> kVoid = {"meta", "br", "hr", "img", "input", "link", "wbr"};
  std::vector<std::string> open;
  size_t i = 0;
  while ((i = html.find('<', i)) != std::string_view::npos) {
    const size_t end = html.find('>', i);
    if (end == std::string_view::npos) return "unterminated tag at " + std::to_string(i);
    const std::string_view tag = html.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.empty()) return "empty tag";
    if (tag[0] == '!') continue;  // <!DOCTYPE html>
    if (tag[0] == '/') {
      const std::string name(tag.substr(1));
      if (open.empty() || open.back() != name) {
        return "</" + name + "> closes <" + (open.empty() ? "nothing" : open.back()) + ">";
      }
      open.pop_back();
      continue;
    }
    const std::string name(tag.substr(0, tag.find_first_of(" \n/")));
    if (tag.back() == '/') continue;
    bool is_void = false;
    for (const std::string& v : kVoid) is_void = is_void || v == name;
    if (is_void) continue;
    if (name == "style") {
      i = html.find("</style>", i);
      if (i == std::string_view::npos) return "unterminated <style>";
      i += 8;
      continue;
    }
    open.push_back(name);
  }
  if (!open.empty()) return "<" + open.back() + "> is never closed";
  return "";
}

inline size_t CountOf(std::string_view text, std::string_view needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// Coordinates are printed with two decimals: a point is where it should be within this.
inline constexpr double kPixel = 0.006;

// Expects the same path commands at the same pixels (within kPixel), point by point.
inline void ExpectPoints(const std::vector<Point>& actual, const std::vector<Point>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_EQ(actual[i].command, expected[i].command) << "point " << i;
    EXPECT_NEAR(actual[i].x, expected[i].x, kPixel) << "point " << i;
    EXPECT_NEAR(actual[i].y, expected[i].y, kPixel) << "point " << i;
  }
}

// Expects an axis range of [min, max] (up to rounding).
inline void ExpectRange(const Range& r, double min, double max) {
  EXPECT_NEAR(r.min, min, 1e-9);
  EXPECT_NEAR(r.max, max, 1e-9);
}

}  // namespace arbiter::testing

#endif  // ARBITER_REPORT_TESTING_H_
