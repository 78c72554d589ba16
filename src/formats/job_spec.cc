#include "formats/job_spec.h"

#include <algorithm>
#include <initializer_list>
#include <set>
#include <span>

#include "formats/parse.h"
#include "formats/scenario_yaml.h"
#include "formats/workload.h"
#include "model/strings.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace arbiter {
namespace {

constexpr int64_t kMaxNodes = 4096;
constexpr int64_t kMaxPerNode = 1024;
constexpr Duration kMaxDuration = 2 * 366 * 86400;  // two years
constexpr int64_t kMaxAcceleratorHours = 1'000'000'000;
constexpr int64_t kMaxCheckpointBytes = int64_t{1} << 60;
constexpr int64_t kMaxRestarts = 1000;
constexpr int64_t kMaxPriority = 1'000'000;
constexpr size_t kMaxEnvs = 1000;
constexpr size_t kMaxNameLength = 128;
constexpr int64_t kLastUnixSecond = 253402300799;  // 9999-12-31T23:59:59Z
constexpr const char* kDurationExpected = "seconds, or a number with s, m, h, d or w (e.g. 2h)";
constexpr const char* kDeadlineExpected =
    "a duration after submission (e.g. 6h) or a UTC time (e.g. 2025-06-01T12:00:00Z)";

// SkyPilot keys Arbiter does not read: an error that says so rather than "unknown key".
constexpr std::string_view kSkyPilotTaskKeys[] = {"file_mounts", "secrets",       "config",
                                                  "service",     "volumes",       "inputs",
                                                  "outputs",     "event_callback"};
constexpr std::string_view kSkyPilotResourceKeys[] = {
    "zone",         "cpus",           "memory",   "instance_type", "disk_size",        "disk_tier",
    "network_tier", "ports",          "image_id", "labels",        "accelerator_args", "autostop",
    "job_recovery", "max_hourly_cost"};

// Days since 1970-01-01 of a date in the proleptic Gregorian calendar, and back (the civil
// calendar algorithms: years counted in 400-year eras from 0000-03-01).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2 ? 1 : 0);
}

// "YYYY-MM-DDTHH:MM:SS" then "Z" or "+HH:MM" / "-HH:MM" (RFC 3339, whole seconds).
std::optional<int64_t> ParseRfc3339(std::string_view s) {
  const auto digits = [&s](size_t at, size_t n) -> std::optional<int64_t> {
    if (at + n > s.size()) return std::nullopt;
    int64_t v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const auto is = [&s](size_t at, std::string_view chars) {
    return at < s.size() && chars.find(s[at]) != std::string_view::npos;
  };
  const auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  const auto hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || !is(4, "-") || !is(7, "-") ||
      !is(10, "Tt ") || !is(13, ":") || !is(16, ":")) {
    return std::nullopt;
  }
  int64_t offset = 0;
  if (s.size() == 20 && is(19, "Zz")) {
    offset = 0;
  } else if (s.size() == 25 && is(19, "+-") && is(22, ":")) {
    const auto oh = digits(20, 2), om = digits(23, 2);
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    offset = (*oh * 60 + *om) * 60 * (s[19] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (*year % 4 == 0 && *year % 100 != 0) || *year % 400 == 0;
  if (*year < 1970 || *month < 1 || *month > 12 || *day < 1 || *day > kDays[*month - 1] ||
      (*month == 2 && *day == 29 && !leap) || *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  return DaysFromCivil(*year, *month, *day) * 86400 + *hour * 3600 + *minute * 60 + *second -
         offset;
}

std::string FormatRfc3339(int64_t unix_seconds) {
  int64_t y = 0, m = 0, d = 0;
  const int64_t days = unix_seconds >= 0 ? unix_seconds / 86400 : (unix_seconds - 86399) / 86400;
  const int64_t rest = unix_seconds - days * 86400;
  CivilFromDays(days, y, m, d);
  return Format("%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(rest / 3600), static_cast<long long>(rest / 60 % 60),
                static_cast<long long>(rest % 60));
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool ValidName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameLength &&
         std::all_of(name.begin(), name.end(), IsNameChar);
}

bool ValidEnvName(std::string_view name) {
  if (name.empty() || name.size() > 256 || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// A YAML node with where it came from, so that every error can say where.
class Node {
 public:
  Node(std::string_view source, const YAML::Node& node, std::string path, int64_t parent_line)
      : source_(source), node_(node), path_(std::move(path)), parent_line_(parent_line) {}

  const std::string& path() const { return path_; }
  const YAML::Node& yaml() const { return node_; }
  bool defined() const { return node_.IsDefined() && !node_.IsNull(); }
  bool present() const { return node_.IsDefined(); }
  int64_t line() const {
    if (!node_.IsDefined()) return parent_line_;
    const YAML::Mark mark = node_.Mark();
    return mark.line >= 0 ? mark.line + 1 : parent_line_;
  }

  absl::Status Error(std::string_view problem, std::string_view expected = {}) const {
    return ParseError({source_, line(), path_}, problem, expected);
  }

  Node Child(std::string_view key) const {
    return Node(source_, node_[std::string(key)],
                path_.empty() ? std::string(key) : StrCat(path_, ".", key), line());
  }
  Node Item(size_t i) const { return Node(source_, node_[i], StrCat(path_, "[", i, "]"), line()); }

  // A mapping whose keys are all in `allowed` (each at most once); a key in `unsupported` is a
  // SkyPilot key that Arbiter does not read.
  absl::Status Keys(std::initializer_list<std::string_view> allowed,
                    std::span<const std::string_view> unsupported = {}) const {
    if (!node_.IsMap()) return Error("not a mapping", "key: value pairs");
    std::set<std::string> seen;
    for (const auto& kv : node_) {
      const Node key(source_, kv.first, path_, line());
      if (!kv.first.IsScalar()) return key.Error("a key that is not a single value");
      const std::string name = kv.first.Scalar();
      const Node at(source_, kv.first, path_.empty() ? name : StrCat(path_, ".", name), line());
      if (!seen.insert(name).second) return at.Error(StrCat("key '", name, "' given twice"));
      if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
      if (std::find(unsupported.begin(), unsupported.end(), name) != unsupported.end()) {
        return at.Error(StrCat("'", name, "' (a SkyPilot key) is not supported by Arbiter"),
                        StrCat("one of ", StrJoin(allowed, ", "), " (docs/jobs.md)"));
      }
      return at.Error(StrCat("unknown key '", name, "'"),
                      StrCat("one of ", StrJoin(allowed, ", ")));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> String() const {
    if (!defined()) return Error("missing", "a value");
    if (!node_.IsScalar()) return Error("not a single value", "a string");
    const std::string& s = node_.Scalar();
    if (s.find('\0') != std::string::npos) return Error("contains a NUL character");
    if (FindInvalidUtf8(s) != std::string::npos) return Error("not UTF-8", "UTF-8 text");
    return s;
  }
  absl::StatusOr<int64_t> Int(int64_t min, int64_t max) const {
    absl::StatusOr<std::string> s = String();
    if (!s.ok()) return s.status();
    return ParseIntField(*s, {source_, line(), path_}, min, max);
  }
  absl::StatusOr<bool> Bool() const {
    absl::StatusOr<std::string> s = String();
    if (!s.ok()) return s.status();
    if (*s == "true" || *s == "True" || *s == "yes") return true;
    if (*s == "false" || *s == "False" || *s == "no") return false;
    return Error(StrCat("'", *s, "' is not a boolean"), "true or false");
  }
  // A duration in (0, max].
  absl::StatusOr<Duration> PositiveSeconds(Duration max) const {
    absl::StatusOr<std::string> s = String();
    if (!s.ok()) return s.status();
    absl::StatusOr<Duration> d = ParseDuration(*s);
    if (!d.ok()) return Error(StrCat("'", *s, "' is not a duration"), kDurationExpected);
    if (*d <= 0 || *d > max) {
      return Error(StrCat(*d, " s is out of range"), StrCat("a duration in [1 s, ", max, " s]"));
    }
    return *d;
  }

 private:
  std::string_view source_;
  YAML::Node node_;
  std::string path_;
  int64_t parent_line_;
};

// What one level of `resources` says (the defaults, or one entry of any_of / ordered); unset
// fields take the defaults'.
struct Level {
  std::optional<std::vector<std::pair<std::string, int32_t>>> accelerators;
  bool accelerators_listed = false;  // a YAML list: tried in order (SkyPilot)
  std::optional<std::string> provider;
  std::optional<std::string> region;
  std::optional<bool> use_spot;
};

class Reader {
 public:
  Reader(std::string_view source, const JobSpecOptions& options)
      : source_(source), options_(options) {}

  absl::Status Read(const YAML::Node& root_yaml, JobSpec& spec) {
    const Node root(source_, root_yaml, "", 0);
    if (!root_yaml.IsMap()) return root.Error("not a mapping", "a job spec (docs/jobs.md)");
    ARBITER_RETURN_IF_ERROR(root.Keys(
        {"name", "resources", "num_nodes", "envs", "workdir", "setup", "run", "tenant", "priority",
         "deadline", "duration", "accelerator_hours", "checkpoint", "max_restarts"},
        kSkyPilotTaskKeys));
    if (root.Child("name").defined()) {
      ARBITER_ASSIGN(spec.name, root.Child("name").String());
      if (!ValidName(spec.name)) {
        return root.Child("name").Error(StrCat("'", spec.name, "' is not a valid name"),
                                        "1 to 128 of the characters A-Z a-z 0-9 . _ -");
      }
    }
    int64_t v = 0;
    ARBITER_ASSIGN(v, IntOr(root.Child("num_nodes"), 1, 1, kMaxNodes));
    spec.num_nodes = static_cast<int32_t>(v);
    ARBITER_RETURN_IF_ERROR(Resources(root.Child("resources"), spec));
    ARBITER_RETURN_IF_ERROR(Envs(root.Child("envs"), spec));
    if (root.Child("workdir").defined()) {
      Node f = root.Child("workdir");
      ARBITER_ASSIGN(spec.workdir, f.String());
      if (spec.workdir.empty()) return f.Error("empty", "a directory");
      if (spec.workdir.front() != '/') {
        if (options_.base_dir.empty()) {
          return f.Error(StrCat("'", spec.workdir, "' is a relative path"),
                         "an absolute path (arbiter submit resolves a relative one against the "
                         "job file's directory)");
        }
        spec.workdir = ResolvePath(StrCat(options_.base_dir, "/x"), spec.workdir);
      }
      while (spec.workdir.size() > 1 && spec.workdir.back() == '/') spec.workdir.pop_back();
    }
    if (root.Child("setup").defined()) ARBITER_ASSIGN(spec.setup, root.Child("setup").String());
    if (root.Child("run").defined()) ARBITER_ASSIGN(spec.run, root.Child("run").String());
    if (root.Child("tenant").defined()) {
      ARBITER_ASSIGN(spec.tenant, root.Child("tenant").String());
      if (spec.tenant.empty()) return root.Child("tenant").Error("empty", "a tenant's name");
    }
    ARBITER_ASSIGN(v, IntOr(root.Child("priority"), 0, -kMaxPriority, kMaxPriority));
    spec.priority = static_cast<int32_t>(v);
    ARBITER_RETURN_IF_ERROR(Deadline(root.Child("deadline"), spec));
    ARBITER_RETURN_IF_ERROR(
        Durations(root.Child("duration"), root.Child("accelerator_hours"), spec));
    if (Node c = root.Child("checkpoint"); c.defined()) {
      ARBITER_RETURN_IF_ERROR(c.Keys({"interval", "bytes"}));
      ARBITER_ASSIGN(spec.checkpoint_interval, c.Child("interval").PositiveSeconds(kMaxDuration));
      ARBITER_ASSIGN(spec.checkpoint_bytes, IntOr(c.Child("bytes"), 0, 0, kMaxCheckpointBytes));
    }
    ARBITER_ASSIGN(v, IntOr(root.Child("max_restarts"), 0, 0, kMaxRestarts));
    spec.max_restarts = static_cast<int32_t>(v);
    return absl::OkStatus();
  }

 private:
  static absl::StatusOr<int64_t> IntOr(const Node& f, int64_t fallback, int64_t min, int64_t max) {
    return f.defined() ? f.Int(min, max) : absl::StatusOr<int64_t>(fallback);
  }

  // "H100:8", "H100" (one), or a name with its count given apart.
  absl::Status Accelerator(const Node& at, std::string_view text, std::optional<int64_t> count,
                           std::vector<std::pair<std::string, int32_t>>& out) {
    std::string_view name = text;
    std::string_view count_text;
    if (const size_t colon = text.find(':'); colon != std::string_view::npos) {
      if (count) return at.Error(StrCat("'", text, "' gives a count twice"), "NAME: COUNT");
      name = text.substr(0, colon);
      count_text = text.substr(colon + 1);
    }
    name = StripWhitespace(name);
    count_text = StripWhitespace(count_text);
    if (!ValidName(name)) {
      return at.Error(StrCat("'", name, "' is not an accelerator name"),
                      "NAME or NAME:COUNT, e.g. H100:8");
    }
    int64_t n = count.value_or(1);
    if (!count_text.empty()) {
      std::optional<int64_t> parsed = ParseInt(count_text);
      if (!parsed) {
        return at.Error(StrCat("'", count_text, "' is not a whole count"),
                        StrCat("a whole number of accelerators per node in [1, ", kMaxPerNode,
                               "] (fractional accelerators are not supported)"));
      }
      n = *parsed;
    }
    if (n < 1 || n > kMaxPerNode) {
      return at.Error(StrCat(n, " accelerators per node is out of range"),
                      StrCat("a count in [1, ", kMaxPerNode, "]"));
    }
    for (const auto& [seen, c] : out) {
      if (seen == name) return at.Error(StrCat("'", name, "' listed twice"));
    }
    out.emplace_back(std::string(name), static_cast<int32_t>(n));
    return absl::OkStatus();
  }

  // accelerators: H100:8 | {H100: 8, A100: 8} | {H100:8, A100:8} | [H100:8, A100:8] (ordered).
  absl::Status Accelerators(const Node& f, Level& level) {
    std::vector<std::pair<std::string, int32_t>> out;
    const YAML::Node& y = f.yaml();
    if (y.IsScalar()) {
      std::string text;
      ARBITER_ASSIGN(text, f.String());
      ARBITER_RETURN_IF_ERROR(Accelerator(f, text, std::nullopt, out));
    } else if (y.IsMap()) {
      for (const auto& kv : y) {
        const Node key(source_, kv.first, f.path(), f.line());
        if (!kv.first.IsScalar()) return key.Error("a key that is not a single value");
        const std::string text = kv.first.Scalar();
        const Node value(source_, kv.second, StrCat(f.path(), ".", text), key.line());
        std::optional<int64_t> count;
        if (value.defined()) {
          int64_t c = 0;
          absl::StatusOr<std::string> s = value.String();
          if (!s.ok()) return s.status();
          std::optional<int64_t> parsed = ParseInt(*s);
          if (!parsed) {
            return value.Error(
                StrCat("'", *s, "' is not a whole count"),
                StrCat("a whole number of accelerators per node in [1, ", kMaxPerNode,
                       "] (fractional accelerators are not supported)"));
          }
          c = *parsed;
          count = c;
        }
        ARBITER_RETURN_IF_ERROR(Accelerator(value, text, count, out));
      }
      if (out.empty()) return f.Error("empty", "at least one accelerator, e.g. H100:8");
    } else if (y.IsSequence()) {
      for (size_t i = 0; i < y.size(); ++i) {
        std::string text;
        ARBITER_ASSIGN(text, f.Item(i).String());
        ARBITER_RETURN_IF_ERROR(Accelerator(f.Item(i), text, std::nullopt, out));
      }
      if (out.empty()) return f.Error("empty", "at least one accelerator, e.g. H100:8");
      level.accelerators_listed = true;
    } else {
      return f.Error("missing", "accelerators per node, e.g. H100:8");
    }
    for (const auto& [name, count] : out) {
      if (count != out.front().second) {
        return f.Error(StrCat(out.front().first, ":", out.front().second, " and ", name, ":", count,
                              " have different counts per node"),
                       "the same count for every type (a gang has one shape)");
      }
    }
    level.accelerators = std::move(out);
    return absl::OkStatus();
  }

  absl::Status ReadLevel(const Node& f, Level& level) {
    if (f.Child("accelerators").present()) {
      ARBITER_RETURN_IF_ERROR(Accelerators(f.Child("accelerators"), level));
    }
    const bool infra = f.Child("infra").defined();
    if (infra && (f.Child("cloud").defined() || f.Child("region").defined())) {
      return f.Child("infra").Error("given with cloud or region",
                                    "either infra: PROVIDER[/REGION] or cloud and region");
    }
    if (infra) {
      std::string text;
      ARBITER_ASSIGN(text, f.Child("infra").String());
      const std::vector<std::string_view> parts = Split(text, '/');
      if (parts.empty() || parts.size() > 2 || parts[0].empty() ||
          (parts.size() == 2 && parts[1].empty())) {
        return f.Child("infra").Error(
            StrCat("'", text, "' is not PROVIDER or PROVIDER/REGION"),
            "a provider of the fleet and optionally one of its regions (zones are not supported)");
      }
      level.provider = parts[0] == "*" ? "" : std::string(parts[0]);
      level.region = parts.size() < 2 || parts[1] == "*" ? "" : std::string(parts[1]);
    }
    if (f.Child("cloud").defined()) {
      std::string text;
      ARBITER_ASSIGN(text, f.Child("cloud").String());
      if (text.empty()) return f.Child("cloud").Error("empty", "a provider's name");
      level.provider = text;
    }
    if (f.Child("region").defined()) {
      std::string text;
      ARBITER_ASSIGN(text, f.Child("region").String());
      if (text.empty()) return f.Child("region").Error("empty", "a region's name");
      level.region = text;
    }
    if (f.Child("use_spot").defined()) {
      bool b = false;
      ARBITER_ASSIGN(b, f.Child("use_spot").Bool());
      level.use_spot = b;
    }
    return absl::OkStatus();
  }

  absl::Status Resources(const Node& f, JobSpec& spec) {
    if (!f.defined()) return f.Error("missing", "resources: {accelerators: H100:8}");
    ARBITER_RETURN_IF_ERROR(
        f.Keys({"accelerators", "cloud", "region", "infra", "use_spot", "any_of", "ordered"},
               kSkyPilotResourceKeys));
    Level defaults;
    ARBITER_RETURN_IF_ERROR(ReadLevel(f, defaults));
    const bool any_of = f.Child("any_of").present();
    const bool ordered = f.Child("ordered").present();
    if (any_of && ordered) {
      return f.Child("ordered").Error("given with any_of", "either any_of or ordered");
    }
    const auto candidate = [&spec](const Level& level, const Node& at) {
      JobResources r;
      for (const auto& [name, count] : *level.accelerators) r.accelerators.push_back(name);
      r.accelerators_per_node = level.accelerators->front().second;
      r.provider = level.provider.value_or("");
      r.region = level.region.value_or("");
      r.use_spot = level.use_spot;
      r.path = at.path();
      r.line = at.line();
      spec.resources.push_back(std::move(r));
    };
    if (!any_of && !ordered) {
      if (!defaults.accelerators) {
        return f.Child("accelerators").Error("missing", "accelerators per node, e.g. H100:8");
      }
      if (defaults.accelerators_listed && defaults.accelerators->size() > 1) {
        // A list of accelerators is tried in order: one candidate per type.
        spec.ordered = true;
        for (const auto& type : *defaults.accelerators) {
          Level one = defaults;
          one.accelerators = {{type}};
          candidate(one, f);
        }
      } else {
        candidate(defaults, f);
      }
    } else {
      const Node list = f.Child(any_of ? "any_of" : "ordered");
      spec.ordered = ordered;
      if (!list.yaml().IsSequence() || list.yaml().size() == 0) {
        return list.Error("missing, empty or not a list", "a list of candidate resources");
      }
      if (defaults.accelerators_listed && defaults.accelerators->size() > 1) {
        return f.Child("accelerators")
            .Error("a list of accelerators (tried in order) with any_of or ordered",
                   "a set, e.g. {H100:8, A100:8}, or accelerators in each candidate");
      }
      for (size_t i = 0; i < list.yaml().size(); ++i) {
        const Node entry = list.Item(i);
        ARBITER_RETURN_IF_ERROR(entry.Keys({"accelerators", "cloud", "region", "infra", "use_spot"},
                                           kSkyPilotResourceKeys));
        Level level;
        ARBITER_RETURN_IF_ERROR(ReadLevel(entry, level));
        if (level.accelerators_listed && level.accelerators->size() > 1) {
          return entry.Child("accelerators")
              .Error("a list of accelerators (tried in order) inside any_of or ordered",
                     "a set, e.g. {H100:8, A100:8}");
        }
        Level merged = level;
        if (!merged.accelerators) merged.accelerators = defaults.accelerators;
        if (entry.Child("infra").defined()) {
          // infra names the whole location: the defaults' cloud and region do not apply.
        } else {
          if (!merged.provider) merged.provider = defaults.provider;
          if (!merged.region) merged.region = defaults.region;
        }
        if (!merged.use_spot) merged.use_spot = defaults.use_spot;
        if (!merged.accelerators) {
          return entry.Child("accelerators")
              .Error("missing", "accelerators per node here or in resources, e.g. H100:8");
        }
        candidate(merged, entry);
      }
    }
    for (const JobResources& r : spec.resources) {
      if (r.accelerators_per_node != spec.resources.front().accelerators_per_node) {
        return ParseError({source_, r.line, r.path},
                          StrCat(r.accelerators_per_node, " accelerators per node, where ",
                                 spec.resources.front().path, " has ",
                                 spec.resources.front().accelerators_per_node),
                          "the same count per node in every candidate (a gang has one shape)");
      }
    }
    return absl::OkStatus();
  }

  absl::Status Envs(const Node& f, JobSpec& spec) {
    if (!f.defined()) return absl::OkStatus();
    if (!f.yaml().IsMap()) return f.Error("not a mapping", "NAME: value pairs");
    std::set<std::string> seen;
    for (const auto& kv : f.yaml()) {
      const Node key(source_, kv.first, f.path(), f.line());
      if (!kv.first.IsScalar()) return key.Error("a name that is not a single value");
      const std::string name = kv.first.Scalar();
      const Node value(source_, kv.second, StrCat(f.path(), ".", name), key.line());
      if (!ValidEnvName(name)) {
        return value.Error(StrCat("'", name, "' is not an environment variable name"),
                           "letters, digits and _, not starting with a digit");
      }
      if (name.rfind("ARBITER_", 0) == 0 || name == "CUDA_VISIBLE_DEVICES") {
        return value.Error(StrCat("'", name, "' is set by the backend"),
                           "a name that does not start with ARBITER_ and is not "
                           "CUDA_VISIBLE_DEVICES");
      }
      if (!seen.insert(name).second) return value.Error(StrCat("'", name, "' given twice"));
      if (!value.defined()) return value.Error("no value", "a value (a string or a number)");
      std::string text;
      ARBITER_ASSIGN(text, value.String());
      spec.envs.emplace_back(name, std::move(text));
    }
    if (spec.envs.size() > kMaxEnvs) {
      return f.Error(StrCat(spec.envs.size(), " variables"), StrCat("at most ", kMaxEnvs));
    }
    return absl::OkStatus();
  }

  absl::Status Deadline(const Node& f, JobSpec& spec) {
    if (!f.defined()) return absl::OkStatus();
    std::string text;
    ARBITER_ASSIGN(text, f.String());
    if (absl::StatusOr<Duration> d = ParseDuration(text); d.ok()) {
      if (*d <= 0 || *d > kMaxDuration * 50) {
        return f.Error(StrCat(*d, " s is out of range"), kDeadlineExpected);
      }
      spec.deadline_after = *d;
      return absl::OkStatus();
    }
    std::optional<int64_t> at = ParseRfc3339(text);
    if (!at || *at > kLastUnixSecond) {
      return f.Error(StrCat("'", text, "' is neither a duration nor a time"), kDeadlineExpected);
    }
    spec.deadline_unix = *at;
    return absl::OkStatus();
  }

  // The accelerator types of every candidate, in order of first appearance.
  static std::vector<std::string> Types(const JobSpec& spec) {
    std::vector<std::string> types;
    for (const JobResources& r : spec.resources) {
      for (const std::string& t : r.accelerators) {
        if (std::find(types.begin(), types.end(), t) == types.end()) types.push_back(t);
      }
    }
    return types;
  }

  // duration: 2h | {H100: 1h, A100: 2h}; accelerator_hours: 64 | {H100: 64, A100: 128}.
  absl::Status Durations(const Node& duration, const Node& hours, JobSpec& spec) {
    if (duration.defined() && hours.defined()) {
      return hours.Error("given with duration", "either duration or accelerator_hours");
    }
    const Node& f = duration.defined() ? duration : hours;
    if (!f.defined()) return absl::OkStatus();
    const int64_t gang = spec.GangSize();
    const auto read = [&](const Node& value) -> absl::StatusOr<Duration> {
      if (duration.defined()) return value.PositiveSeconds(kMaxDuration);
      std::string text;
      ARBITER_ASSIGN(text, value.String());
      Micros micro_hours = 0;
      if (!ParseDollars(text.c_str(), &micro_hours) || micro_hours <= 0 ||
          micro_hours > kMaxAcceleratorHours * 1'000'000) {
        return value.Error(
            StrCat("'", text, "' is not a number of accelerator-hours"),
            StrCat("a number in (0, ", kMaxAcceleratorHours, "] with at most six decimals"));
      }
      // ceil(hours x 3600 / gang) seconds, from micro-hours.
      const Int128 numerator = static_cast<Int128>(micro_hours) * 3600;
      const Int128 denominator = static_cast<Int128>(gang) * 1'000'000;
      const Int128 seconds = (numerator + denominator - 1) / denominator;
      if (seconds > kMaxDuration) {
        return value.Error(
            StrCat("a runtime of ", static_cast<int64_t>(seconds), " s"),
            StrCat("at most ", kMaxDuration, " s on the job's ", gang, " accelerators"));
      }
      return static_cast<Duration>(seconds);
    };
    if (f.yaml().IsScalar()) {
      ARBITER_ASSIGN(spec.duration, read(f));
      return absl::OkStatus();
    }
    if (!f.yaml().IsMap())
      return f.Error("not a value or a mapping", "one for every type, or TYPE: value");
    const std::vector<std::string> types = Types(spec);
    for (const auto& kv : f.yaml()) {
      const Node key(source_, kv.first, f.path(), f.line());
      if (!kv.first.IsScalar()) return key.Error("a key that is not a single value");
      const std::string type = kv.first.Scalar();
      const Node value(source_, kv.second, StrCat(f.path(), ".", type), key.line());
      if (std::find(types.begin(), types.end(), type) == types.end()) {
        return value.Error(StrCat("'", type, "' is not one of the job's accelerators"),
                           StrCat("one of ", StrJoin(types, ", ")));
      }
      for (const auto& [seen, d] : spec.duration_by_type) {
        if (seen == type) return value.Error(StrCat("'", type, "' given twice"));
      }
      Duration d = 0;
      ARBITER_ASSIGN(d, read(value));
      spec.duration_by_type.emplace_back(type, d);
    }
    for (const std::string& type : types) {
      const bool listed = std::any_of(spec.duration_by_type.begin(), spec.duration_by_type.end(),
                                      [&type](const auto& e) { return e.first == type; });
      if (!listed) {
        return f.Error(StrCat("nothing for ", type),
                       "a value for every accelerator type of the job, or one for all");
      }
    }
    return absl::OkStatus();
  }

  std::string_view source_;
  const JobSpecOptions& options_;
};

// JSON text as a YAML tree (no positions), for JSON that yaml-cpp does not read as YAML.
YAML::Node FromJson(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      YAML::Node node(YAML::NodeType::Map);
      for (const auto& [key, value] : j.items()) node[key] = FromJson(value);
      return node;
    }
    case nlohmann::json::value_t::array: {
      YAML::Node node(YAML::NodeType::Sequence);
      for (const auto& value : j) node.push_back(FromJson(value));
      return node;
    }
    case nlohmann::json::value_t::null:
      return YAML::Node(YAML::NodeType::Null);
    case nlohmann::json::value_t::string:
      return YAML::Node(j.get<std::string>());
    default:
      return YAML::Node(j.dump());
  }
}

int64_t LineOfOffset(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
}

}  // namespace

absl::StatusOr<JobSpec> ParseJobSpec(std::string_view source, std::string_view text,
                                     const JobSpecOptions& options) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return ParseError({source, 0, {}}, "empty", "a job spec (docs/jobs.md)");
  }
  // UTF-8 before anything else, so that every string of the spec can be stored and shown as JSON.
  if (absl::Status s = CheckUtf8(source, text); !s.ok()) return s;
  YAML::Node root;
  std::optional<nlohmann::json> json;
  if (text[first] == '{') {
    // JSON: checked strictly as JSON first, so that its errors read as JSON errors.
    try {
      json = nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::parse_error& e) {
      return ParseError({source, LineOfOffset(text, e.byte == 0 ? 0 : e.byte - 1), {}},
                        StrCat("not valid JSON: ", e.what()));
    } catch (const nlohmann::json::exception& e) {
      // A number beyond a double ("number overflow parsing '1E999'"): no offset is given, so
      // the line is that of the number the message quotes.
      const std::string_view what = e.what();
      const size_t open = what.find("parsing '");
      const size_t close = what.rfind('\'');
      size_t at = std::string_view::npos;
      if (open != std::string_view::npos && close > open + 9) {
        at = text.find(what.substr(open + 9, close - open - 9));
      }
      return ParseError({source, at == std::string_view::npos ? 0 : LineOfOffset(text, at), {}},
                        StrCat("not valid JSON: ", what));
    }
  }
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    if (!json) {
      return ParseError({source, e.mark.line >= 0 ? e.mark.line + 1 : 0, {}},
                        StrCat("not valid YAML: ", e.msg));
    }
    root = FromJson(*json);
  }
  JobSpec spec;
  try {
    Reader reader(source, options);
    if (absl::Status s = reader.Read(root, spec); !s.ok()) return s;
  } catch (const YAML::Exception& e) {
    return ParseError({source, e.mark.line >= 0 ? e.mark.line + 1 : 0, {}},
                      StrCat("unexpected structure: ", e.msg));
  }
  return spec;
}

absl::StatusOr<JobSpec> LoadJobSpec(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  JobSpecOptions options;
  options.base_dir = ResolvePath(path, ".");
  if (options.base_dir.empty()) options.base_dir = ".";
  return ParseJobSpec(path, *text, options);
}

std::string JobSpecToJson(const JobSpec& spec) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (!spec.name.empty()) j["name"] = spec.name;
  if (!spec.tenant.empty()) j["tenant"] = spec.tenant;
  const auto resources = [](const JobResources& r) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    nlohmann::ordered_json accelerators = nlohmann::ordered_json::object();
    for (const std::string& t : r.accelerators) accelerators[t] = r.accelerators_per_node;
    o["accelerators"] = accelerators;
    if (!r.provider.empty()) o["cloud"] = r.provider;
    if (!r.region.empty()) {
      // A region without a provider is any provider's region of that name.
      o["region"] = r.region;
    }
    if (r.use_spot) o["use_spot"] = *r.use_spot;
    return o;
  };
  if (spec.resources.size() == 1 && !spec.ordered) {
    j["resources"] = resources(spec.resources.front());
  } else {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const JobResources& r : spec.resources) list.push_back(resources(r));
    j["resources"] = {{spec.ordered ? "ordered" : "any_of", list}};
  }
  j["num_nodes"] = spec.num_nodes;
  if (!spec.envs.empty()) {
    nlohmann::ordered_json envs = nlohmann::ordered_json::object();
    for (const auto& [name, value] : spec.envs) envs[name] = value;
    j["envs"] = envs;
  }
  if (!spec.workdir.empty()) j["workdir"] = spec.workdir;
  if (!spec.setup.empty()) j["setup"] = spec.setup;
  if (!spec.run.empty()) j["run"] = spec.run;
  j["priority"] = spec.priority;
  if (spec.deadline_after) j["deadline"] = StrCat(*spec.deadline_after);
  if (spec.deadline_unix) j["deadline"] = FormatRfc3339(*spec.deadline_unix);
  if (spec.duration_by_type.empty()) {
    j["duration"] = StrCat(spec.duration);
  } else {
    nlohmann::ordered_json by_type = nlohmann::ordered_json::object();
    for (const auto& [type, d] : spec.duration_by_type) by_type[type] = StrCat(d);
    j["duration"] = by_type;
  }
  if (spec.checkpoint_interval > 0) {
    j["checkpoint"] = {{"interval", StrCat(spec.checkpoint_interval)},
                       {"bytes", spec.checkpoint_bytes}};
  }
  j["max_restarts"] = spec.max_restarts;
  return j.dump();
}

absl::StatusOr<Job> ToJob(const JobSpec& spec, const Fleet& fleet, const JobClock& clock) {
  const auto error = [](int64_t line, std::string_view field, std::string_view problem,
                        std::string_view expected = {}) {
    return ParseError({"job", line, field}, problem, expected);
  };
  if (spec.resources.empty()) return error(0, "resources", "missing", "accelerators, e.g. H100:8");
  Job job;
  job.name = spec.name.empty() ? std::string(kUnnamedJob) : spec.name;
  if (spec.tenant.empty()) {
    return error(0, "tenant", "missing", "a tenant's name (a tenant's token implies it)");
  }
  if (std::optional<TenantId> t = fleet.FindTenant(spec.tenant)) {
    job.tenant = *t;
  } else {
    std::vector<std::string> names;
    for (const Tenant& t : fleet.tenants) names.push_back(t.name);
    return error(0, "tenant", StrCat("unknown tenant '", spec.tenant, "'"),
                 StrCat("one of ", StrJoin(names, ", ")));
  }
  job.priority = spec.priority;
  job.submit = clock.submit;
  job.nodes = spec.num_nodes;
  job.accelerators = spec.GangSize();
  job.checkpoint_interval = spec.checkpoint_interval;
  job.checkpoint_bytes = spec.checkpoint_bytes;
  job.max_restarts = spec.max_restarts;
  if (spec.deadline_after) job.deadline = clock.submit + *spec.deadline_after;
  if (spec.deadline_unix) {
    job.deadline = *spec.deadline_unix - clock.epoch_unix;
    if (job.deadline <= clock.submit) {
      return error(0, "deadline", StrCat(FormatRfc3339(*spec.deadline_unix), " has passed"),
                   "a time after the submission");
    }
  }

  // Types and placement rules.
  auto placement = std::make_shared<Placement>();
  bool constrained = false;
  std::vector<std::pair<AcceleratorTypeId, Duration>> runtimes;
  for (size_t c = 0; c < spec.resources.size(); ++c) {
    const JobResources& r = spec.resources[c];
    ProviderId provider;
    if (!r.provider.empty()) {
      std::optional<ProviderId> p = fleet.FindProvider(r.provider);
      if (!p) {
        std::vector<std::string> names;
        for (const Provider& x : fleet.providers) names.push_back(x.name);
        return error(r.line, StrCat(r.path, ".cloud"),
                     StrCat("unknown provider '", r.provider, "'"),
                     StrCat("one of ", StrJoin(names, ", ")));
      }
      provider = *p;
    }
    // A region without a provider: that region of every provider that has one by that name.
    std::vector<std::pair<ProviderId, RegionId>> places;
    if (r.region.empty()) {
      places.emplace_back(provider, RegionId());
    } else {
      for (size_t p = 0; p < fleet.providers.size(); ++p) {
        const ProviderId id = ProviderId::FromIndex(p);
        if (provider.valid() && id != provider) continue;
        if (std::optional<RegionId> region = fleet.FindRegion(id, r.region)) {
          places.emplace_back(id, *region);
        }
      }
      if (places.empty()) {
        return error(r.line, StrCat(r.path, ".region"),
                     provider.valid()
                         ? StrCat("provider ", r.provider, " has no region '", r.region, "'")
                         : StrCat("no provider has a region '", r.region, "'"),
                     "a region of the fleet");
      }
    }
    const SpotChoice spot = !r.use_spot   ? SpotChoice::kAny
                            : *r.use_spot ? SpotChoice::kOnly
                                          : SpotChoice::kNever;
    if (provider.valid() || !r.region.empty() || spot != SpotChoice::kAny) constrained = true;
    if (spec.ordered && c > 0) constrained = true;
    for (const std::string& name : r.accelerators) {
      std::optional<AcceleratorTypeId> type = fleet.FindAcceleratorType(name);
      if (!type) {
        std::vector<std::string> names;
        for (const AcceleratorType& t : fleet.accelerator_types) names.push_back(t.name);
        return error(r.line, StrCat(r.path, ".accelerators"),
                     StrCat("unknown accelerator type '", name, "'"),
                     StrCat("one of ", StrJoin(names, ", ")));
      }
      for (const auto& [p, region] : places) {
        placement->rules.push_back(
            {*type, p, region, spot, spec.ordered ? static_cast<int32_t>(c) : 0});
      }
      if (std::none_of(runtimes.begin(), runtimes.end(),
                       [&type](const auto& e) { return e.first == *type; })) {
        Duration d = spec.duration;
        for (const auto& [t, by_type] : spec.duration_by_type) {
          if (t == name) d = by_type;
        }
        runtimes.emplace_back(*type, d);
      }
    }
  }
  // Work and rates: the runtime on each type is exactly its expected duration.
  Duration longest = 0;
  for (const auto& [type, d] : runtimes) longest = std::max(longest, d);
  if (longest <= 0) return error(0, "duration", "must be > 0", kDurationExpected);
  const Work scale = std::max<Work>(kWorkPerReferenceSecond, longest);
  job.work = scale * longest;
  for (const auto& [type, d] : runtimes) {
    job.throughputs.push_back({type, (job.work + d - 1) / d});
  }
  if (constrained) job.placement = std::move(placement);
  if (absl::Status s = ValidateJob(job, fleet); !s.ok()) return s;
  // The loaders' one check, so that a job from a spec is held to what a job from a trace is.
  if (absl::Status s = CheckJob(job, {"job", 0, {}}); !s.ok()) return s;
  return job;
}

}  // namespace arbiter
