#include "market/exchange.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace arbiter {

AskPhase Exchange::AuditPhase(Phase phase) {
  switch (phase) {
    case Phase::kFirstLook:
      return AskPhase::kFirstLook;
    case Phase::kQuote:
      return AskPhase::kQuote;
    case Phase::kMatch:
      return AskPhase::kMatch;
    case Phase::kOpen:
      return AskPhase::kOpen;
  }
  return AskPhase::kOpen;
}

AuditRecord Exchange::Base(Time now, const Request& r, AuditKind kind) const {
  AuditRecord record;
  record.time = now;
  record.kind = kind;
  record.request = r.id;
  record.tenant = r.spec.tenant;
  return record;
}

Duration Exchange::holder_wait(TenantId tenant) const {
  auto it = holder_wait_.find(tenant);
  return it == holder_wait_.end() ? 0 : it->second;
}

std::optional<Duration> Exchange::RuntimeOf(const ItemTerms& item, ProviderId provider,
                                            const Offer& offer) const {
  if (!offer.pool.valid() || offer.pool.index() >= fleet_.pools.size()) return std::nullopt;
  if (offer.price_per_accel_hour < 0) return std::nullopt;
  const Pool& pool = fleet_.pool(offer.pool);
  if (pool.provider != provider) return std::nullopt;
  for (const auto& [type, runtime] : item.runtimes) {
    if (type == pool.type) return runtime;
  }
  return std::nullopt;
}

bool Exchange::Better(const Request& r, int32_t item, const Offer& a, ProviderId pa, const Offer& b,
                      ProviderId pb, Time now) const {
  const ItemTerms& terms = r.spec.items[item].terms;
  const Duration ra = *RuntimeOf(terms, pa, a);
  const Duration rb = *RuntimeOf(terms, pb, b);
  const Time fa = std::max(a.start, now) + ra;
  const Time fb = std::max(b.start, now) + rb;
  const Micros ca = ChargeFor(terms.accelerators, ra, a.price_per_accel_hour);
  const Micros cb = ChargeFor(terms.accelerators, rb, b.price_per_accel_hour);
  if (r.spec.preference == OfferPreference::kCost) {
    return std::tie(ca, fa, pa) < std::tie(cb, fb, pb);
  }
  return std::tie(fa, ca, pa) < std::tie(fb, cb, pb);
}

RequestId Exchange::Open(Time now, RequestSpec spec, ExchangeOutbox& out) {
  Request fresh;
  fresh.id = next_id_++;
  fresh.spec = std::move(spec);
  fresh.phase_start = now;
  const size_t n = fresh.spec.items.size();
  fresh.best.resize(n);
  fresh.settled.assign(n, false);
  auto [it, inserted] = open_.emplace(fresh.id, std::move(fresh));
  Request& r = it->second;
  const RequestId id = r.id;
  for (size_t i = 0; i < n; ++i) {
    AuditRecord record = Base(now, r, AuditKind::kRequest);
    record.item = static_cast<int32_t>(i);
    record.accelerators = r.spec.items[i].terms.accelerators;
    record.job = r.spec.items[i].job;
    out.Record(record);
  }
  for (size_t i = 0; i < n; ++i) {
    if (!r.spec.items[i].providers.empty()) continue;
    r.settled[i] = true;
    AuditRecord record = Base(now, r, AuditKind::kUnplaced);
    record.item = static_cast<int32_t>(i);
    record.job = r.spec.items[i].job;
    out.Record(record);
    out.Unplaced(id, static_cast<int32_t>(i));
  }
  const auto holder_may_serve = [&r](const ExchangeItem& item) {
    return item.covered && r.spec.holder &&
           std::binary_search(item.providers.begin(), item.providers.end(), *r.spec.holder);
  };
  bool holder_first = false;
  for (size_t i = 0; i < n; ++i) holder_first |= !r.settled[i] && holder_may_serve(r.spec.items[i]);
  if (holder_first && r.spec.rofr.mode == RofrMode::kRofo) {
    AskPlan asks;
    for (size_t i = 0; i < n; ++i) {
      if (!r.settled[i] && holder_may_serve(r.spec.items[i])) {
        asks[*r.spec.holder].push_back(static_cast<int32_t>(i));
      }
    }
    r.deadline = now + r.spec.rofr.window;
    SendAsks(now, r, Phase::kFirstLook, asks, out);
    out.WakeAt(r.deadline, id);
  } else if (holder_first) {
    AskPlan asks;
    for (size_t i = 0; i < n; ++i) {
      if (r.settled[i]) continue;
      const ExchangeItem& item = r.spec.items[i];
      for (ProviderId p : item.providers) {
        if (item.covered && p == *r.spec.holder) continue;
        asks[p].push_back(static_cast<int32_t>(i));
      }
    }
    if (asks.empty()) {
      StartMatchPhase(now, r, out);
    } else {
      r.deadline = r.spec.quote_window > 0 ? now + r.spec.quote_window : kNever;
      SendAsks(now, r, Phase::kQuote, asks, out);
      if (r.deadline != kNever) out.WakeAt(r.deadline, id);
    }
  } else {
    StartOpenPhase(now, r, false, out);
  }
  if (std::all_of(r.settled.begin(), r.settled.end(), [](bool s) { return s; })) {
    open_.erase(id);
    out.Closed(id);
  }
  return id;
}

void Exchange::SendAsks(Time now, Request& r, Phase phase, const AskPlan& asks,
                        ExchangeOutbox& out) {
  r.phase = phase;
  r.phase_start = now;
  r.waiting = asks;
  const AskPhase audit_phase = AuditPhase(phase);
  for (const auto& [provider, items] : asks) {
    Ask ask;
    ask.request = r.id;
    ask.provider = provider;
    ask.tenant = r.spec.tenant;
    ask.answer_by = (phase == Phase::kFirstLook || phase == Phase::kMatch) ? r.deadline : kNever;
    for (int32_t i : items) {
      ask.items.push_back(r.spec.items[i].terms);
      if (phase == Phase::kMatch) {
        if (r.best[i]) {
          ask.match.push_back(
              MatchTerms{r.best[i]->second.price_per_accel_hour, r.best[i]->second.start});
        } else {
          ask.match.push_back(std::nullopt);
        }
      }
    }
    for (int32_t i : items) {
      AuditRecord record = Base(now, r, AuditKind::kAsk);
      record.provider = provider;
      record.item = i;
      record.accelerators = r.spec.items[i].terms.accelerators;
      record.phase = audit_phase;
      if (phase == Phase::kMatch && r.best[i]) {
        record.price_per_accel_hour = r.best[i]->second.price_per_accel_hour;
        record.start = r.best[i]->second.start;
      }
      record.job = r.spec.items[i].job;
      out.Record(record);
    }
    out.SendAsk(std::move(ask));
  }
}

void Exchange::StartOpenPhase(Time now, Request& r, bool exclude_holder_for_covered,
                              ExchangeOutbox& out) {
  AskPlan asks;
  for (size_t i = 0; i < r.spec.items.size(); ++i) {
    if (r.settled[i]) continue;
    const ExchangeItem& item = r.spec.items[i];
    for (ProviderId p : item.providers) {
      if (exclude_holder_for_covered && item.covered && r.spec.holder && p == *r.spec.holder) {
        continue;
      }
      asks[p].push_back(static_cast<int32_t>(i));
    }
  }
  if (asks.empty()) {
    Finish(now, r, out);
    return;
  }
  r.deadline = r.spec.quote_window > 0 ? now + r.spec.quote_window : kNever;
  SendAsks(now, r, Phase::kOpen, asks, out);
  if (r.deadline != kNever) out.WakeAt(r.deadline, r.id);
}

void Exchange::StartMatchPhase(Time now, Request& r, ExchangeOutbox& out) {
  AskPlan asks;
  for (size_t i = 0; i < r.spec.items.size(); ++i) {
    const ExchangeItem& item = r.spec.items[i];
    if (r.settled[i] || !item.covered || !r.spec.holder) continue;
    if (std::binary_search(item.providers.begin(), item.providers.end(), *r.spec.holder)) {
      asks[*r.spec.holder].push_back(static_cast<int32_t>(i));
    }
  }
  if (asks.empty()) {
    Finish(now, r, out);
    return;
  }
  r.deadline = now + r.spec.rofr.window;
  SendAsks(now, r, Phase::kMatch, asks, out);
  out.WakeAt(r.deadline, r.id);
}

void Exchange::OnAnswer(Time now, const Answer& answer, ExchangeOutbox& out) {
  auto it = open_.find(answer.request);
  if (it == open_.end()) return;
  Request& r = it->second;
  auto asked = r.waiting.find(answer.provider);
  if (asked == r.waiting.end()) return;  // not asked in this phase (or answered after a timeout)
  const absl::InlinedVector<int32_t, 2> items = std::move(asked->second);
  r.waiting.erase(asked);
  OfferList offers(items.size());
  for (size_t k = 0; k < items.size(); ++k) {
    const int32_t i = items[k];
    AuditRecord record = Base(now, r, AuditKind::kDecline);
    record.provider = answer.provider;
    record.item = i;
    record.accelerators = r.spec.items[i].terms.accelerators;
    record.job = r.spec.items[i].job;
    record.phase = AuditPhase(r.phase);
    if (answer.offers.size() == items.size() && answer.offers[k] &&
        RuntimeOf(r.spec.items[i].terms, answer.provider, *answer.offers[k])) {
      offers[k] = *answer.offers[k];
      offers[k]->start = std::max(offers[k]->start, now);
      record.kind = AuditKind::kOffer;
      record.pool = offers[k]->pool;
      record.price_per_accel_hour = offers[k]->price_per_accel_hour;
      record.start = offers[k]->start;
    }
    out.Record(record);
  }
  const RequestId id = r.id;
  if (r.phase == Phase::kFirstLook || r.phase == Phase::kMatch) {
    HolderAnswered(now, r, items, offers, out);
  } else {
    for (size_t k = 0; k < items.size(); ++k) {
      const int32_t i = items[k];
      if (!offers[k]) continue;
      if (!r.best[i] ||
          Better(r, i, *offers[k], answer.provider, r.best[i]->second, r.best[i]->first, now)) {
        r.best[i] = std::make_pair(answer.provider, *offers[k]);
      }
    }
    if (r.waiting.empty()) PhaseComplete(now, r, out);
  }
  const RequestId still_id = id;
  auto still = open_.find(id);
  if (still != open_.end() && std::all_of(still->second.settled.begin(),
                                          still->second.settled.end(), [](bool s) { return s; })) {
    open_.erase(still);
    out.Closed(still_id);
  }
}

void Exchange::HolderAnswered(Time now, Request& r, std::span<const int32_t> items,
                              const OfferList& offers, ExchangeOutbox& out) {
  holder_wait_[r.spec.tenant] += now - r.phase_start;
  const ProviderId holder = *r.spec.holder;
  std::vector<size_t> taken;
  for (size_t k = 0; k < items.size(); ++k) {
    if (!offers[k]) continue;
    const int32_t i = items[k];
    if (r.phase == Phase::kMatch && r.best[i]) {
      const Offer& quote = r.best[i]->second;
      const Int128 limit =
          static_cast<Int128>(quote.price_per_accel_hour) * (kPpmOne + r.spec.rofr.match_tolerance);
      const bool matched =
          static_cast<Int128>(offers[k]->price_per_accel_hour) * kPpmOne <= limit &&
          offers[k]->start <= std::max(quote.start, now);  // a quote's start can lapse
      if (!matched) continue;
    }
    taken.push_back(k);
  }
  // Taking only some of the covered items is a partial acceptance.
  if (!r.spec.rofr.partial_allowed && !taken.empty() && taken.size() < items.size()) {
    taken.clear();
  }
  for (size_t k : taken) Settle(now, r, items[k], holder, *offers[k], true, out);
  if (r.phase == Phase::kFirstLook) {
    StartOpenPhase(now, r, true, out);
  } else {
    Finish(now, r, out);
  }
}

void Exchange::PhaseComplete(Time now, Request& r, ExchangeOutbox& out) {
  if (r.phase == Phase::kQuote) {
    StartMatchPhase(now, r, out);
  } else {
    Finish(now, r, out);
  }
}

void Exchange::OnTimer(Time now, RequestId request, ExchangeOutbox& out) {
  auto it = open_.find(request);
  if (it == open_.end()) return;
  Request& r = it->second;
  if (r.deadline != now || r.waiting.empty()) return;  // a timer of an earlier phase
  const auto waiting = std::move(r.waiting);
  r.waiting.clear();
  for (const auto& [provider, items] : waiting) {
    for (int32_t i : items) {
      AuditRecord record = Base(now, r, AuditKind::kTimeout);
      record.provider = provider;
      record.phase = AuditPhase(r.phase);
      record.item = i;
      record.accelerators = r.spec.items[i].terms.accelerators;
      record.job = r.spec.items[i].job;
      out.Record(record);
    }
  }
  if (r.phase == Phase::kFirstLook || r.phase == Phase::kMatch) {
    const absl::InlinedVector<int32_t, 2>& items = waiting.begin()->second;
    HolderAnswered(now, r, items, OfferList(items.size()), out);
  } else {
    PhaseComplete(now, r, out);
  }
  const RequestId still_id = request;
  auto still = open_.find(request);
  if (still != open_.end() && std::all_of(still->second.settled.begin(),
                                          still->second.settled.end(), [](bool s) { return s; })) {
    open_.erase(still);
    out.Closed(still_id);
  }
}

void Exchange::Settle(Time now, Request& r, int32_t item, ProviderId provider, const Offer& quoted,
                      bool holder, ExchangeOutbox& out) {
  r.settled[item] = true;
  // A quote made earlier starts no earlier than the award.
  Offer offer = quoted;
  offer.start = std::max(offer.start, now);
  AuditRecord record = Base(now, r, AuditKind::kAward);
  record.provider = provider;
  record.item = item;
  record.accelerators = r.spec.items[item].terms.accelerators;
  record.pool = offer.pool;
  record.price_per_accel_hour = offer.price_per_accel_hour;
  record.start = offer.start;
  record.phase =
      holder ? (r.spec.rofr.mode == RofrMode::kRofo ? AskPhase::kFirstLook : AskPhase::kMatch)
             : AskPhase::kOpen;
  record.job = r.spec.items[item].job;
  out.Record(record);
  out.Award(r.id, item, provider, offer, holder);
}

void Exchange::Finish(Time now, Request& r, ExchangeOutbox& out) {
  for (size_t i = 0; i < r.spec.items.size(); ++i) {
    if (r.settled[i]) continue;
    if (r.best[i]) {
      Settle(now, r, static_cast<int32_t>(i), r.best[i]->first, r.best[i]->second, false, out);
      continue;
    }
    r.settled[i] = true;
    AuditRecord record = Base(now, r, AuditKind::kUnplaced);
    record.item = static_cast<int32_t>(i);
    record.accelerators = r.spec.items[i].terms.accelerators;
    record.job = r.spec.items[i].job;
    out.Record(record);
    out.Unplaced(r.id, static_cast<int32_t>(i));
  }
  r.waiting.clear();
}

}  // namespace arbiter
