#include "serve/views.h"

#include <algorithm>
#include <array>

#include "model/strings.h"
#include "nlohmann/json.hpp"

namespace arbiter::serve {

namespace {

using Json = nlohmann::ordered_json;

// Every view's text. Names and specs are UTF-8 (their readers check), but a view also shows text
// a backend reported (why a launch failed, a Slurm reason), which may hold any bytes: those are
// written as U+FFFD rather than failing the request.
std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json TimeOrNull(const Driver& d, Time t) {
  if (t == kNever) return nullptr;
  return d.epoch() + t;
}

Json PoolOrNull(const Driver& d, PoolId pool) {
  if (!pool.valid()) return nullptr;
  return d.fleet().pool(pool).name;
}

std::string ContractName(ContractKind kind) { return std::string(ContractKindName(kind)); }

// Under which contract `tenant` uses `pool` when charged as `charge`, in words.
std::string ContractOf(const Fleet& fleet, TenantId tenant, PoolId pool, ChargeKind charge) {
  const Pool& p = fleet.pool(pool);
  const std::string& provider = fleet.provider(p.provider).name;
  switch (charge) {
    case ChargeKind::kInternal:
      return StrCat("first-party capacity of ", provider);
    case ChargeKind::kCommitted:
    case ChargeKind::kReserved: {
      if (p.holding) {
        const Contract& c = fleet.contracts[p.holding->index()];
        return StrCat(ContractName(c.kind()), " with ", provider, " (contract ", p.holding->value(),
                      ")");
      }
      return StrCat("holding with ", provider);
    }
    case ChargeKind::kOnDemand:
    case ChargeKind::kSpot:
    case ChargeKind::kEgress:
      break;
  }
  for (size_t i = 0; i < fleet.contracts.size(); ++i) {
    const Contract& c = fleet.contracts[i];
    if (c.tenant != tenant || c.provider != p.provider) continue;
    if (const auto* od = std::get_if<OnDemandTerms>(&c.terms); od && charge != ChargeKind::kSpot) {
      return StrCat("on_demand contract with ", provider, " (contract ", i, ", discount ",
                    Format("%.2f", static_cast<double>(od->discount) / 1e4), "%)");
    }
    if (const auto* sp = std::get_if<SpotTerms>(&c.terms); sp && charge == ChargeKind::kSpot) {
      return StrCat("spot contract with ", provider, " (contract ", i, ", discount ",
                    Format("%.2f", static_cast<double>(sp->discount) / 1e4), "%)");
    }
  }
  return StrCat("contract with ", provider);
}

Json AuditJson(const Driver& d, const AuditRecord& r) {
  const Fleet& fleet = d.fleet();
  Json j = Json::object();
  j["time"] = d.epoch() + r.time;
  j["kind"] = StrCat("market_", AuditKindName(r.kind));
  j["request"] = r.request;
  if (r.provider.valid()) j["provider"] = fleet.provider(r.provider).name;
  if (r.kind == AuditKind::kAsk || r.kind == AuditKind::kOffer || r.kind == AuditKind::kDecline ||
      r.kind == AuditKind::kTimeout || r.kind == AuditKind::kAward) {
    j["phase"] = std::string(AskPhaseName(r.phase));
  }
  if (r.pool.valid()) j["pool"] = fleet.pool(r.pool).name;
  if (r.accelerators > 0) j["accelerators"] = r.accelerators;
  if (r.kind == AuditKind::kOffer || r.kind == AuditKind::kAward || r.kind == AuditKind::kDeliver ||
      r.kind == AuditKind::kLate || r.kind == AuditKind::kRelease) {
    j["price_per_accelerator_hour_usd"] = Dollars(r.price_per_accel_hour);
    j["start"] = d.epoch() + r.start;
  }
  return j;
}

Json ChargeJson(const Driver& d, const Charge& c) {
  const Fleet& fleet = d.fleet();
  Json j = Json::object();
  j["time"] = d.epoch() + c.end;
  j["kind"] = "charge";
  j["charge"] = std::string(ChargeKindName(c.kind));
  if (c.provider.valid()) j["provider"] = fleet.provider(c.provider).name;
  if (c.pool.valid()) j["pool"] = fleet.pool(c.pool).name;
  j["from"] = d.epoch() + c.start;
  j["to"] = d.epoch() + c.end;
  j["accelerators"] = c.accelerators;
  j["price_per_accelerator_hour_usd"] = Dollars(c.price_per_accel_hour);
  j["amount_micros"] = c.amount;
  j["amount_usd"] = Dollars(c.amount);
  return j;
}

const PoolBackend* BackendOf(const Scenario& s, PoolId pool) {
  const Pool& p = s.fleet.pool(pool);
  return s.live.BackendOf(p.parent ? *p.parent : pool);
}

std::optional<TenantId> FindTenant(const Fleet& fleet, std::string_view name) {
  return fleet.FindTenant(name);
}

}  // namespace

std::string Dollars(Micros micros) {
  char buf[40];
  FormatDollars(micros, buf, sizeof(buf));
  return buf;
}

absl::Status CheckJobVisible(const Driver& d, const Principal& who, JobId job) {
  if (who.scope == TokenScope::kProvider) {
    return absl::PermissionDeniedError("a provider token cannot see tenants' jobs");
  }
  if (!job.valid() || job.value() >= d.jobs() || !who.SpeaksFor(d.broker().spec(job).tenant)) {
    return absl::NotFoundError(StrCat("no job ", job.value()));
  }
  return absl::OkStatus();
}

std::string ErrorJson(std::string_view message) {
  Json j = Json::object();
  j["error"] = std::string(message);
  return Dump(j);
}

namespace {

Json JobObject(const Driver& d, JobId id, bool with_spec) {
  const Fleet& fleet = d.fleet();
  const Job& spec = d.broker().spec(id);
  const JobOutcome& o = d.broker().outcome(id);
  const JobRecord& r = d.job(id);
  Json j = Json::object();
  j["id"] = id.value();
  j["name"] = spec.name;
  j["tenant"] = spec.tenant.valid() ? Json(fleet.tenant(spec.tenant).name) : Json(nullptr);
  j["state"] = std::string(JobStateName(o.state));
  if (!o.reason.empty()) j["reason"] = o.reason;
  j["priority"] = spec.priority;
  j["accelerators"] = spec.accelerators;
  j["nodes"] = spec.nodes;
  Json types = Json::array();
  for (const Throughput& t : spec.throughputs) {
    if (t.type.valid() && t.type.index() < fleet.accelerator_types.size()) {
      types.push_back(fleet.accelerator_types[t.type.index()].name);
    }
  }
  j["types"] = std::move(types);
  j["max_restarts"] = spec.max_restarts;
  j["submitted_at"] = d.epoch() + spec.submit;
  j["deadline"] = TimeOrNull(d, spec.deadline);
  j["started_at"] = TimeOrNull(d, o.first_start);
  j["ended_at"] = TimeOrNull(d, o.end);
  j["pool"] = PoolOrNull(d, o.pool);
  j["provider"] =
      o.pool.valid() ? Json(fleet.provider(fleet.pool(o.pool).provider).name) : Json(nullptr);
  j["attempts"] = r.attempts;
  j["current_attempt"] = r.running_attempt > 0 ? Json(r.running_attempt) : Json(nullptr);
  j["starts"] = o.starts;
  j["interruptions"] = o.interruptions;
  j["launch_failures"] = o.launch_failures;
  j["failures"] = o.failures;
  if (o.failures > 0) j["exit_code"] = o.exit_code;
  j["accelerator_seconds"] = o.accelerator_seconds;
  j["cost_micros"] = o.cost;
  j["cost_usd"] = Dollars(o.cost);
  if (!r.idempotency_key.empty()) j["idempotency_key"] = r.idempotency_key;
  if (with_spec && !r.spec_json.empty()) {
    j["spec"] = Json::parse(r.spec_json, nullptr, /*allow_exceptions=*/false);
  }
  return j;
}

}  // namespace

std::string JobJson(const Driver& d, JobId job) { return Dump(JobObject(d, job, true)); }

absl::StatusOr<std::string> JobsJson(const Driver& d, const Principal& who, const JobQuery& q) {
  if (who.scope == TokenScope::kProvider) {
    return absl::PermissionDeniedError("a provider token cannot list jobs");
  }
  const Fleet& fleet = d.fleet();
  std::optional<TenantId> tenant;
  if (who.scope == TokenScope::kTenant) {
    tenant = who.tenant;
    if (!q.tenant.empty() && q.tenant != fleet.tenant(who.tenant).name) {
      return absl::NotFoundError(StrCat("tenant: no tenant '", q.tenant, "'"));
    }
  } else if (!q.tenant.empty()) {
    tenant = FindTenant(fleet, q.tenant);
    if (!tenant) return absl::NotFoundError(StrCat("tenant: no tenant '", q.tenant, "'"));
  }
  std::optional<JobState> state;
  if (!q.state.empty()) {
    for (int s = 0; s < 16; ++s) {
      if (JobStateName(static_cast<JobState>(s)) == q.state) state = static_cast<JobState>(s);
    }
    if (!state) {
      return absl::InvalidArgumentError(StrCat("state: unknown job state '", q.state, "'"));
    }
  }
  Json jobs = Json::array();
  Json next = nullptr;
  const auto consider = [&](JobId id) {
    if (id.value() <= q.after) return true;
    if (state && d.broker().outcome(id).state != *state) return true;
    if (static_cast<int64_t>(jobs.size()) >= q.limit) {
      next = jobs.empty() ? Json(nullptr) : jobs.back()["id"];
      return false;
    }
    jobs.push_back(JobObject(d, id, false));
    return true;
  };
  if (tenant) {
    const std::vector<JobId>& own = d.jobs_of(*tenant);
    auto it = std::upper_bound(own.begin(), own.end(),
                               JobId(static_cast<int32_t>(std::min<int64_t>(q.after, INT32_MAX))));
    for (; it != own.end() && consider(*it); ++it) {
    }
  } else {
    for (int64_t i = std::max<int64_t>(0, q.after + 1); i < d.jobs(); ++i) {
      if (!consider(JobId(static_cast<int32_t>(i)))) break;
    }
  }
  Json out = Json::object();
  out["jobs"] = std::move(jobs);
  out["next_after"] = std::move(next);
  return Dump(out);
}

absl::StatusOr<std::string> JobEventsJson(const Driver& d, const Principal& who, JobId job) {
  if (absl::Status s = CheckJobVisible(d, who, job); !s.ok()) return s;
  const Fleet& fleet = d.fleet();
  const Job& spec = d.broker().spec(job);
  const JobRecord& r = d.job(job);
  // In the order things happened: before each note, the market records and charges made before
  // it.
  const std::vector<AuditRecord>& audit = d.broker().audit();
  const std::vector<Charge>& charges = d.broker().ledger().charges();
  Json list = Json::array();
  size_t next_audit = 0;
  size_t next_charge = 0;
  const auto flush = [&](int64_t audit_mark, int64_t charge_mark) {
    while (true) {
      const bool a = next_audit < r.audit.size() && r.audit[next_audit] < audit_mark;
      const bool c = next_charge < r.charges.size() && r.charges[next_charge] < charge_mark;
      if (!a && !c) break;
      // Between two notes, market records and charges by time (a charge first at a tie: a run
      // ends before the market is asked for the next).
      if (c && (!a || charges[r.charges[next_charge]].end <= audit[r.audit[next_audit]].time)) {
        list.push_back(ChargeJson(d, charges[r.charges[next_charge++]]));
      } else {
        list.push_back(AuditJson(d, audit[r.audit[next_audit++]]));
      }
    }
  };
  for (const Note& n : r.notes) {
    flush(n.audit_mark, n.charge_mark);
    Json j = Json::object();
    j["time"] = d.epoch() + n.time;
    j["kind"] = std::string(NoteKindName(n.kind));
    if (n.attempt > 0) j["attempt"] = n.attempt;
    if (n.pool.valid()) j["pool"] = fleet.pool(n.pool).name;
    if (n.kind == NoteKind::kLaunched) {
      const std::string contract = ContractOf(fleet, spec.tenant, n.pool, n.charge);
      j["policy"] = d.policy_name();
      j["charge"] = std::string(ChargeKindName(n.charge));
      j["price_per_accelerator_hour_usd"] = Dollars(n.price);
      j["contract"] = contract;
      j["why"] = StrCat("the ", d.policy_name(), " policy placed it on ", fleet.pool(n.pool).name,
                        " under the ", contract, ", at $", Dollars(n.price),
                        " per accelerator-hour (", ChargeKindName(n.charge), ")");
    }
    if (n.kind == NoteKind::kFailed) j["exit_code"] = n.exit_code;
    if (!n.text.empty()) j[n.kind == NoteKind::kCancelled ? "by" : "reason"] = n.text;
    list.push_back(std::move(j));
  }
  flush(INT64_MAX, INT64_MAX);
  Json out = Json::object();
  out["job"] = job.value();
  out["events"] = std::move(list);
  return Dump(out);
}

absl::StatusOr<std::string> PoolsJson(const Driver& d, const Principal& who) {
  const Fleet& fleet = d.fleet();
  const Broker& b = d.broker();
  Json pools = Json::array();
  for (size_t i = 0; i < fleet.pools.size(); ++i) {
    const auto id = PoolId::FromIndex(i);
    const Pool& p = fleet.pools[i];
    Json j = Json::object();
    if (who.scope == TokenScope::kTenant) {
      const std::optional<Access>& access = b.access(who.tenant, id);
      if (!access) continue;  // not a pool it may use
      j["name"] = p.name;
      j["provider"] = fleet.provider(p.provider).name;
      j["region"] = fleet.regions[p.region.index()].name;
      j["type"] = fleet.accelerator_types[p.type.index()].name;
      j["nodes"] = p.nodes;
      j["accelerators_per_node"] = p.accelerators_per_node;
      j["max_gang"] = p.max_gang;
      j["charge"] = std::string(ChargeKindName(access->kind));
      j["price_per_accelerator_hour_usd"] = Dollars(access->price_per_accel_hour);
      j["through_market"] = access->market;
      j["contract"] = ContractOf(fleet, who.tenant, id, access->kind);
      int64_t own_jobs = 0;
      int64_t own_accelerators = 0;
      for (JobId job : b.running_on(id)) {
        if (b.spec(job).tenant != who.tenant) continue;
        ++own_jobs;
        own_accelerators += b.spec(job).accelerators;
      }
      j["your_running_jobs"] = own_jobs;
      j["your_accelerators"] = own_accelerators;
      pools.push_back(std::move(j));
      continue;
    }
    if (who.scope == TokenScope::kProvider && p.provider != who.provider) continue;
    j["name"] = p.name;
    j["provider"] = fleet.provider(p.provider).name;
    j["region"] = fleet.regions[p.region.index()].name;
    j["type"] = fleet.accelerator_types[p.type.index()].name;
    j["nodes"] = b.capacity(id) / std::max(1, p.accelerators_per_node);
    j["accelerators_per_node"] = p.accelerators_per_node;
    j["max_gang"] = p.max_gang;
    j["capacity"] = b.capacity(id);
    j["used"] = b.used(id);
    j["used_first_party"] = b.used_first_party(id);
    j["running_jobs"] = static_cast<int64_t>(b.running_on(id).size());
    if (p.on_demand_price) j["on_demand_price_usd"] = Dollars(*p.on_demand_price);
    if (p.spot_price) j["spot_price_usd"] = Dollars(*p.spot_price);
    if (p.holding) {
      const Contract& c = fleet.contracts[p.holding->index()];
      j["holding_of"] = fleet.tenant(c.tenant).name;
    }
    const PoolBackend* backend = BackendOf(d.scenario(), id);
    j["backend"] = backend ? Json(backend->kind) : Json(nullptr);
    pools.push_back(std::move(j));
  }
  Json out = Json::object();
  out["pools"] = std::move(pools);
  return Dump(out);
}

absl::StatusOr<std::string> ProvidersJson(const Driver& d, const Principal& who) {
  const Fleet& fleet = d.fleet();
  const Broker& b = d.broker();
  Json providers = Json::array();
  for (size_t i = 0; i < fleet.providers.size(); ++i) {
    const auto id = ProviderId::FromIndex(i);
    const Provider& p = fleet.providers[i];
    Json j = Json::object();
    j["name"] = p.name;
    if (who.scope == TokenScope::kTenant) {
      Json contracts = Json::array();
      for (const Contract& c : fleet.contracts) {
        if (c.tenant == who.tenant && c.provider == id) contracts.push_back(ContractName(c.kind()));
      }
      const bool own = fleet.tenant(who.tenant).first_party_of == id;
      if (contracts.empty() && !own) continue;
      if (own) j["first_party"] = true;
      j["contracts"] = std::move(contracts);
      providers.push_back(std::move(j));
      continue;
    }
    if (who.scope == TokenScope::kProvider && id != who.provider) continue;
    Json regions = Json::array();
    for (RegionId r : p.regions) regions.push_back(fleet.regions[r.index()].name);
    j["regions"] = std::move(regions);
    int64_t capacity = 0;
    int64_t used = 0;
    int64_t used_first_party = 0;
    for (size_t k = 0; k < fleet.pools.size(); ++k) {
      if (fleet.pools[k].provider != id) continue;
      capacity += b.capacity(PoolId::FromIndex(k));
      used += b.used(PoolId::FromIndex(k));
      used_first_party += b.used_first_party(PoolId::FromIndex(k));
    }
    j["capacity"] = capacity;
    j["used"] = used;
    j["used_first_party"] = used_first_party;
    j["agent"] = p.agent.policy;
    const ProviderMarket& m = b.provider_market()[i];
    Json market = Json::object();
    market["requests_seen"] = m.requests_seen;
    market["asks"] = m.asks;
    market["accepted_full"] = m.accepted_full;
    market["accepted_part"] = m.accepted_part;
    market["declined"] = m.declined;
    market["timed_out"] = m.timed_out;
    market["items_won"] = m.items_won;
    market["items_won_by_right"] = m.items_won_by_right;
    market["delivered"] = m.delivered;
    market["delivered_late"] = m.delivered_late;
    market["released"] = m.released;
    j["market"] = std::move(market);
    providers.push_back(std::move(j));
  }
  Json out = Json::object();
  out["providers"] = std::move(providers);
  return Dump(out);
}

absl::StatusOr<std::string> ProviderRequestsJson(const Driver& d, const Principal& who,
                                                 std::string_view provider) {
  const Fleet& fleet = d.fleet();
  const std::optional<ProviderId> id = fleet.FindProvider(provider);
  if (who.scope == TokenScope::kTenant) {
    return absl::PermissionDeniedError("a tenant token cannot read a provider's requests");
  }
  if (!id || !who.SpeaksFor(*id)) {
    return absl::NotFoundError(StrCat("no provider '", provider, "'"));
  }
  Json requests = Json::array();
  for (const Driver::AskRecord& a : d.asks_to(*id)) {
    Json j = Json::object();
    j["request"] = a.ask.request;
    j["tenant"] = fleet.tenant(a.ask.tenant).name;
    j["asked_at"] = d.epoch() + a.asked;
    j["answer_by"] = TimeOrNull(d, a.ask.answer_by);
    j["answered_at"] = TimeOrNull(d, a.answered);
    Json items = Json::array();
    for (size_t k = 0; k < a.ask.items.size(); ++k) {
      const ItemTerms& t = a.ask.items[k];
      Json item = Json::object();
      item["accelerators"] = t.accelerators;
      item["per_node"] = t.per_node;
      Json runtimes = Json::object();
      for (const auto& [type, runtime] : t.runtimes) {
        runtimes[fleet.accelerator_types[type.index()].name] = runtime;
      }
      item["runtimes"] = std::move(runtimes);
      item["earliest_start"] = d.epoch() + t.earliest_start;
      item["latest_start"] = TimeOrNull(d, t.latest_start);
      item["spot"] = t.spot;
      // Its own terms to match (a right of first refusal), never who quoted them.
      if (k < a.ask.match.size() && a.ask.match[k]) {
        item["match_price_per_accelerator_hour_usd"] =
            Dollars(a.ask.match[k]->price_per_accel_hour);
        item["match_start"] = d.epoch() + a.ask.match[k]->start;
      }
      if (a.answered != kNever && k < a.offers.size()) {
        if (a.offers[k]) {
          Json offer = Json::object();
          offer["pool"] = fleet.pool(a.offers[k]->pool).name;
          offer["price_per_accelerator_hour_usd"] = Dollars(a.offers[k]->price_per_accel_hour);
          offer["start"] = d.epoch() + a.offers[k]->start;
          item["your_offer"] = std::move(offer);
        } else {
          item["your_offer"] = nullptr;  // declined
        }
      }
      items.push_back(std::move(item));
    }
    j["items"] = std::move(items);
    requests.push_back(std::move(j));
  }
  Json out = Json::object();
  out["provider"] = fleet.provider(*id).name;
  out["requests"] = std::move(requests);
  return Dump(out);
}

absl::StatusOr<std::string> CostsJson(const Driver& d, const Principal& who,
                                      std::string_view tenant_name) {
  const Fleet& fleet = d.fleet();
  const auto kinds = [](const std::array<Micros, kChargeKinds>& by_kind) {
    Json j = Json::object();
    for (int k = 0; k < kChargeKinds; ++k) {
      if (by_kind[k] != 0)
        j[std::string(ChargeKindName(static_cast<ChargeKind>(k)))] = Dollars(by_kind[k]);
    }
    return j;
  };
  Json out = Json::object();
  out["billed_until"] = d.epoch() + d.now();
  if (who.scope == TokenScope::kProvider) {
    if (!tenant_name.empty()) {
      return absl::PermissionDeniedError("tenant: a provider token sees only its own revenue");
    }
    // Its revenue, by tenant and kind of charge.
    Json tenants = Json::array();
    Micros total = 0;
    for (size_t t = 0; t < fleet.tenants.size(); ++t) {
      std::array<Micros, kChargeKinds> by_kind{};
      Micros sum = 0;
      for (int k = 0; k < kChargeKinds; ++k) {
        by_kind[k] = d.cost(TenantId::FromIndex(t), who.provider, static_cast<ChargeKind>(k));
        sum += by_kind[k];
      }
      if (sum == 0) continue;
      total += sum;
      Json j = Json::object();
      j["tenant"] = fleet.tenants[t].name;
      j["total_usd"] = Dollars(sum);
      j["total_micros"] = sum;
      j["by_kind"] = kinds(by_kind);
      tenants.push_back(std::move(j));
    }
    out["provider"] = fleet.provider(who.provider).name;
    out["revenue_usd"] = Dollars(total);
    out["revenue_micros"] = total;
    out["tenants"] = std::move(tenants);
    return Dump(out);
  }
  std::vector<TenantId> tenants;
  if (who.scope == TokenScope::kTenant) {
    if (!tenant_name.empty() && tenant_name != fleet.tenant(who.tenant).name) {
      return absl::NotFoundError(StrCat("tenant: no tenant '", tenant_name, "'"));
    }
    tenants.push_back(who.tenant);
  } else if (!tenant_name.empty()) {
    const std::optional<TenantId> t = fleet.FindTenant(tenant_name);
    if (!t) return absl::NotFoundError(StrCat("tenant: no tenant '", tenant_name, "'"));
    tenants.push_back(*t);
  } else {
    for (size_t t = 0; t < fleet.tenants.size(); ++t) tenants.push_back(TenantId::FromIndex(t));
  }
  Json list = Json::array();
  for (TenantId t : tenants) {
    Json j = Json::object();
    j["tenant"] = fleet.tenant(t).name;
    std::array<Micros, kChargeKinds> by_kind{};
    Json providers = Json::object();
    Micros total = 0;
    for (size_t p = 0; p < fleet.providers.size(); ++p) {
      Micros sum = 0;
      for (int k = 0; k < kChargeKinds; ++k) {
        const Micros c = d.cost(t, ProviderId::FromIndex(p), static_cast<ChargeKind>(k));
        by_kind[k] += c;
        sum += c;
      }
      if (sum != 0) providers[fleet.providers[p].name] = Dollars(sum);
      total += sum;
    }
    int64_t jobs = 0;
    int64_t running = 0;
    for (JobId job : d.jobs_of(t)) {
      ++jobs;
      running += d.broker().outcome(job).state == JobState::kRunning ? 1 : 0;
    }
    j["total_usd"] = Dollars(total);
    j["total_micros"] = total;
    j["by_provider"] = std::move(providers);
    j["by_kind"] = kinds(by_kind);
    j["jobs"] = jobs;
    j["running_jobs"] = running;
    list.push_back(std::move(j));
  }
  out["tenants"] = std::move(list);
  return Dump(out);
}

std::string WhoamiJson(const Driver& d, const Principal& who) {
  Json j = Json::object();
  j["name"] = who.name;
  switch (who.scope) {
    case TokenScope::kAdmin:
      j["scope"] = "admin";
      break;
    case TokenScope::kTenant:
      j["scope"] = "tenant";
      j["tenant"] = d.fleet().tenant(who.tenant).name;
      break;
    case TokenScope::kProvider:
      j["scope"] = "provider";
      j["provider"] = d.fleet().provider(who.provider).name;
      break;
  }
  return Dump(j);
}

std::string MetricsText(const Driver& d, const Histogram::Snapshot& requests) {
  const Fleet& fleet = d.fleet();
  const Broker& b = d.broker();
  PrometheusWriter w;
  w.Family("arbiter_queue_jobs", "gauge", "Jobs waiting for capacity.");
  w.Sample("arbiter_queue_jobs", {}, b.pending_jobs());
  w.Family("arbiter_queue_accelerators", "gauge", "Accelerators the waiting jobs need.");
  w.Sample("arbiter_queue_accelerators", {}, b.pending_accelerators());
  std::array<int64_t, 16> by_state{};
  for (const JobOutcome& o : b.outcomes()) ++by_state[static_cast<size_t>(o.state) & 15];
  w.Family("arbiter_jobs", "gauge", "Jobs by state.");
  for (size_t s = 0; s < by_state.size(); ++s) {
    const std::string_view name = JobStateName(static_cast<JobState>(s));
    if (name == "unknown") continue;
    w.Sample("arbiter_jobs", {{"state", std::string(name)}}, by_state[s]);
  }
  w.Family("arbiter_pool_running_jobs", "gauge", "Jobs running per pool.");
  for (size_t i = 0; i < fleet.pools.size(); ++i) {
    w.Sample("arbiter_pool_running_jobs", {{"pool", fleet.pools[i].name}},
             static_cast<int64_t>(b.running_on(PoolId::FromIndex(i)).size()));
  }
  w.Family("arbiter_pool_used_accelerators", "gauge",
           "Accelerators in use per pool (running jobs and launches in progress).");
  for (size_t i = 0; i < fleet.pools.size(); ++i) {
    w.Sample("arbiter_pool_used_accelerators", {{"pool", fleet.pools[i].name}},
             b.used(PoolId::FromIndex(i)));
  }
  w.Family("arbiter_pool_capacity_accelerators", "gauge", "Accelerators per pool.");
  for (size_t i = 0; i < fleet.pools.size(); ++i) {
    w.Sample("arbiter_pool_capacity_accelerators", {{"pool", fleet.pools[i].name}},
             b.capacity(PoolId::FromIndex(i)));
  }
  const DriverCounters& c = d.counters();
  // By index in the Command variant.
  static constexpr const char* kCommands[] = {"start_job",    "stop_job",     "reject_job",
                                              "set_timer",    "ask_provider", "request_closed",
                                              "cancel_start", "run_moved"};
  static_assert(std::size(kCommands) == std::variant_size_v<Command>,
                "a name for every command of the core");
  static_assert(std::variant_size_v<Command> <=
                sizeof(DriverCounters::decisions) / sizeof(int64_t));
  w.Family("arbiter_decisions_total", "counter", "Commands the broker core issued, by kind.");
  for (size_t k = 0; k < std::size(kCommands); ++k) {
    w.Sample("arbiter_decisions_total", {{"command", kCommands[k]}}, c.decisions[k]);
  }
  w.Family("arbiter_market_asks_total", "counter", "Capacity requests put to each provider.");
  for (size_t p = 0; p < fleet.providers.size(); ++p) {
    w.Sample("arbiter_market_asks_total", {{"provider", fleet.providers[p].name}}, c.asks[p]);
  }
  w.Family("arbiter_market_answers_total", "counter",
           "Items of capacity requests each provider answered, by answer.");
  for (size_t p = 0; p < fleet.providers.size(); ++p) {
    w.Sample("arbiter_market_answers_total",
             {{"provider", fleet.providers[p].name}, {"answer", "offer"}}, c.answers_offered[p]);
    w.Sample("arbiter_market_answers_total",
             {{"provider", fleet.providers[p].name}, {"answer", "decline"}}, c.answers_declined[p]);
  }
  w.Family("arbiter_ledger_micro_dollars_total", "counter",
           "Charges in the ledger, by tenant, provider and kind of charge (micro-dollars).");
  for (size_t t = 0; t < fleet.tenants.size(); ++t) {
    for (size_t p = 0; p < fleet.providers.size(); ++p) {
      for (int k = 0; k < kChargeKinds; ++k) {
        const Micros amount =
            d.cost(TenantId::FromIndex(t), ProviderId::FromIndex(p), static_cast<ChargeKind>(k));
        if (amount == 0) continue;
        w.Sample("arbiter_ledger_micro_dollars_total",
                 {{"tenant", fleet.tenants[t].name},
                  {"provider", fleet.providers[p].name},
                  {"kind", std::string(ChargeKindName(static_cast<ChargeKind>(k)))}},
                 amount);
      }
    }
  }
  w.Family("arbiter_event_log_records", "gauge", "Records in the event log.");
  w.Sample("arbiter_event_log_records", {}, d.log().last_seq());
  w.Family("arbiter_event_log_commit_failures_total", "counter",
           "Transactions of the event log that failed (nothing in them was acknowledged).");
  w.Sample("arbiter_event_log_commit_failures_total", {}, c.commit_failures);
  w.WriteHistogram("arbiter_event_log_commit_seconds",
                   "Time to commit one batch of events (one transaction, one fsync).",
                   d.log().commit_latency().Take());
  w.WriteHistogram("arbiter_http_request_seconds", "Time to answer an API request.", requests);
  w.Family("arbiter_replay_seconds", "gauge", "Time the last start took to replay the event log.");
  w.Sample("arbiter_replay_seconds", {}, d.replay_seconds());
  w.Family("arbiter_core_errors_total", "counter",
           "Events the core refused as protocol errors (a daemon bug if not zero).");
  w.Sample("arbiter_core_errors_total", {}, c.core_errors);
  return w.text();
}

}  // namespace arbiter::serve
