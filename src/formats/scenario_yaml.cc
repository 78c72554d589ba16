#include "formats/scenario_yaml.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <utility>

#include "formats/alibaba.h"
#include "formats/catalog.h"
#include "formats/gavel.h"
#include "formats/job_csv.h"
#include "formats/parse.h"
#include "formats/profile.h"
#include "formats/spot_trace.h"
#include "formats/yaml_checks.h"
#include "model/sha256.h"
#include "model/strings.h"
#include "yaml-cpp/yaml.h"

namespace arbiter {

absl::StatusOr<Duration> ParseDuration(std::string_view text) {
  text = StripWhitespace(text);
  if (text.empty()) return absl::InvalidArgumentError("empty duration");
  int64_t unit = 1;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = 7 * 86400;
      break;
    default:
      unit = 0;
  }
  std::string_view number = unit == 0 ? text : text.substr(0, text.size() - 1);
  if (unit == 0) unit = 1;
  std::optional<int64_t> n = ParseInt(number);
  if (n && *n >= 0 && *n <= kMaxTime / unit) return *n * unit;
  std::optional<double> d = ParseDouble(number);
  if ((n && *n >= 0) || (!n && d && *d >= 0)) {
    std::optional<Duration> seconds =
        n ? std::nullopt : RoundedInRange(*d * static_cast<double>(unit), 0, kMaxTime);
    if (seconds) return *seconds;
    return absl::OutOfRangeError(
        StrCat("'", text, "' is longer than the longest duration, 2^40 s (~34,800 years)"));
  }
  return absl::InvalidArgumentError(StrCat("'", text, "' is not a duration"));
}

namespace {

constexpr const char* kDurationExpected =
    "seconds, or a number with s, m, h, d or w (e.g. 2h), at most 2^40 s";

std::string DollarText(Micros m) {
  char buf[40];
  FormatDollars(m, buf, sizeof(buf));
  return StrCat("$", buf);
}

// An override (--set KEY=VALUE): its key path as Field spells paths, and how errors name it.
struct OverrideSource {
  std::string path;
  std::string text;  // "--set 'KEY=VALUE'"
};
using OverrideSources = std::vector<OverrideSource>;

// Whether key path `path` is `key` or a path inside it ("a.b[1]" is inside "a.b", "a.bc" is not).
bool Within(std::string_view path, std::string_view key) {
  return path.substr(0, key.size()) == key &&
         (path.size() == key.size() || path[key.size()] == '.' || path[key.size()] == '[');
}

// The override that wrote `path` (the last one whose key is `path` or encloses it), if any.
const OverrideSource* OverrideOf(const OverrideSources* overrides, std::string_view path) {
  if (overrides == nullptr) return nullptr;
  for (auto it = overrides->rbegin(); it != overrides->rend(); ++it) {
    if (Within(path, it->path)) return &*it;
  }
  return nullptr;
}

// A YAML node with the file and key path it came from, so every error can say where.
class Field {
 public:
  // `parent_line` is where the enclosing node is: a missing key has no position of its own.
  // `overrides`: the --set overrides applied to the tree; errors in what they wrote blame them.
  Field(std::string_view file, const YAML::Node& node, std::string path, int64_t parent_line = 0,
        const OverrideSources* overrides = nullptr)
      : file_(file),
        node_(node),
        path_(std::move(path)),
        parent_line_(parent_line),
        overrides_(overrides) {}

  const std::string& path() const { return path_; }
  const YAML::Node& node() const { return node_; }
  bool defined() const { return node_.IsDefined() && !node_.IsNull(); }
  int64_t line() const {
    if (!node_.IsDefined()) return parent_line_;  // Mark() throws for a key that is not there
    const YAML::Mark mark = node_.Mark();
    return mark.line >= 0 ? mark.line + 1 : parent_line_;
  }

  // Where this value was written: the file and line, or the override that wrote it.
  SourcePos pos() const {
    if (const OverrideSource* o = OverrideOf(overrides_, path_)) return {o->text, 0, path_};
    return {file_, line(), path_};
  }

  absl::Status Error(std::string_view problem, std::string_view expected = {}) const {
    return ParseError(pos(), problem, expected);
  }
  // `status` (from reading or loading what this value names), with this value's place in front
  // and its code kept (a missing file stays NotFound).
  absl::Status Wrap(const absl::Status& status) const {
    return absl::Status(status.code(), ParseError(pos(), std::string(status.message())).message());
  }

  Field Child(std::string_view key) const {
    return Field(file_, node_[std::string(key)],
                 path_.empty() ? std::string(key) : StrCat(path_, ".", key), line(), overrides_);
  }
  Field Item(size_t i) const {
    return Field(file_, node_[i], StrCat(path_, "[", i, "]"), line(), overrides_);
  }
  // The key of a map entry (`key` is the entry's first), as a Field: errors about it name it.
  Field Key(const YAML::Node& key) const {
    return Field(file_, key, path_.empty() ? key.Scalar() : StrCat(path_, ".", key.Scalar()),
                 line(), overrides_);
  }

  // Errors on keys outside `allowed`, which catches typos such as "nodez".
  absl::Status OnlyKeys(std::initializer_list<std::string_view> allowed) const {
    return OnlyKeys(std::vector<std::string_view>(allowed));
  }
  absl::Status OnlyKeys(const std::vector<std::string_view>& allowed) const {
    if (!node_.IsMap()) return Error("not a mapping", "key: value pairs");
    for (const auto& kv : node_) {
      // Keys are single values (CheckYamlStructure); Scalar() is "" for anything else.
      const std::string& key = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return Key(kv.first).Error(StrCat("unknown key '", key, "'"),
                                   StrCat("one of ", StrJoin(allowed, ", ")));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> String() const {
    if (!node_.IsDefined() || node_.IsNull()) return Error("missing", "a value");
    if (!node_.IsScalar()) return Error("not a single value", "a string");
    return node_.Scalar();
  }
  absl::StatusOr<std::string> StringOr(const std::string& fallback) const {
    return defined() ? String() : fallback;
  }
  // A name: a non-empty UTF-8 string.
  absl::StatusOr<std::string> Name() const {
    absl::StatusOr<std::string> s = String();
    if (!s.ok()) return s.status();
    if (absl::Status st = CheckName(*s, pos()); !st.ok()) return st;
    return s;
  }
  absl::StatusOr<int64_t> Int(int64_t min, int64_t max) const {
    absl::StatusOr<std::string> s = String();
    if (!s.ok()) return s.status();
    return ParseIntField(*s, pos(), min, max);
  }
  absl::StatusOr<int64_t> IntOr(int64_t fallback, int64_t min, int64_t max) const {
    return defined() ? Int(min, max) : fallback;
  }
  absl::StatusOr<double> Double(double min, double max) const {
    absl::StatusOr<std::string> s = String();
    if (!s.ok()) return s.status();
    return ParseDoubleField(*s, pos(), min, max);
  }
  absl::StatusOr<bool> BoolOr(bool fallback) const {
    if (!defined()) return fallback;
    absl::StatusOr<std::string> s = String();
    if (!s.ok()) return s.status();
    if (*s == "true" || *s == "yes") return true;
    if (*s == "false" || *s == "no") return false;
    return Error(StrCat("'", *s, "' is not a boolean"), "true or false");
  }
  absl::StatusOr<Duration> Seconds() const {
    absl::StatusOr<std::string> s = String();
    if (!s.ok()) return s.status();
    absl::StatusOr<Duration> d = ParseDuration(*s);
    if (!d.ok()) return Error(std::string(d.status().message()), kDurationExpected);
    return *d;
  }
  absl::StatusOr<Duration> SecondsOr(Duration fallback) const {
    return defined() ? Seconds() : fallback;
  }
  // Dollars with at most six decimals, read from the scalar's text (no floating point); a price
  // (per accelerator-hour, per GB), so at most kMaxPrice.
  absl::StatusOr<Micros> Dollars() const {
    absl::StatusOr<std::string> s = String();
    if (!s.ok()) return s.status();
    Micros m = 0;
    if (!ParseDollars(s->c_str(), &m) || m > kMaxPrice) {
      return Error(StrCat("'", *s, "' is not a price"),
                   "dollars in [0, 1000000] with at most six decimals, e.g. 2.49");
    }
    return m;
  }
  // A fraction in [0, 1] with at most six decimals, as parts per million.
  absl::StatusOr<Ppm> Fraction() const {
    absl::StatusOr<std::string> s = String();
    if (!s.ok()) return s.status();
    Micros m = 0;
    if (!ParseDollars(s->c_str(), &m) || m > kPpmOne) {
      return Error(StrCat("'", *s, "' is not a fraction"),
                   "a number in [0, 1] with at most six decimals, e.g. 0.15");
    }
    return m;
  }
  absl::StatusOr<size_t> ListSize() const {
    if (!defined()) return size_t{0};
    if (!node_.IsSequence()) return Error("not a list", "a list of entries ('- ...')");
    return node_.size();
  }

 private:
  std::string_view file_;
  YAML::Node node_;
  std::string path_;
  int64_t parent_line_;
  const OverrideSources* overrides_;
};

class Loader {
 public:
  Loader(std::string_view file, Scenario& scenario, const ScenarioLoadOptions& options,
         const OverrideSources& overrides)
      : file_(file), s_(scenario), options_(options), seed_(options.seed), overrides_(overrides) {}

  absl::Status Load(const YAML::Node& root_node) {
    Field root(file_, root_node, "", 0, &overrides_);
    if (!root_node.IsMap()) return root.Error("not a mapping", "a scenario (see docs/scenario.md)");
    ARBITER_RETURN_IF_ERROR(
        root.OnlyKeys({"name", "description", "policy", "policy_options", "horizon", "market",
                       "accelerator_types", "providers", "tenants", "contracts", "workloads",
                       "faults", "tokens"}));
    ARBITER_ASSIGN(s_.name, root.Child("name").Name());
    ARBITER_ASSIGN(s_.description, root.Child("description").StringOr(""));
    ARBITER_ASSIGN(s_.default_policy, root.Child("policy").StringOr("fifo"));
    ARBITER_RETURN_IF_ERROR(KnownName(root.Child("policy"), s_.default_policy,
                                      options_.known.policies, "scheduling policy"));
    ARBITER_ASSIGN(s_.horizon, root.Child("horizon").SecondsOr(kNever));
    if (Field options = root.Child("policy_options"); options.defined()) {
      ARBITER_RETURN_IF_ERROR(PolicyOptions(options));
    }
    if (Field market = root.Child("market"); market.defined()) {
      ARBITER_RETURN_IF_ERROR(market.OnlyKeys({"quote_window", "retry_delay"}));
      ARBITER_ASSIGN(s_.market.quote_window, market.Child("quote_window").SecondsOr(0));
      ARBITER_ASSIGN(s_.market.retry_delay, market.Child("retry_delay").SecondsOr(600));
      // 0 would ask again at the same instant, and again, without time ever moving on.
      if (s_.market.retry_delay < 1) {
        return market.Child("retry_delay").Error("must be at least 1 s", "a duration, e.g. 10m");
      }
    }
    ARBITER_RETURN_IF_ERROR(Types(root.Child("accelerator_types")));
    ARBITER_RETURN_IF_ERROR(Providers(root.Child("providers")));
    ARBITER_RETURN_IF_ERROR(Tenants(root.Child("tenants")));
    ARBITER_RETURN_IF_ERROR(Contracts(root.Child("contracts")));
    ARBITER_RETURN_IF_ERROR(Tokens(root.Child("tokens")));
    // Faults before workloads: a job's longest run includes restarts, transfers and launches.
    if (Field faults = root.Child("faults"); faults.defined()) {
      ARBITER_RETURN_IF_ERROR(Faults(faults));
    }
    ARBITER_RETURN_IF_ERROR(SpotContractFaults(root.Child("contracts")));
    ARBITER_RETURN_IF_ERROR(Workloads(root.Child("workloads")));
    // Stable: changes of one pool at the same time apply in file order (the last one holds).
    std::stable_sort(s_.capacity_changes.begin(), s_.capacity_changes.end(),
                     [](const CapacityChange& a, const CapacityChange& b) { return a.at < b.at; });
    if (absl::Status st = s_.Validate(); !st.ok()) {
      return absl::InvalidArgumentError(StrCat(file_, ": ", st.message()));
    }
    return absl::OkStatus();
  }

 private:
  // `name` must be one of `known` (when the caller gave the list).
  static absl::Status KnownName(const Field& f, const std::string& name,
                                const std::vector<std::string>& known, std::string_view what) {
    if (known.empty() || std::find(known.begin(), known.end(), name) != known.end()) {
      return absl::OkStatus();
    }
    return f.Error(StrCat("unknown ", what, " '", name, "'"),
                   StrCat("one of ", StrJoin(known, ", ")));
  }

  absl::Status Types(const Field& list) {
    size_t n = 0;
    ARBITER_ASSIGN(n, list.ListSize());
    if (n == 0) return list.Error("missing or empty", "a list of accelerator type names");
    for (size_t i = 0; i < n; ++i) {
      std::string name;
      ARBITER_ASSIGN(name, list.Item(i).Name());
      if (s_.fleet.FindAcceleratorType(name)) {
        return list.Item(i).Error(StrCat("type '", name, "' listed twice"));
      }
      s_.fleet.AddAcceleratorType(name);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<AcceleratorTypeId> TypeRef(const Field& f) {
    std::string name;
    ARBITER_ASSIGN(name, f.String());
    std::optional<AcceleratorTypeId> id = s_.fleet.FindAcceleratorType(name);
    if (!id) {
      std::vector<std::string> names;
      for (const auto& t : s_.fleet.accelerator_types) names.push_back(t.name);
      return f.Error(StrCat("unknown accelerator type '", name, "'"),
                     StrCat("one of ", StrJoin(names, ", ")));
    }
    return *id;
  }

  absl::StatusOr<ProviderId> ProviderRef(const Field& f) {
    std::string name;
    ARBITER_ASSIGN(name, f.String());
    std::optional<ProviderId> id = s_.fleet.FindProvider(name);
    if (!id) return f.Error(StrCat("unknown provider '", name, "'"), "a provider's name");
    return *id;
  }

  absl::StatusOr<TenantId> TenantRef(const Field& f) {
    std::string name;
    ARBITER_ASSIGN(name, f.String());
    std::optional<TenantId> id = s_.fleet.FindTenant(name);
    if (!id) return f.Error(StrCat("unknown tenant '", name, "'"), "a tenant's name");
    return *id;
  }

  // Prices per accelerator-hour: given by hand, or read from a SkyPilot catalog (explicit values
  // take precedence over the catalog's).
  absl::Status Prices(const Field& f, Pool& pool) {
    if (!f.defined()) return f.Error("missing", "price: {on_demand: $, spot: $, committed: $}");
    ARBITER_RETURN_IF_ERROR(f.OnlyKeys(
        {"on_demand", "spot", "committed", "catalog", "accelerator", "region", "instance"}));
    if (f.Child("catalog").defined()) {
      std::string path;
      ARBITER_ASSIGN(path, f.Child("catalog").String());
      path = ResolvePath(file_, path);
      auto cached = catalogs_.find(path);
      if (cached == catalogs_.end()) {
        absl::StatusOr<std::string> text = ReadFile(path);
        if (!text.ok()) return f.Child("catalog").Wrap(text.status());
        absl::StatusOr<std::vector<CatalogRow>> rows = ParseSkyPilotCatalog(path, *text);
        if (!rows.ok()) return rows.status();
        cached = catalogs_.emplace(path, *std::move(rows)).first;
      }
      CatalogQuery query;
      ARBITER_ASSIGN(query.accelerator, f.Child("accelerator").String());
      ARBITER_ASSIGN(query.region, f.Child("region").String());
      ARBITER_ASSIGN(query.instance_type, f.Child("instance").StringOr(""));
      absl::StatusOr<CatalogPrice> price = LookUpCatalogPrice(path, cached->second, query);
      if (!price.ok()) return f.Error(std::string(price.status().message()));
      if (price->on_demand > kMaxPrice || price->spot.value_or(0) > kMaxPrice) {
        return f.Child("catalog").Error(
            "the catalog's price per accelerator-hour is above $1,000,000",
            "prices of at most $1,000,000 per accelerator-hour");
      }
      pool.on_demand_price = price->on_demand;
      pool.spot_price = price->spot;
    } else {
      for (const char* key : {"accelerator", "region", "instance"}) {
        if (f.Child(key).defined()) {
          return f.Child(key).Error("only meaningful with 'catalog'", "catalog: <path to vms.csv>");
        }
      }
    }
    for (auto [key, slot] :
         {std::pair{"on_demand", &pool.on_demand_price}, std::pair{"spot", &pool.spot_price},
          std::pair{"committed", &pool.committed_price}}) {
      Field price = f.Child(key);
      if (!price.defined()) continue;
      Micros m = 0;
      ARBITER_ASSIGN(m, price.Dollars());
      *slot = m;
    }
    if (!pool.on_demand_price && !pool.spot_price && !pool.committed_price) {
      return f.Error("no price given", "at least one of on_demand, spot, committed, or a catalog");
    }
    return absl::OkStatus();
  }

  absl::Status CapacitySchedule(const Field& list, PoolId pool) {
    size_t n = 0;
    ARBITER_ASSIGN(n, list.ListSize());
    for (size_t i = 0; i < n; ++i) {
      Field item = list.Item(i);
      ARBITER_RETURN_IF_ERROR(item.OnlyKeys({"at", "nodes"}));
      CapacityChange change;
      change.pool = pool;
      ARBITER_ASSIGN(change.at, item.Child("at").Seconds());
      int64_t nodes = 0;
      ARBITER_ASSIGN(nodes, item.Child("nodes").Int(0, kMaxPoolNodes));
      change.nodes = static_cast<int32_t>(nodes);
      s_.capacity_changes.push_back(change);
    }
    return absl::OkStatus();
  }

  absl::Status PoolEntry(const Field& f, RegionId region) {
    ARBITER_RETURN_IF_ERROR(f.OnlyKeys({"name", "type", "nodes", "accelerators_per_node",
                                        "max_gang", "price", "capacity", "backend"}));
    Pool pool;
    pool.region = region;
    if (f.Child("name").defined()) ARBITER_ASSIGN(pool.name, f.Child("name").Name());
    ARBITER_ASSIGN(pool.type, TypeRef(f.Child("type")));
    int64_t v = 0;
    ARBITER_ASSIGN(v, f.Child("nodes").Int(0, kMaxPoolNodes));
    pool.nodes = static_cast<int32_t>(v);
    ARBITER_ASSIGN(v, f.Child("accelerators_per_node").Int(1, kMaxAcceleratorsPerNode));
    pool.accelerators_per_node = static_cast<int32_t>(v);
    ARBITER_ASSIGN(v, f.Child("max_gang").IntOr(0, 1, kMaxGang));  // 0: the default, below
    pool.max_gang = static_cast<int32_t>(v);
    ARBITER_RETURN_IF_ERROR(Prices(f.Child("price"), pool));
    ARBITER_RETURN_IF_ERROR(AddPool(f, std::move(pool), f.Child("capacity")));
    Pool& added = s_.fleet.pools.back();
    if (added.max_gang == 0) {
      // The whole pool at its largest (its capacity may grow later), up to the largest gang.
      int64_t nodes = added.nodes;
      const PoolId id = PoolId::FromIndex(s_.fleet.pools.size() - 1);
      for (const CapacityChange& c : s_.capacity_changes) {
        if (c.pool == id) nodes = std::max<int64_t>(nodes, c.nodes);
      }
      added.max_gang = static_cast<int32_t>(
          std::clamp<int64_t>(nodes * added.accelerators_per_node, 1, kMaxGang));
    }
    return PoolBackendEntry(f.Child("backend"), PoolId::FromIndex(s_.fleet.pools.size() - 1));
  }

  absl::Status AddPool(const Field& f, Pool pool, const Field& schedule) {
    const std::string name = pool.name;
    if (!name.empty() && s_.fleet.FindPool(name)) {
      return f.Error(StrCat("pool name '", name, "' used twice"), "unique pool names");
    }
    const size_t before = s_.fleet.pools.size();
    const PoolId id = s_.fleet.AddPool(std::move(pool));
    if (name.empty() && s_.fleet.FindPool(s_.fleet.pool(id).name) != id) {
      return f.Error(StrCat("a second pool named '", s_.fleet.pool(id).name, "'"),
                     "one pool per type in a region, or a 'name' for each");
    }
    (void)before;
    return CapacitySchedule(schedule, id);
  }

  // pools_from: pools built from a node list of a real cluster.
  absl::Status PoolsFrom(const Field& f, RegionId region) {
    ARBITER_RETURN_IF_ERROR(f.OnlyKeys({"format", "path", "models", "max_gang", "price"}));
    std::string format;
    ARBITER_ASSIGN(format, f.Child("format").String());
    if (format != "alibaba_nodes") {
      return f.Child("format").Error(StrCat("unknown format '", format, "'"), "alibaba_nodes");
    }
    std::string path;
    ARBITER_ASSIGN(path, f.Child("path").String());
    path = ResolvePath(file_, path);
    absl::StatusOr<std::string> text = ReadFile(path);
    if (!text.ok()) return f.Child("path").Wrap(text.status());
    absl::StatusOr<std::vector<AlibabaNodeGroup>> groups = AlibabaNodeGroups(path, *text);
    if (!groups.ok()) return f.Child("path").Wrap(groups.status());
    Field models = f.Child("models");
    if (!models.defined() || !models.node().IsMap() || models.node().size() == 0) {
      return models.Error("missing or not a mapping", "node model -> accelerator type");
    }
    Pool prices;
    ARBITER_RETURN_IF_ERROR(Prices(f.Child("price"), prices));
    for (const auto& kv : models.node()) {
      const std::string& model = kv.first.Scalar();
      AcceleratorTypeId type;
      ARBITER_ASSIGN(type, TypeRef(models.Child(model)));
      int found = 0;
      for (const AlibabaNodeGroup& g : *groups) {
        if (g.model != model) continue;
        ++found;
      }
      if (found == 0) {
        return models.Child(model).Error(StrCat("the node list has no model '", model, "'"));
      }
      for (const AlibabaNodeGroup& g : *groups) {
        if (g.model != model) continue;
        if (g.nodes > kMaxPoolNodes) {
          return models.Child(model).Error(StrCat("the node list has ", g.nodes, " nodes of '",
                                                  model, "' with ", g.gpus_per_node, " GPUs"),
                                           StrCat("at most ", kMaxPoolNodes, " nodes in a pool"));
        }
        Pool pool = prices;
        pool.region = region;
        pool.type = type;
        pool.nodes = g.nodes;
        pool.accelerators_per_node = g.gpus_per_node;
        int64_t max_gang = 0;
        ARBITER_ASSIGN(max_gang,
                       f.Child("max_gang")
                           .IntOr(std::clamp<int64_t>(pool.capacity(), 1, kMaxGang), 1, kMaxGang));
        pool.max_gang = static_cast<int32_t>(max_gang);
        if (found > 1) {
          pool.name =
              StrCat(s_.fleet.provider(s_.fleet.regions[region.index()].provider).name, "/",
                     s_.fleet.regions[region.index()].name, "/",
                     s_.fleet.accelerator_types[type.index()].name, "-", g.gpus_per_node, "x");
        }
        ARBITER_RETURN_IF_ERROR(
            AddPool(models.Child(model), std::move(pool), Field(file_, {}, "")));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Providers(const Field& list) {
    size_t n = 0;
    ARBITER_ASSIGN(n, list.ListSize());
    if (n == 0) return list.Error("missing or empty", "a list of providers");
    for (size_t i = 0; i < n; ++i) {
      Field p = list.Item(i);
      ARBITER_RETURN_IF_ERROR(p.OnlyKeys({"name", "regions", "agent"}));
      std::string name;
      ARBITER_ASSIGN(name, p.Child("name").Name());
      if (s_.fleet.FindProvider(name)) {
        return p.Child("name").Error(StrCat("provider '", name, "' defined twice"));
      }
      AgentConfig agent;
      ARBITER_RETURN_IF_ERROR(Agent(p.Child("agent"), agent));
      const ProviderId provider = s_.fleet.AddProvider(name, agent);
      Field regions = p.Child("regions");
      size_t nr = 0;
      ARBITER_ASSIGN(nr, regions.ListSize());
      if (nr == 0) return regions.Error("missing or empty", "a list of regions");
      for (size_t r = 0; r < nr; ++r) {
        Field region = regions.Item(r);
        ARBITER_RETURN_IF_ERROR(region.OnlyKeys({"name", "pools", "pools_from"}));
        std::string region_name;
        ARBITER_ASSIGN(region_name, region.Child("name").Name());
        if (s_.fleet.FindRegion(provider, region_name)) {
          return region.Child("name").Error(StrCat("region '", region_name, "' defined twice"));
        }
        const RegionId region_id = s_.fleet.AddRegion(provider, region_name);
        Field pools = region.Child("pools");
        size_t np = 0;
        ARBITER_ASSIGN(np, pools.ListSize());
        for (size_t k = 0; k < np; ++k)
          ARBITER_RETURN_IF_ERROR(PoolEntry(pools.Item(k), region_id));
        if (region.Child("pools_from").defined()) {
          ARBITER_RETURN_IF_ERROR(PoolsFrom(region.Child("pools_from"), region_id));
        }
        if (s_.fleet.regions[region_id.index()].pools.empty()) {
          return region.Error("the region has no pools", "pools or pools_from");
        }
      }
    }
    return absl::OkStatus();
  }

  // A provider's agent: how it answers capacity requests (market/agent.h).
  absl::Status Agent(const Field& f, AgentConfig& agent) {
    if (!f.defined()) return absl::OkStatus();
    ARBITER_RETURN_IF_ERROR(f.OnlyKeys(
        {"policy", "response_time", "reserve", "decline_rate", "preempt_spot", "match_quotes"}));
    ARBITER_ASSIGN(agent.policy, f.Child("policy").StringOr("deliverable"));
    ARBITER_RETURN_IF_ERROR(
        KnownName(f.Child("policy"), agent.policy, options_.known.agents, "agent policy"));
    ARBITER_ASSIGN(agent.response_time, f.Child("response_time").SecondsOr(0));
    if (f.Child("reserve").defined()) {
      // Only the reserve agent keeps a reserve; another would ignore it.
      if (agent.policy != "reserve") {
        return f.Child("reserve").Error(
            StrCat("only meaningful with policy: reserve (this agent is ", agent.policy, ")"),
            "policy: reserve, or no reserve");
      }
      ARBITER_ASSIGN(agent.reserve, f.Child("reserve").Fraction());
    }
    if (f.Child("decline_rate").defined()) {
      ARBITER_ASSIGN(agent.decline_rate, f.Child("decline_rate").Fraction());
    }
    ARBITER_ASSIGN(agent.preempt_spot, f.Child("preempt_spot").BoolOr(false));
    ARBITER_ASSIGN(agent.match_quotes, f.Child("match_quotes").BoolOr(false));
    return absl::OkStatus();
  }

  // quota: {TYPE: accelerators, ...} and borrowing_limit: {TYPE: accelerators, ...}; a limit
  // needs a quota of the same type.
  absl::Status Quotas(const Field& quota, const Field& limit, Tenant& tenant) {
    for (const Field* f : {&quota, &limit}) {
      if (f->defined() && !f->node().IsMap()) {
        return f->Error("not a mapping", "accelerator type -> accelerators");
      }
    }
    if (!quota.defined()) {
      if (limit.defined()) return limit.Error("given without a quota", "quota: {TYPE: N}");
      return absl::OkStatus();
    }
    for (const auto& kv : quota.node()) {
      const std::string& name = kv.first.Scalar();
      const std::optional<AcceleratorTypeId> type = s_.fleet.FindAcceleratorType(name);
      if (!type) return quota.Child(name).Error("unknown accelerator type", "a type's name");
      TypeQuota q;
      q.type = *type;
      ARBITER_ASSIGN(q.nominal, quota.Child(name).Int(0, int64_t{1} << 30));
      tenant.quotas.push_back(q);
    }
    if (limit.defined()) {
      for (const auto& kv : limit.node()) {
        const std::string& name = kv.first.Scalar();
        const std::optional<AcceleratorTypeId> type = s_.fleet.FindAcceleratorType(name);
        auto it = std::find_if(tenant.quotas.begin(), tenant.quotas.end(),
                               [&](const TypeQuota& q) { return type && q.type == *type; });
        if (it == tenant.quotas.end()) {
          return limit.Child(name).Error("no quota of this type", "a type listed under quota");
        }
        ARBITER_ASSIGN(it->borrowing_limit, limit.Child(name).Int(0, int64_t{1} << 30));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Tenants(const Field& list) {
    size_t n = 0;
    ARBITER_ASSIGN(n, list.ListSize());
    if (n == 0) return list.Error("missing or empty", "a list of tenants");
    for (size_t i = 0; i < n; ++i) {
      Field t = list.Item(i);
      ARBITER_RETURN_IF_ERROR(
          t.OnlyKeys({"name", "weight", "first_party_of", "quota", "borrowing_limit"}));
      Tenant tenant;
      ARBITER_ASSIGN(tenant.name, t.Child("name").Name());
      if (s_.fleet.FindTenant(tenant.name)) {
        return t.Child("name").Error(StrCat("tenant '", tenant.name, "' defined twice"));
      }
      int64_t weight = 1;
      ARBITER_ASSIGN(weight, t.Child("weight").IntOr(1, 1, 1'000'000));
      tenant.weight = static_cast<int32_t>(weight);
      if (t.Child("first_party_of").defined()) {
        ProviderId p;
        ARBITER_ASSIGN(p, ProviderRef(t.Child("first_party_of")));
        tenant.first_party_of = p;
      }
      ARBITER_RETURN_IF_ERROR(Quotas(t.Child("quota"), t.Child("borrowing_limit"), tenant));
      s_.fleet.AddTenant(std::move(tenant));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<RegionId>> RegionRef(const Field& f, ProviderId provider) {
    if (!f.defined()) return std::optional<RegionId>();
    std::string name;
    ARBITER_ASSIGN(name, f.String());
    std::optional<RegionId> r = s_.fleet.FindRegion(provider, name);
    if (!r) {
      return f.Error(
          StrCat("provider ", s_.fleet.provider(provider).name, " has no region '", name, "'"));
    }
    return r;
  }

  // The contracts of one tenant with one provider that a second one would be ignored next to
  // (the first on-demand, spot or rofr contract is the one that takes effect).
  absl::Status OneOfAKind(const Field& c, const Contract& contract, size_t index) {
    const Tenant& tenant = s_.fleet.tenant(contract.tenant);
    const std::string_view kind = ContractKindName(contract.kind());
    if (tenant.first_party_of == contract.provider &&
        (contract.kind() == ContractKind::kOnDemand || contract.kind() == ContractKind::kSpot)) {
      return c.Child("kind").Error(
          StrCat(tenant.name, " is ", s_.fleet.provider(contract.provider).name,
                 "'s first-party tenant: it uses its pools at their cost basis, without a ", kind,
                 " contract"),
          "contracts of a first-party tenant with other providers only");
    }
    for (size_t k = 0; k < index; ++k) {
      const Contract& other = s_.fleet.contracts[k];
      if (other.tenant != contract.tenant || other.kind() != contract.kind()) continue;
      const bool rofr = contract.kind() == ContractKind::kRofr;
      if ((rofr || other.provider == contract.provider) &&
          (rofr || contract.kind() == ContractKind::kOnDemand ||
           contract.kind() == ContractKind::kSpot)) {
        return c.Child("kind").Error(
            StrCat("a second ", kind, " contract of ", tenant.name,
                   rofr ? "" : StrCat(" with ", s_.fleet.provider(contract.provider).name),
                   " (contracts[", k, "] is the first; only the first would be used)"),
            rofr ? "at most one rofr contract per tenant"
                 : "at most one contract of each kind per tenant and provider");
      }
    }
    return absl::OkStatus();
  }

  // A commitment or reservation: the pool it is carved from holds it at every instant of its
  // window, next to the holdings carved from that pool before it (never a holding bigger than
  // what it is carved from), and its whole charge fits the money Arbiter counts.
  absl::Status CheckHolding(const Field& c, const Contract& contract, size_t index,
                            AcceleratorTypeId type, std::optional<RegionId> region,
                            int64_t accelerators, Time start, Time end, Micros price) {
    const std::string& type_name = s_.fleet.accelerator_types[type.index()].name;
    const std::optional<PoolId> parent = s_.fleet.HoldingParent(contract.provider, type, region);
    if (!parent) {
      return c.Child("type").Error(
          StrCat(s_.fleet.provider(contract.provider).name, " has no pool of ", type_name,
                 region ? StrCat(" in region ", s_.fleet.regions[region->index()].name) : ""),
          "a type (and region) where the provider has a pool to carve the holding from");
    }
    const Pool& pool = s_.fleet.pool(*parent);
    if (accelerators % pool.accelerators_per_node != 0) {
      return c.Child("accelerators")
          .Error(StrCat(accelerators, " accelerators are not whole nodes of ", pool.name, " (",
                        pool.accelerators_per_node, " per node)"),
                 StrCat("a multiple of ", pool.accelerators_per_node));
    }
    const int64_t nodes = accelerators / pool.accelerators_per_node;
    // The pool's scheduled nodes over time (its capacity schedule, in file order at equal times).
    std::vector<CapacityChange> schedule;
    for (const CapacityChange& change : s_.capacity_changes) {
      if (change.pool == *parent) schedule.push_back(change);
    }
    std::stable_sort(schedule.begin(), schedule.end(),
                     [](const CapacityChange& a, const CapacityChange& b) { return a.at < b.at; });
    const auto scheduled_at = [&](Time t) {
      int64_t n = pool.nodes;
      for (const CapacityChange& change : schedule) {
        if (change.at <= t) n = change.nodes;
      }
      return n;
    };
    std::vector<Time> instants = {std::max<Time>(start, 0)};
    for (const CapacityChange& change : schedule) {
      if (change.at > start && change.at < end) instants.push_back(change.at);
    }
    std::vector<const Held*> before;
    for (const Held& h : held_) {
      if (h.parent != *parent) continue;
      before.push_back(&h);
      if (h.start > start && h.start < end) instants.push_back(h.start);
    }
    for (Time t : instants) {
      int64_t held = 0;
      std::vector<std::string> by;
      for (const Held* h : before) {
        if (h->start <= t && t < h->end) {
          held += h->nodes;
          by.push_back(StrCat("contracts[", h->index, "]"));
        }
      }
      const int64_t there = scheduled_at(t);
      if (held + nodes > there) {
        return c.Child("accelerators")
            .Error(StrCat(nodes, " nodes of ", pool.name, " do not fit at t=", t,
                          " s: the pool has ", there, " nodes then",
                          by.empty() ? std::string()
                                     : StrCat(", ", held, " of them held by ", StrJoin(by, ", "))),
                   "holdings that fit in the pool they are carved from at every instant of their "
                   "window");
      }
    }
    const Int128 cost = static_cast<Int128>(accelerators) * (end - start) * price;
    if (cost / kSecondsPerHour > kMaxMoney) {
      return c.Child("price").Error(
          "the whole holding (accelerators x its window x price) costs more than $4.6 trillion",
          "a holding whose charge fits 2^62 micro-dollars");
    }
    held_.push_back({*parent, start, end, nodes, index});
    return absl::OkStatus();
  }

  absl::Status Contracts(const Field& list) {
    size_t n = 0;
    ARBITER_ASSIGN(n, list.ListSize());
    for (size_t i = 0; i < n; ++i) {
      Field c = list.Item(i);
      if (!c.node().IsMap()) return c.Error("not a mapping", "a contract");
      Contract contract;
      ARBITER_ASSIGN(contract.tenant, TenantRef(c.Child("tenant")));
      ARBITER_ASSIGN(contract.provider, ProviderRef(c.Child("provider")));
      std::string kind;
      ARBITER_ASSIGN(kind, c.Child("kind").String());
      if (kind == "on_demand") {
        ARBITER_RETURN_IF_ERROR(c.OnlyKeys({"tenant", "provider", "kind", "discount"}));
        OnDemandTerms terms;
        if (c.Child("discount").defined())
          ARBITER_ASSIGN(terms.discount, c.Child("discount").Fraction());
        contract.terms = terms;
      } else if (kind == "spot") {
        ARBITER_RETURN_IF_ERROR(c.OnlyKeys(
            {"tenant", "provider", "kind", "discount", "preemptions_per_hour", "trace"}));
        SpotTerms terms;
        if (c.Child("discount").defined())
          ARBITER_ASSIGN(terms.discount, c.Child("discount").Fraction());
        const bool sells_spot = std::any_of(
            s_.fleet.pools.begin(), s_.fleet.pools.end(), [&contract](const Pool& pool) {
              return pool.provider == contract.provider && pool.spot_price && !pool.holding;
            });
        if (!sells_spot) {
          return c.Child("provider")
              .Error(StrCat(s_.fleet.provider(contract.provider).name,
                            " sells no spot capacity (none of its pools has a spot price)"),
                     "a provider with a pool priced for spot");
        }
        // Either or both: like a rate and a trace in faults.spot, both apply.
        if (c.Child("preemptions_per_hour").defined()) {
          // At most one per second, at least one per 2^40 s: the mean time between them is a
          // whole number of seconds in [1, 2^40].
          double rate = 0;
          ARBITER_ASSIGN(rate, c.Child("preemptions_per_hour").Double(0, 3600));
          terms.preemptions_per_hour = rate;
          if (rate > 0) {
            std::optional<Duration> mean = RoundedInRange(3600.0 / rate, 1, kMaxTime);
            if (!mean) {
              return c.Child("preemptions_per_hour")
                  .Error(StrCat(rate, " per hour is too rare"),
                         "0 (never), or a rate whose mean time between preemptions is at most "
                         "2^40 s");
            }
            SpotPreemption preemption;
            preemption.mean_time_between = *mean;
            spot_contracts_.push_back({i, std::move(preemption)});
          }
        }
        if (c.Child("trace").defined()) {
          std::string path;
          ARBITER_ASSIGN(path, c.Child("trace").String());
          terms.trace = ResolvePath(file_, path);
          absl::StatusOr<SpotTrace> trace = LoadSpotTrace(terms.trace);
          if (!trace.ok()) {
            return c.Child("trace").Error(std::string(trace.status().message()),
                                          "a spot trace (data/spot-traces, docs/scenario.md)");
          }
          SpotPreemption preemption;
          preemption.trace = terms.trace;
          preemption.gap = trace->gap;
          preemption.counts = std::move(trace->counts);
          spot_contracts_.push_back({i, std::move(preemption)});
        }
        contract.terms = std::move(terms);
      } else if (kind == "commitment" || kind == "reservation") {
        ARBITER_RETURN_IF_ERROR(c.OnlyKeys({"tenant", "provider", "kind", "type", "region",
                                            "accelerators", "start", "end", "price"}));
        AcceleratorTypeId type;
        ARBITER_ASSIGN(type, TypeRef(c.Child("type")));
        std::optional<RegionId> region;
        ARBITER_ASSIGN(region, RegionRef(c.Child("region"), contract.provider));
        int64_t accelerators = 0;
        ARBITER_ASSIGN(accelerators, c.Child("accelerators").Int(1, 1 << 30));
        Time start = 0;
        ARBITER_ASSIGN(start, c.Child("start").SecondsOr(0));
        Time end = 0;
        ARBITER_ASSIGN(end, c.Child("end").Seconds());
        if (end <= start) return c.Child("end").Error("not after start", "end > start");
        Micros price = 0;
        ARBITER_ASSIGN(price, c.Child("price").Dollars());
        ARBITER_RETURN_IF_ERROR(
            CheckHolding(c, contract, i, type, region, accelerators, start, end, price));
        if (kind == "commitment") {
          contract.terms =
              CommitmentTerms{type, region, static_cast<int32_t>(accelerators), start, end, price};
        } else {
          contract.terms =
              ReservationTerms{type, region, static_cast<int32_t>(accelerators), start, end, price};
        }
      } else if (kind == "rofr") {
        ARBITER_RETURN_IF_ERROR(c.OnlyKeys({"tenant", "provider", "kind", "mode", "window", "grace",
                                            "partial", "min_accelerators", "match_tolerance"}));
        RofrTerms terms;
        std::string mode;
        ARBITER_ASSIGN(mode, c.Child("mode").StringOr("rofr"));
        if (mode == "rofr") {
          terms.mode = RofrMode::kRofr;
        } else if (mode == "rofo") {
          terms.mode = RofrMode::kRofo;
        } else {
          return c.Child("mode").Error(StrCat("unknown mode '", mode, "'"), "rofr or rofo");
        }
        ARBITER_ASSIGN(terms.window, c.Child("window").Seconds());
        ARBITER_ASSIGN(terms.grace, c.Child("grace").SecondsOr(0));
        ARBITER_ASSIGN(terms.partial_allowed, c.Child("partial").BoolOr(false));
        int64_t min_acc = 0;
        ARBITER_ASSIGN(min_acc, c.Child("min_accelerators").IntOr(0, 0, kMaxGang));
        terms.min_accelerators = static_cast<int32_t>(min_acc);
        if (c.Child("match_tolerance").defined()) {
          // A first offer (rofo) is never matched against quotes.
          if (terms.mode != RofrMode::kRofr) {
            return c.Child("match_tolerance")
                .Error("only meaningful in mode rofr (a first offer matches no quote)",
                       "mode: rofr, or no match_tolerance");
          }
          ARBITER_ASSIGN(terms.match_tolerance, c.Child("match_tolerance").Fraction());
        }
        contract.terms = terms;
      } else {
        return c.Child("kind").Error(StrCat("unknown contract kind '", kind, "'"),
                                     "on_demand, spot, commitment, reservation or rofr");
      }
      ARBITER_RETURN_IF_ERROR(OneOfAKind(c, contract, i));
      s_.fleet.AddContract(std::move(contract));
    }
    return absl::OkStatus();
  }

  // Spot contracts with preemptions_per_hour or a trace: the same preemption on every pool of the
  // provider that sells spot, as entries of faults.spot (which the simulator carries out). One
  // source per pool: a second, different one (a faults.spot entry or another contract) is an
  // error rather than one of them ignored.
  absl::Status SpotContractFaults(const Field& contracts) {
    std::vector<SpotPreemption>& spot = s_.faults.spot;
    for (auto& [index, preemption] : spot_contracts_) {
      const Contract& contract = s_.fleet.contracts[index];
      const Field c = contracts.Item(index);
      const Field key =
          preemption.counts.empty() ? c.Child("preemptions_per_hour") : c.Child("trace");
      for (size_t p = 0; p < s_.fleet.pools.size(); ++p) {
        const Pool& pool = s_.fleet.pools[p];
        if (pool.provider != contract.provider || !pool.spot_price || pool.holding) continue;
        SpotPreemption entry = preemption;
        entry.pool = PoolId::FromIndex(p);
        bool same = false;
        for (size_t k = 0; k < spot.size(); ++k) {
          // A trace and a rate on one pool both apply; two of one kind would not.
          if (spot[k].pool != entry.pool || spot[k].counts.empty() != entry.counts.empty()) {
            continue;
          }
          same = spot[k].trace == entry.trace && spot[k].start == entry.start &&
                 spot[k].mean_time_between == entry.mean_time_between;
          if (!same) {
            return key.Error(StrCat("the spot preemption of pool ", pool.name, " is also given by ",
                                    spot_sources_[k], ", differently"),
                             "one source of spot preemption per pool (or the same one)");
          }
        }
        if (same) continue;
        spot.push_back(std::move(entry));
        spot_sources_.push_back(StrCat("contracts[", index, "]"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status TypeMap(const Field& f, WorkloadOptions& options) {
    if (!f.defined()) return absl::OkStatus();
    if (!f.node().IsMap()) {
      return f.Error("not a mapping", "trace type -> accelerator type, e.g. {v100: H100}");
    }
    for (const auto& kv : f.node()) {
      const std::string key = kv.first.as<std::string>();
      Field entry = f.Child(key);
      TypeMapping m;
      m.trace_type = key;
      if (entry.node().IsMap()) {
        ARBITER_RETURN_IF_ERROR(entry.OnlyKeys({"type", "speed"}));
        ARBITER_ASSIGN(m.type, TypeRef(entry.Child("type")));
        if (entry.Child("speed").defined()) {
          ARBITER_ASSIGN(m.speed, entry.Child("speed").Double(1e-6, 1e6));
        }
      } else {
        ARBITER_ASSIGN(m.type, TypeRef(entry));
      }
      options.types.push_back(std::move(m));
    }
    return absl::OkStatus();
  }

  absl::Status Profile(const Field& f, GrowthProfile& profile) {
    if (!f.defined()) return f.Error("missing", "profile: {jobs_per_hour, until, gangs, ...}");
    ARBITER_RETURN_IF_ERROR(
        f.OnlyKeys({"jobs_per_hour", "growth", "period", "start", "until", "gangs", "runtime"}));
    ARBITER_ASSIGN(profile.jobs_per_hour, f.Child("jobs_per_hour").Double(1e-9, 1e9));
    if (f.Child("growth").defined()) {
      ARBITER_ASSIGN(profile.growth, f.Child("growth").Double(-0.999999, 1e6));
    }
    ARBITER_ASSIGN(profile.period, f.Child("period").SecondsOr(30 * 86400));
    if (profile.period <= 0) return f.Child("period").Error("must be > 0");
    ARBITER_ASSIGN(profile.start, f.Child("start").SecondsOr(0));
    ARBITER_ASSIGN(profile.until, f.Child("until").Seconds());
    if (profile.until <= profile.start) return f.Child("until").Error("not after start");
    Field gangs = f.Child("gangs");
    if (!gangs.node().IsMap() || gangs.node().size() == 0) {
      return gangs.Error("missing or not a mapping", "gang size -> weight, e.g. {1: 0.5, 8: 0.5}");
    }
    double total_weight = 0;
    for (const auto& kv : gangs.node()) {
      const std::string& key = kv.first.Scalar();
      std::optional<int64_t> size = ParseInt(key);
      if (!size || *size < 1 || *size > kMaxGang) {
        return gangs.Key(kv.first).Error(StrCat("'", key, "' is not a gang size"),
                                         StrCat("an integer in [1, ", kMaxGang, "]"));
      }
      double weight = 0;
      ARBITER_ASSIGN(weight, gangs.Child(key).Double(0, 1e12));
      profile.gangs.push_back({static_cast<int32_t>(*size), weight});
      total_weight += weight;
    }
    if (total_weight <= 0) {
      return gangs.Error("every weight is 0", "at least one gang size with a weight > 0");
    }
    Field runtime = f.Child("runtime");
    if (!runtime.defined()) return runtime.Error("missing", "runtime: {median: 2h, sigma: 1.0}");
    ARBITER_RETURN_IF_ERROR(runtime.OnlyKeys({"median", "sigma"}));
    ARBITER_ASSIGN(profile.median_runtime, runtime.Child("median").Seconds());
    if (profile.median_runtime <= 0) return runtime.Child("median").Error("must be > 0");
    if (runtime.Child("sigma").defined()) {
      ARBITER_ASSIGN(profile.sigma, runtime.Child("sigma").Double(0, 10));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<PoolId> PoolRef(const Field& f) {
    std::string name;
    ARBITER_ASSIGN(name, f.String());
    std::optional<PoolId> id = s_.fleet.FindPool(name);
    if (!id) {
      return f.Error(StrCat("unknown pool '", name, "'"),
                     "a pool's name, provider/region/type unless the pool names itself");
    }
    return *id;
  }

  absl::StatusOr<RegionId> RegionPath(const Field& f) {
    std::string name;
    ARBITER_ASSIGN(name, f.String());
    const size_t slash = name.find('/');
    std::optional<ProviderId> provider =
        slash == std::string::npos ? std::nullopt : s_.fleet.FindProvider(name.substr(0, slash));
    std::optional<RegionId> region =
        provider ? s_.fleet.FindRegion(*provider, name.substr(slash + 1)) : std::nullopt;
    if (!region) return f.Error(StrCat("unknown region '", name, "'"), "provider/region");
    return *region;
  }

  // The pool or provider `index` that `name` names is named by no earlier entry of its list
  // (`seen`): a second entry would replace the first, or be ignored.
  static absl::Status Once(const Field& name, std::string_view what, size_t index,
                           std::vector<size_t>& seen) {
    if (std::find(seen.begin(), seen.end(), index) != seen.end()) {
      return name.Error(StrCat("named twice in ", what), "one entry each");
    }
    seen.push_back(index);
    return absl::OkStatus();
  }

  // The faults section (model/faults.h).
  absl::Status Faults(const Field& f) {
    ARBITER_RETURN_IF_ERROR(f.OnlyKeys({"recovery", "restart_setup", "transfer_bytes_per_second",
                                        "backoff", "max_backoff", "egress", "node_failures", "spot",
                                        "revocations", "outages", "launch"}));
    arbiter::Faults& faults = s_.faults;
    faults.configured = true;
    ARBITER_ASSIGN(faults.recovery, f.Child("recovery").StringOr("any-pool"));
    ARBITER_RETURN_IF_ERROR(KnownName(f.Child("recovery"), faults.recovery,
                                      options_.known.recoveries, "recovery policy"));
    ARBITER_ASSIGN(faults.restart_setup, f.Child("restart_setup").SecondsOr(0));
    ARBITER_ASSIGN(faults.transfer_bytes_per_second,
                   f.Child("transfer_bytes_per_second").IntOr(0, 0, kMaxBytes));
    // Without either key, a failing pool is avoided 1 minute, doubling up to 1 hour, so that a
    // pool whose starts always fail cannot take every retry (model/faults.h).
    const bool default_backoff = !f.Child("backoff").defined() && !f.Child("max_backoff").defined();
    ARBITER_ASSIGN(faults.backoff, f.Child("backoff").SecondsOr(default_backoff ? 60 : 0));
    ARBITER_ASSIGN(faults.max_backoff,
                   f.Child("max_backoff").SecondsOr(default_backoff ? 3600 : 0));
    if (faults.max_backoff > 0 && faults.max_backoff < faults.backoff) {
      return f.Child("max_backoff").Error("is shorter than backoff", "at least backoff, or 0");
    }
    size_t n = 0;
    std::vector<size_t> seen_egress;
    std::vector<size_t> seen_nodes;
    std::vector<size_t> seen_spot_trace;
    std::vector<size_t> seen_spot_rate;
    Field egress = f.Child("egress");
    ARBITER_ASSIGN(n, egress.ListSize());
    faults.egress_per_gb.assign(s_.fleet.providers.size(), 0);
    for (size_t i = 0; i < n; ++i) {
      Field e = egress.Item(i);
      ARBITER_RETURN_IF_ERROR(e.OnlyKeys({"provider", "per_gb"}));
      ProviderId provider;
      ARBITER_ASSIGN(provider, ProviderRef(e.Child("provider")));
      ARBITER_RETURN_IF_ERROR(Once(e.Child("provider"), "egress", provider.index(), seen_egress));
      ARBITER_ASSIGN(faults.egress_per_gb[provider.index()], e.Child("per_gb").Dollars());
    }
    if (Field launch = f.Child("launch"); launch.defined()) {
      ARBITER_RETURN_IF_ERROR(Launch(launch));
    }
    Field nodes = f.Child("node_failures");
    ARBITER_ASSIGN(n, nodes.ListSize());
    for (size_t i = 0; i < n; ++i) {
      Field e = nodes.Item(i);
      ARBITER_RETURN_IF_ERROR(e.OnlyKeys({"pool", "mtbf"}));
      NodeFailures failures;
      ARBITER_ASSIGN(failures.pool, PoolRef(e.Child("pool")));
      ARBITER_RETURN_IF_ERROR(
          Once(e.Child("pool"), "node_failures", failures.pool.index(), seen_nodes));
      ARBITER_ASSIGN(failures.mtbf, e.Child("mtbf").Seconds());
      if (failures.mtbf <= 0) {
        return e.Child("mtbf").Error("must be > 0",
                                     "a node's mean time between failures, e.g. 2000h");
      }
      faults.node_failures.push_back(failures);
    }
    Field spot = f.Child("spot");
    ARBITER_ASSIGN(n, spot.ListSize());
    for (size_t i = 0; i < n; ++i) {
      Field e = spot.Item(i);
      ARBITER_RETURN_IF_ERROR(e.OnlyKeys({"pool", "trace", "start", "mean_time_between"}));
      SpotPreemption preemption;
      ARBITER_ASSIGN(preemption.pool, PoolRef(e.Child("pool")));
      const bool has_trace = e.Child("trace").defined();
      // A pool may follow a trace and be preempted at a rate too, but not two of either.
      ARBITER_RETURN_IF_ERROR(
          Once(e.Child("pool"), has_trace ? "spot (with a trace)" : "spot (with a rate)",
               preemption.pool.index(), has_trace ? seen_spot_trace : seen_spot_rate));
      if (has_trace == e.Child("mean_time_between").defined()) {
        return e.Error(has_trace ? "both trace and mean_time_between" : "no trace and no rate",
                       "either trace: <spot trace JSON> or mean_time_between: <duration>");
      }
      if (has_trace) {
        std::string path;
        ARBITER_ASSIGN(path, e.Child("trace").String());
        preemption.trace = ResolvePath(file_, path);
        absl::StatusOr<SpotTrace> trace = LoadSpotTrace(preemption.trace);
        if (!trace.ok()) {
          return e.Child("trace").Error(std::string(trace.status().message()),
                                        "a spot trace (data/spot-traces, docs/scenario.md)");
        }
        preemption.gap = trace->gap;
        preemption.counts = std::move(trace->counts);
        ARBITER_ASSIGN(preemption.start, e.Child("start").SecondsOr(0));
        // The trace's ticks span at most kMaxTime (ParseSpotTrace); its last from `start` too.
        const Time last =
            static_cast<Time>(preemption.counts.size() - 1) * preemption.gap + preemption.start;
        if (last > kMaxTime) {
          return e.Child("start").Error(StrCat("the trace's last tick would be at ", last, " s"),
                                        "a start that keeps the whole trace within 2^40 s");
        }
      } else {
        if (e.Child("start").defined()) {
          return e.Child("start").Error("only meaningful with 'trace'", "trace: <path>");
        }
        ARBITER_ASSIGN(preemption.mean_time_between, e.Child("mean_time_between").Seconds());
        if (preemption.mean_time_between <= 0) {
          return e.Child("mean_time_between").Error("must be > 0", "a duration, e.g. 8h");
        }
      }
      faults.spot.push_back(std::move(preemption));
      spot_sources_.push_back(StrCat("faults.spot[", i, "]"));
    }
    Field revocations = f.Child("revocations");
    ARBITER_ASSIGN(n, revocations.ListSize());
    for (size_t i = 0; i < n; ++i) {
      Field e = revocations.Item(i);
      ARBITER_RETURN_IF_ERROR(e.OnlyKeys({"pool", "at", "nodes", "until"}));
      CapacityRevocation r;
      ARBITER_ASSIGN(r.pool, PoolRef(e.Child("pool")));
      ARBITER_ASSIGN(r.at, e.Child("at").Seconds());
      int64_t count = 0;
      ARBITER_ASSIGN(count, e.Child("nodes").Int(1, kMaxPoolNodes));
      r.nodes = static_cast<int32_t>(count);
      ARBITER_ASSIGN(r.until, e.Child("until").SecondsOr(kNever));
      if (r.until <= r.at) return e.Child("until").Error("is not after 'at'", "a later time");
      faults.revocations.push_back(r);
    }
    Field outages = f.Child("outages");
    ARBITER_ASSIGN(n, outages.ListSize());
    for (size_t i = 0; i < n; ++i) {
      Field e = outages.Item(i);
      ARBITER_RETURN_IF_ERROR(e.OnlyKeys({"region", "start", "end"}));
      RegionOutage o;
      ARBITER_ASSIGN(o.region, RegionPath(e.Child("region")));
      ARBITER_ASSIGN(o.start, e.Child("start").Seconds());
      ARBITER_ASSIGN(o.end, e.Child("end").SecondsOr(kNever));
      if (o.end <= o.start) return e.Child("end").Error("is not after 'start'", "a later time");
      faults.outages.push_back(o);
    }
    return absl::OkStatus();
  }

  // faults.launch: how long launches take and how the core tries them.
  absl::Status Launch(const Field& f) {
    ARBITER_RETURN_IF_ERROR(
        f.OnlyKeys({"latency", "failure_latency", "timeout", "parallel", "providers"}));
    LaunchModel& launch = s_.faults.launch;
    launch.configured = true;
    ARBITER_ASSIGN(launch.latency, f.Child("latency").SecondsOr(0));
    ARBITER_ASSIGN(launch.failure_latency, f.Child("failure_latency").SecondsOr(launch.latency));
    ARBITER_ASSIGN(launch.timeout, f.Child("timeout").SecondsOr(0));
    int64_t parallel = 1;
    ARBITER_ASSIGN(parallel, f.Child("parallel").IntOr(1, 1, 64));
    launch.parallel = static_cast<int32_t>(parallel);
    const size_t providers = s_.fleet.providers.size();
    launch.provider_latency.assign(providers, -1);
    launch.provider_failure_latency.assign(providers, -1);
    Field list = f.Child("providers");
    size_t n = 0;
    ARBITER_ASSIGN(n, list.ListSize());
    std::vector<size_t> seen;
    for (size_t i = 0; i < n; ++i) {
      Field e = list.Item(i);
      ARBITER_RETURN_IF_ERROR(e.OnlyKeys({"provider", "latency", "failure_latency"}));
      ProviderId provider;
      ARBITER_ASSIGN(provider, ProviderRef(e.Child("provider")));
      ARBITER_RETURN_IF_ERROR(
          Once(e.Child("provider"), "faults.launch.providers", provider.index(), seen));
      ARBITER_ASSIGN(launch.provider_latency[provider.index()], e.Child("latency").SecondsOr(-1));
      ARBITER_ASSIGN(launch.provider_failure_latency[provider.index()],
                     e.Child("failure_latency").SecondsOr(-1));
    }
    // Allowed (a what-if), but almost surely a mistake: say so where every run shows it.
    for (size_t p = 0; p < providers && launch.timeout > 0; ++p) {
      const Duration latency = launch.LatencyOf(ProviderId::FromIndex(p), true);
      if (latency >= launch.timeout) {
        s_.load_notes.push_back(StrCat("faults.launch: the timeout (", launch.timeout,
                                       " s) is not longer than ", s_.fleet.providers[p].name,
                                       "'s launch latency (", latency,
                                       " s): every launch there will time out"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status PolicyOptions(const Field& f) {
    ARBITER_RETURN_IF_ERROR(f.OnlyKeys({"round", "fairness", "queue_thresholds", "promote_knob"}));
    PolicySettings& settings = s_.policy_settings;
    if (Field round = f.Child("round"); round.defined()) {
      ARBITER_ASSIGN(settings.round, round.Seconds());
      if (settings.round <= 0) return round.Error("0 is not a round", "a duration of 1 s or more");
    }
    std::string fairness;
    ARBITER_ASSIGN(fairness, f.Child("fairness").StringOr("equal_share"));
    if (fairness == "equal_share") {
      settings.fairness = PolicySettings::Fairness::kEqualShare;
    } else if (fairness == "fastest_type") {
      settings.fairness = PolicySettings::Fairness::kFastestType;
    } else {
      return f.Child("fairness")
          .Error(StrCat("unknown normalisation '", fairness, "'"), "equal_share or fastest_type");
    }
    Field thresholds = f.Child("queue_thresholds");
    size_t n = 0;
    ARBITER_ASSIGN(n, thresholds.ListSize());
    for (size_t i = 0; i < n; ++i) {
      int64_t t = 0;
      ARBITER_ASSIGN(t, thresholds.Item(i).Int(1, int64_t{1} << 50));
      if (!settings.queue_thresholds.empty() && t <= settings.queue_thresholds.back()) {
        return thresholds.Item(i).Error(StrCat(t, " is not above the threshold before it"),
                                        "thresholds in ascending order");
      }
      settings.queue_thresholds.push_back(t);
    }
    if (Field knob = f.Child("promote_knob"); knob.defined()) {
      absl::StatusOr<std::string> text = knob.String();
      if (!text.ok()) return text.status();
      Micros value = 0;
      if (!ParseDollars(text->c_str(), &value)) {
        return knob.Error(StrCat("'", *text, "' is not a factor"),
                          "a number >= 0 with at most six decimals (0: never promote)");
      }
      settings.promote_knob = value;
    }
    return absl::OkStatus();
  }

  // The most one run of each job can cost, and one move of its checkpoint, fit the money Arbiter
  // counts (kMaxMoney): its accelerators x the longest it can hold them (its slowest runtime, a
  // restart's setup, its checkpoint's transfer, a launch) x the highest price it can pay for them
  // (any price of a pool of an acceptable type, or of a holding of that type), and its
  // checkpoint's bytes x the highest egress price. Inputs within every single limit can still
  // break these products, so they are checked here, per job, with the workload's place.
  absl::Status CheckRunCosts(const Field& w, const std::vector<Job>& jobs) {
    const Fleet& fleet = s_.fleet;
    std::vector<Micros> top_price(fleet.accelerator_types.size(), 0);
    for (const Pool& pool : fleet.pools) {
      for (const std::optional<Micros>& p :
           {pool.on_demand_price, pool.spot_price, pool.committed_price}) {
        top_price[pool.type.index()] = std::max(top_price[pool.type.index()], p.value_or(0));
      }
    }
    for (const Contract& c : fleet.contracts) {
      if (const auto* cm = std::get_if<CommitmentTerms>(&c.terms)) {
        top_price[cm->type.index()] =
            std::max(top_price[cm->type.index()], cm->price_per_accel_hour);
      } else if (const auto* rs = std::get_if<ReservationTerms>(&c.terms)) {
        top_price[rs->type.index()] =
            std::max(top_price[rs->type.index()], rs->price_per_accel_hour);
      }
    }
    const arbiter::Faults& faults = s_.faults;
    Duration launch = 0;
    if (faults.launch.configured) {
      for (size_t p = 0; p < fleet.providers.size(); ++p) {
        for (bool up : {true, false}) {
          launch = std::max(launch, faults.launch.LatencyOf(ProviderId::FromIndex(p), up));
        }
      }
    }
    Micros top_egress = 0;
    for (Micros e : faults.egress_per_gb) top_egress = std::max(top_egress, e);
    for (const Job& job : jobs) {
      Int128 hold = 0;
      Micros price = 0;
      for (const Throughput& t : job.throughputs) {
        hold = std::max<Int128>(hold, RuntimeFor(job.work, t.rate));
        price = std::max(price, top_price[t.type.index()]);
      }
      hold += faults.restart_setup + launch;
      if (faults.transfer_bytes_per_second > 0) {
        hold += (job.checkpoint_bytes + faults.transfer_bytes_per_second - 1) /
                faults.transfer_bytes_per_second;
      }
      const Int128 run = static_cast<Int128>(job.accelerators) * hold * price / kSecondsPerHour;
      const Int128 egress = static_cast<Int128>(job.checkpoint_bytes) * top_egress / 1'000'000'000;
      if (run > kMaxMoney || egress > kMaxMoney) {
        return w.Error(
            StrCat("job '", job.name, "': ",
                   run > kMaxMoney
                       ? StrCat("one run of ", job.accelerators, " accelerators for up to ",
                                static_cast<int64_t>(hold), " s at up to ", DollarText(price),
                                " per accelerator-hour")
                       : StrCat("moving its checkpoint of ", job.checkpoint_bytes,
                                " bytes at up to ", DollarText(top_egress), " per GB"),
                   " would cost more than $4.6 trillion"),
            "jobs whose single charges fit 2^62 micro-dollars (docs/scenario.md, Limits)");
      }
    }
    return absl::OkStatus();
  }

  absl::Status Workloads(const Field& list) {
    size_t n = 0;
    ARBITER_ASSIGN(n, list.ListSize());
    for (size_t i = 0; i < n; ++i) {
      Field w = list.Item(i);
      if (!w.node().IsMap()) return w.Error("not a mapping", "a workload");
      std::string format;
      ARBITER_ASSIGN(format, w.Child("format").String());
      // Each format's own keys: a key another format reads would be ignored here.
      std::vector<std::string_view> keys = {
          "name",       "tenant", "format", "types",    "offset",
          "time_scale", "until",  "limit",  "priority", "accelerators_per_node",
          "checkpoint"};
      if (format == "gavel") {
        keys.insert(keys.end(), {"path", "throughputs"});
      } else if (format == "alibaba_pods" || format == "csv") {
        keys.push_back("path");
      } else if (format == "profile") {
        keys.push_back("profile");
      } else {
        return w.Child("format").Error(StrCat("unknown workload format '", format, "'"),
                                       "gavel, alibaba_pods, csv or profile");
      }
      ARBITER_RETURN_IF_ERROR(w.OnlyKeys(keys));
      WorkloadOptions options;
      if (w.Child("name").defined()) {
        ARBITER_ASSIGN(options.source, w.Child("name").Name());
      } else {
        options.source = StrCat("workload", i);
      }
      if (w.Child("tenant").defined()) ARBITER_ASSIGN(options.tenant, TenantRef(w.Child("tenant")));
      ARBITER_RETURN_IF_ERROR(TypeMap(w.Child("types"), options));
      ARBITER_ASSIGN(options.offset, w.Child("offset").SecondsOr(0));
      ARBITER_ASSIGN(options.until, w.Child("until").SecondsOr(kNever));
      if (w.Child("time_scale").defined()) {
        ARBITER_ASSIGN(options.time_scale, w.Child("time_scale").Double(1e-6, 1e6));
      }
      ARBITER_ASSIGN(options.limit, w.Child("limit").IntOr(-1, 0, int64_t{1} << 40));
      int64_t v = 0;
      ARBITER_ASSIGN(v, w.Child("priority").IntOr(0, -1'000'000, 1'000'000));
      options.priority = static_cast<int32_t>(v);
      ARBITER_ASSIGN(v, w.Child("accelerators_per_node").IntOr(8, 1, kMaxAcceleratorsPerNode));
      options.accelerators_per_node = static_cast<int32_t>(v);
      Field ckpt = w.Child("checkpoint");
      if (ckpt.defined()) {
        ARBITER_RETURN_IF_ERROR(ckpt.OnlyKeys({"interval", "bytes", "at_preemption", "restore"}));
        ARBITER_ASSIGN(options.checkpoint_at_preemption, ckpt.Child("at_preemption").BoolOr(false));
        // A job that checkpoints only when it is stopped needs no interval.
        ARBITER_ASSIGN(options.checkpoint_interval, options.checkpoint_at_preemption
                                                        ? ckpt.Child("interval").SecondsOr(0)
                                                        : ckpt.Child("interval").Seconds());
        ARBITER_ASSIGN(options.checkpoint_bytes, ckpt.Child("bytes").IntOr(0, 0, kMaxBytes));
        ARBITER_ASSIGN(options.restore, ckpt.Child("restore").SecondsOr(0));
      }
      std::string path;
      if (format != "profile") {
        ARBITER_ASSIGN(path, w.Child("path").String());
        path = ResolvePath(file_, path);
        options.file = path;
      }
      if (format != "csv" && !options.tenant.valid()) {
        return w.Child("tenant").Error("missing", "the tenant that submits this workload");
      }
      if (format != "csv" && options.types.empty()) {
        return w.Child("types").Error("missing",
                                      "trace type -> accelerator type, e.g. {v100: H100}");
      }
      WorkloadReport report;
      std::vector<Job> jobs;
      absl::Status status;
      if (format == "gavel") {
        std::string throughputs_path;
        ARBITER_ASSIGN(throughputs_path, w.Child("throughputs").String());
        throughputs_path = ResolvePath(file_, throughputs_path);
        auto cached = throughputs_.find(throughputs_path);
        if (cached == throughputs_.end()) {
          absl::StatusOr<GavelThroughputs> t = GavelThroughputs::Load(throughputs_path);
          if (!t.ok()) return w.Child("throughputs").Wrap(t.status());
          cached = throughputs_.emplace(throughputs_path, *std::move(t)).first;
        }
        absl::StatusOr<std::vector<GavelRow>> rows = ReadGavelTrace(path);
        status =
            rows.ok() ? GavelJobs(*rows, cached->second, options, jobs, report) : rows.status();
      } else if (format == "alibaba_pods" || format == "csv") {
        absl::StatusOr<std::string> text = ReadFile(path);
        if (!text.ok()) return w.Child("path").Wrap(text.status());
        status = format == "csv" ? CsvJobs(path, *text, s_.fleet, options, jobs, report)
                                 : AlibabaPodJobs(path, *text, options, jobs, report);
      } else {
        GrowthProfile profile;
        ARBITER_RETURN_IF_ERROR(Profile(w.Child("profile"), profile));
        profile.max_jobs = options_.max_generated_jobs - generated_jobs_;
        status = ProfileJobs(profile, seed_, options, jobs, report);
        generated_jobs_ += static_cast<int64_t>(jobs.size());
      }
      // The loaders' errors name the trace's file and line; this names the workload too.
      if (!status.ok()) return w.Wrap(status);
      ARBITER_RETURN_IF_ERROR(CheckRunCosts(w, jobs));
      for (std::string& note : report.notes) s_.load_notes.push_back(std::move(note));
      s_.load_notes.push_back(
          StrCat(options.source, ": ", report.jobs, " jobs from ", report.rows, " rows"));
      for (Job& job : jobs) s_.jobs.push_back(std::move(job));
    }
    // Jobs from all workloads, by submit time; ties keep workload order, then trace order.
    std::stable_sort(s_.jobs.begin(), s_.jobs.end(),
                     [](const Job& a, const Job& b) { return a.submit < b.submit; });
    return absl::OkStatus();
  }

  // --- Running live (docs/scenario.md#running-live): pools' backends and API tokens. ---

  // A pool's `backend:`: where its work runs live (model/live.h).
  absl::Status PoolBackendEntry(const Field& f, PoolId id) {
    if (!f.defined()) return absl::OkStatus();
    std::string kind;
    ARBITER_ASSIGN(kind, f.Child("kind").String());
    if (kind == "slurm") return SlurmBackendEntry(f, id);
    if (kind != "local") {
      return f.Child("kind").Error(StrCat("unknown backend kind '", kind, "'"), "local or slurm");
    }
    ARBITER_RETURN_IF_ERROR(f.OnlyKeys({"kind", "devices"}));
    const Pool& pool = s_.fleet.pool(id);
    // One list of devices per node the pool ever has.
    int64_t nodes = pool.nodes;
    for (const CapacityChange& c : s_.capacity_changes) {
      if (c.pool == id) nodes = std::max<int64_t>(nodes, c.nodes);
    }
    PoolBackend backend;
    backend.kind = kind;
    std::vector<std::vector<int32_t>>& devices = backend.local.devices;
    const auto device_list = [&pool](const Field& list, std::vector<int32_t>& out) -> absl::Status {
      size_t n = 0;
      ARBITER_ASSIGN(n, list.ListSize());
      if (n != static_cast<size_t>(pool.accelerators_per_node)) {
        return list.Error(
            StrCat(n, " devices"),
            StrCat(pool.accelerators_per_node, " device ids, one per accelerator of a node"));
      }
      for (size_t i = 0; i < n; ++i) {
        int64_t d = 0;
        ARBITER_ASSIGN(d, list.Item(i).Int(0, 1 << 20));
        if (std::find(out.begin(), out.end(), d) != out.end()) {
          return list.Item(i).Error(StrCat("device ", d, " listed twice on one node"));
        }
        out.push_back(static_cast<int32_t>(d));
      }
      return absl::OkStatus();
    };
    Field list = f.Child("devices");
    if (!list.defined()) {
      std::vector<int32_t> all(static_cast<size_t>(pool.accelerators_per_node));
      for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int32_t>(i);
      devices.assign(static_cast<size_t>(nodes), all);
    } else if (!list.node().IsSequence()) {
      return list.Error("not a list", "[0, 1, ...] for every node, or a list per node");
    } else if (list.node().size() > 0 && list.node()[0].IsSequence()) {
      if (list.node().size() != static_cast<size_t>(nodes)) {
        return list.Error(StrCat(list.node().size(), " lists"),
                          StrCat("one list per node: ", nodes, " (the pool's largest size)"));
      }
      for (size_t i = 0; i < list.node().size(); ++i) {
        devices.emplace_back();
        ARBITER_RETURN_IF_ERROR(device_list(list.Item(i), devices.back()));
      }
    } else {
      std::vector<int32_t> all;
      ARBITER_RETURN_IF_ERROR(device_list(list, all));
      devices.assign(static_cast<size_t>(nodes), all);
    }
    if (s_.live.backends.size() <= id.index()) s_.live.backends.resize(id.index() + 1);
    s_.live.backends[id.index()] = std::move(backend);
    return absl::OkStatus();
  }

  // `backend: {kind: slurm, conf: ...}`: the pool's work runs on a Slurm cluster.
  absl::Status SlurmBackendEntry(const Field& f, PoolId id) {
    ARBITER_RETURN_IF_ERROR(f.OnlyKeys({"kind", "conf", "partition", "account", "qos", "gres",
                                        "exclusive", "job_prefix", "poll_interval",
                                        "command_timeout", "lost_after", "start_timeout"}));
    PoolBackend backend;
    backend.kind = "slurm";
    SlurmBackendSettings& slurm = backend.slurm;
    std::string conf;
    ARBITER_ASSIGN(conf, f.Child("conf").String());
    slurm.conf = ResolvePath(file_, conf);
    ARBITER_ASSIGN(slurm.partition, f.Child("partition").StringOr(""));
    ARBITER_ASSIGN(slurm.account, f.Child("account").StringOr(""));
    ARBITER_ASSIGN(slurm.qos, f.Child("qos").StringOr(""));
    ARBITER_ASSIGN(slurm.gres, f.Child("gres").StringOr("gpu"));
    ARBITER_ASSIGN(slurm.exclusive, f.Child("exclusive").BoolOr(false));
    // A Slurm job name carries the prefix: letters, digits, '.', '_' and '-' only.
    const auto name_char = [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    };
    std::string prefix;
    for (char c : s_.fleet.pool(id).name) prefix += name_char(c) ? c : '_';
    ARBITER_ASSIGN(slurm.job_prefix, f.Child("job_prefix").StringOr(StrCat("arbiter-", prefix)));
    if (slurm.job_prefix.empty() ||
        !std::all_of(slurm.job_prefix.begin(), slurm.job_prefix.end(), name_char)) {
      return f.Child("job_prefix")
          .Error(StrCat("'", slurm.job_prefix, "'"), "letters, digits, '.', '_' and '-'");
    }
    const Field poll = f.Child("poll_interval");
    if (poll.defined()) {
      std::string text;
      ARBITER_ASSIGN(text, poll.String());
      if (text.ends_with("ms")) {
        std::optional<int64_t> ms = ParseInt(std::string_view(text).substr(0, text.size() - 2));
        if (!ms || *ms < 10 || *ms > 3'600'000) {
          return poll.Error(StrCat("'", text, "'"),
                            "a duration of at least 10ms, e.g. 500ms or 2s");
        }
        slurm.poll_interval_ms = *ms;
      } else {
        Duration seconds = 0;
        ARBITER_ASSIGN(seconds, poll.Seconds());
        if (seconds < 1) return poll.Error("0", "a duration of at least 10ms, e.g. 500ms or 2s");
        slurm.poll_interval_ms = seconds * 1000;
      }
    }
    ARBITER_ASSIGN(slurm.command_timeout, f.Child("command_timeout").SecondsOr(30));
    if (slurm.command_timeout < 1) {
      return f.Child("command_timeout").Error("0", "a duration of at least 1s");
    }
    ARBITER_ASSIGN(slurm.lost_after, f.Child("lost_after").SecondsOr(300));
    ARBITER_ASSIGN(slurm.start_timeout, f.Child("start_timeout").SecondsOr(600));
    if (s_.live.backends.size() <= id.index()) s_.live.backends.resize(id.index() + 1);
    s_.live.backends[id.index()] = std::move(backend);
    return absl::OkStatus();
  }

  // tokens: who may use the API; only each secret's SHA-256 is kept.
  absl::Status Tokens(const Field& list) {
    size_t n = 0;
    ARBITER_ASSIGN(n, list.ListSize());
    for (size_t i = 0; i < n; ++i) {
      Field t = list.Item(i);
      ARBITER_RETURN_IF_ERROR(
          t.OnlyKeys({"name", "scope", "tenant", "provider", "file", "sha256"}));
      ApiToken token;
      const int scopes = static_cast<int>(t.Child("scope").defined()) +
                         static_cast<int>(t.Child("tenant").defined()) +
                         static_cast<int>(t.Child("provider").defined());
      if (scopes != 1) {
        return t.Error(scopes == 0 ? "no scope" : "more than one scope",
                       "one of scope: admin, tenant: NAME, provider: NAME");
      }
      if (t.Child("scope").defined()) {
        std::string scope;
        ARBITER_ASSIGN(scope, t.Child("scope").String());
        if (scope != "admin") {
          return t.Child("scope").Error(StrCat("unknown scope '", scope, "'"),
                                        "admin (a tenant's or provider's token says tenant: NAME "
                                        "or provider: NAME)");
        }
        token.scope = TokenScope::kAdmin;
        token.name = "admin";
      } else if (t.Child("tenant").defined()) {
        token.scope = TokenScope::kTenant;
        ARBITER_ASSIGN(token.tenant, TenantRef(t.Child("tenant")));
        token.name = StrCat("tenant ", s_.fleet.tenant(token.tenant).name);
      } else {
        token.scope = TokenScope::kProvider;
        ARBITER_ASSIGN(token.provider, ProviderRef(t.Child("provider")));
        token.name = StrCat("provider ", s_.fleet.provider(token.provider).name);
      }
      ARBITER_ASSIGN(token.name, t.Child("name").StringOr(token.name));
      const bool file = t.Child("file").defined();
      if (file == t.Child("sha256").defined()) {
        return t.Error(file ? "both file and sha256" : "no secret",
                       "file: <path of a file holding the token> or sha256: <its 64 hex digits>");
      }
      if (file) {
        Field f = t.Child("file");
        std::string path;
        ARBITER_ASSIGN(path, f.String());
        absl::StatusOr<std::string> text = ReadFile(ResolvePath(file_, path));
        if (!text.ok()) return f.Error(std::string(text.status().message()));
        const std::string_view secret = StripWhitespace(*text);
        const bool printable = std::all_of(secret.begin(), secret.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) ||
                 std::string_view("-._~+/=").find(c) != std::string_view::npos;
        });
        if (secret.size() < 16 || !printable) {
          return f.Error(StrCat("the token in ", path, " is not usable"),
                         "at least 16 characters of A-Z a-z 0-9 - . _ ~ + / = (a bearer token)");
        }
        token.sha256 = Sha256(secret);
      } else {
        std::string hex;
        ARBITER_ASSIGN(hex, t.Child("sha256").String());
        std::optional<Sha256Digest> digest = ParseSha256Hex(hex);
        if (!digest) {
          return t.Child("sha256").Error("not a SHA-256 digest",
                                         "64 hex digits (e.g. from sha256sum)");
        }
        token.sha256 = *digest;
      }
      for (const ApiToken& other : s_.live.tokens) {
        if (other.sha256 == token.sha256) {
          return t.Error(StrCat("the same secret as the token of ", other.name),
                         "a different secret for every token");
        }
      }
      s_.live.tokens.push_back(std::move(token));
    }
    return absl::OkStatus();
  }

  // A holding carved from `parent` by contracts[index] (CheckHolding).
  struct Held {
    PoolId parent;
    Time start = 0;
    Time end = 0;
    int64_t nodes = 0;
    size_t index = 0;
  };

  std::string_view file_;
  Scenario& s_;
  const ScenarioLoadOptions& options_;
  uint64_t seed_;
  const OverrideSources& overrides_;
  std::vector<Held> held_;
  // Spot contracts that preempt (contract index, the preemption without its pool), and where
  // each entry of faults.spot came from ("faults.spot[2]", "contracts[4]").
  std::vector<std::pair<size_t, SpotPreemption>> spot_contracts_;
  std::vector<std::string> spot_sources_;
  int64_t generated_jobs_ = 0;  // by profiles so far (ScenarioLoadOptions::max_generated_jobs)
  std::map<std::string, GavelThroughputs> throughputs_;
  std::map<std::string, std::vector<CatalogRow>> catalogs_;
};

// Applies "a.b[2].c=value" to the YAML tree and returns the key's path as Field spells it
// ("a.b[2].c"). `root` is a handle: edits through it change the caller's tree.
absl::StatusOr<std::string> ApplyOverride(
    YAML::Node root,  // NOLINT(performance-unnecessary-value-param)
    std::string_view assignment, std::string_view source) {
  const size_t eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return absl::InvalidArgumentError(
        StrCat(source, ": expected KEY=VALUE, e.g. workloads[0].limit=100"));
  }
  const std::string_view key = assignment.substr(0, eq);
  const std::string value(assignment.substr(eq + 1));
  // Walk the path, creating map keys as needed; list indexes must exist.
  std::vector<YAML::Node> trail{root};
  size_t pos = 0;
  std::string walked;
  std::optional<std::string> last_key;  // the map key the path ends on, if it ends on one
  while (pos < key.size()) {
    YAML::Node current = trail.back();
    if (key[pos] == '.') ++pos;
    if (pos < key.size() && key[pos] == '[') {
      const size_t close = key.find(']', pos);
      std::optional<int64_t> index = close == std::string_view::npos
                                         ? std::nullopt
                                         : ParseInt(key.substr(pos + 1, close - pos - 1));
      if (!index || !current.IsSequence() || *index < 0 ||
          static_cast<size_t>(*index) >= current.size()) {
        return absl::InvalidArgumentError(
            StrCat(source, ": ", walked.empty() ? "the scenario" : walked, " has no item ",
                   key.substr(pos, close == std::string_view::npos ? 1 : close - pos + 1)));
      }
      walked += StrCat("[", *index, "]");
      trail.push_back(current[static_cast<size_t>(*index)]);
      pos = close + 1;
      last_key.reset();
      continue;
    }
    size_t end = pos;
    while (end < key.size() && key[end] != '.' && key[end] != '[') ++end;
    const std::string name(key.substr(pos, end - pos));
    if (name.empty()) return absl::InvalidArgumentError(StrCat(source, ": empty key"));
    if (!current.IsMap()) {
      return absl::InvalidArgumentError(
          StrCat(source, ": ", walked.empty() ? "the scenario" : walked, " is not a mapping"));
    }
    walked += (walked.empty() ? "" : ".") + name;
    if (end == key.size()) {
      last_key = name;
      break;
    }
    if (!current[name].IsDefined()) current[name] = YAML::Node(YAML::NodeType::Map);
    trail.push_back(current[name]);
    pos = end;
  }
  // The value's own structure, with errors naming the override.
  if (absl::Status s = CheckYamlStructure(source, value, walked); !s.ok()) return s;
  YAML::Node parsed;
  try {
    parsed = YAML::Load(value);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(StrCat(source, ": the value is not YAML: ", e.msg));
  }
  if (last_key) {
    YAML::Node current = trail.back();
    current[*last_key] = parsed;
  } else {
    // The path ended on a list item: replace it.
    YAML::Node target = trail.back();
    target = parsed;
  }
  return walked;
}

}  // namespace

absl::StatusOr<Scenario> ParseScenario(std::string_view file, std::string_view yaml,
                                       const ScenarioLoadOptions& options) {
  if (absl::Status s = CheckUtf8(file, yaml); !s.ok()) return s;
  if (absl::Status s = CheckYamlStructure(file, yaml); !s.ok()) return s;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return ParseError({file, e.mark.line >= 0 ? e.mark.line + 1 : 0, {}},
                      StrCat("not valid YAML: ", e.msg));
  }
  OverrideSources sources;
  try {
    for (const std::string& o : options.overrides) {
      std::string source = StrCat("--set '", o, "'");
      if (absl::Status s = CheckUtf8(source, o); !s.ok()) return s;
      absl::StatusOr<std::string> path = ApplyOverride(root, o, source);
      if (!path.ok()) return path.status();
      // An earlier override of the same key, or of a key inside this one, would be ignored.
      for (const OverrideSource& earlier : sources) {
        if (Within(earlier.path, *path)) {
          return absl::InvalidArgumentError(StrCat(earlier.text, ": replaced by the later ", source,
                                                   "; expected each key set once"));
        }
      }
      sources.push_back({*std::move(path), std::move(source)});
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(StrCat("--set: unexpected YAML structure: ", e.msg));
  }
  Scenario scenario;
  try {
    Loader loader(file, scenario, options, sources);
    if (absl::Status s = loader.Load(root); !s.ok()) return s;
  } catch (const YAML::Exception& e) {
    return ParseError({file, e.mark.line >= 0 ? e.mark.line + 1 : 0, {}},
                      StrCat("unexpected YAML structure: ", e.msg));
  }
  return scenario;
}

absl::StatusOr<Scenario> LoadScenario(const std::string& path, const ScenarioLoadOptions& options) {
  absl::StatusOr<std::string> text = ReadFile(path, kMaxScenarioBytes);
  if (!text.ok()) return text.status();
  return ParseScenario(path, *text, options);
}

}  // namespace arbiter
