#include "serve/codec.h"

#include <limits>

#include "model/strings.h"

namespace arbiter::serve {

namespace {

// Every field of Job is encoded below; a new field must be added there (and this size updated).
static_assert(sizeof(Job) == 184, "Job changed: encode its new fields in serve/codec.cc");

class Writer {
 public:
  void U(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  // Zigzag, so that small negative numbers (invalid ids, -1) stay small.
  void I(int64_t v) { U((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void B(bool v) { out_.push_back(v ? 1 : 0); }
  void S(std::string_view s) {
    U(s.size());
    out_.append(s);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(std::string_view in, std::string_view what) : in_(in), what_(what) {}

  bool U(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Fail("truncated number");
      const auto byte = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return Fail("number too long");
  }
  bool I(int64_t& v) {
    uint64_t u = 0;
    if (!U(u)) return false;
    v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
    return true;
  }
  bool I32(int32_t& v) {
    int64_t w = 0;
    if (!I(w)) return false;
    if (w < std::numeric_limits<int32_t>::min() || w > std::numeric_limits<int32_t>::max()) {
      return Fail("number out of range");
    }
    v = static_cast<int32_t>(w);
    return true;
  }
  template <typename Tag>
  bool Id(arbiter::Id<Tag>& id) {
    int32_t v = 0;
    if (!I32(v)) return false;
    id = arbiter::Id<Tag>(v);
    return true;
  }
  bool B(bool& v) {
    if (pos_ >= in_.size()) return Fail("truncated flag");
    const char c = in_[pos_++];
    if (c != 0 && c != 1) return Fail("bad flag");
    v = c == 1;
    return true;
  }
  bool S(std::string& s) {
    uint64_t n = 0;
    if (!U(n)) return false;
    if (n > in_.size() - pos_) return Fail("truncated string");
    s.assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  // Reads a count of items that take at least one byte each.
  bool Count(size_t& n) {
    uint64_t v = 0;
    if (!U(v)) return false;
    if (v > in_.size() - pos_) return Fail("count larger than the record");
    n = static_cast<size_t>(v);
    return true;
  }
  bool Fail(std::string_view problem) {
    if (error_.empty()) error_ = StrCat(what_, " record: ", problem, " at byte ", pos_);
    return false;
  }
  absl::Status Finish() {
    if (error_.empty() && pos_ != in_.size()) Fail("trailing bytes");
    if (!error_.empty()) return absl::DataLossError(error_);
    return absl::OkStatus();
  }

 private:
  std::string_view in_;
  std::string_view what_;
  size_t pos_ = 0;
  std::string error_;
};

void PutJob(Writer& w, const Job& job) {
  w.S(job.name);
  w.I(job.tenant.value());
  w.I(job.priority);
  w.I(job.submit);
  w.I(job.accelerators);
  w.I(job.nodes);
  w.U(job.throughputs.size());
  for (const Throughput& t : job.throughputs) {
    w.I(t.type.value());
    w.I(t.rate);
  }
  w.I(job.work);
  w.I(job.deadline);
  w.I(job.checkpoint_interval);
  w.I(job.checkpoint_bytes);
  w.I(job.max_restarts);
  w.U(job.checkpoint_at_preemption ? 1 : 0);
  w.I(job.restore);
  w.U(job.placement ? job.placement->rules.size() : 0);
  if (job.placement) {
    for (const PlacementRule& rule : job.placement->rules) {
      w.I(rule.type.value());
      w.I(rule.provider.value());
      w.I(rule.region.value());
      w.U(static_cast<uint64_t>(rule.spot));
      w.I(rule.preference);
    }
  }
}

bool GetJob(Reader& r, Job& job) {
  size_t throughputs = 0;
  if (!r.S(job.name) || !r.Id(job.tenant) || !r.I32(job.priority) || !r.I(job.submit) ||
      !r.I32(job.accelerators) || !r.I32(job.nodes) || !r.Count(throughputs)) {
    return false;
  }
  job.throughputs.resize(throughputs);
  for (Throughput& t : job.throughputs) {
    if (!r.Id(t.type) || !r.I(t.rate)) return false;
  }
  size_t rules = 0;
  uint64_t at_preemption = 0;
  if (!r.I(job.work) || !r.I(job.deadline) || !r.I(job.checkpoint_interval) ||
      !r.I(job.checkpoint_bytes) || !r.I32(job.max_restarts) || !r.U(at_preemption) ||
      !r.I(job.restore) || !r.Count(rules)) {
    return false;
  }
  if (at_preemption > 1) return r.Fail("bad checkpoint_at_preemption");
  job.checkpoint_at_preemption = at_preemption == 1;
  job.placement.reset();
  if (rules == 0) return true;  // no placement (an empty one is never stored)
  auto placement = std::make_shared<Placement>();
  placement->rules.resize(rules);
  for (PlacementRule& rule : placement->rules) {
    uint64_t spot = 0;
    if (!r.Id(rule.type) || !r.Id(rule.provider) || !r.Id(rule.region) || !r.U(spot) ||
        !r.I32(rule.preference)) {
      return false;
    }
    if (spot > static_cast<uint64_t>(SpotChoice::kNever)) return r.Fail("unknown spot choice");
    rule.spot = static_cast<SpotChoice>(spot);
  }
  job.placement = std::move(placement);
  return true;
}

}  // namespace

std::string EncodeSubmission(const Submission& s) {
  Writer w;
  w.S(s.idempotency_key);
  PutJob(w, s.job);
  w.U(s.launch.env.size());
  for (const auto& [key, value] : s.launch.env) {
    w.S(key);
    w.S(value);
  }
  w.S(s.launch.workdir);
  w.S(s.launch.setup);
  w.S(s.launch.run);
  w.S(s.spec_json);
  return w.Take();
}

absl::StatusOr<Submission> DecodeSubmission(std::string_view body) {
  Reader r(body, "submission");
  Submission s;
  size_t env = 0;
  if (r.S(s.idempotency_key) && GetJob(r, s.job) && r.Count(env)) {
    s.launch.env.resize(env);
    bool ok = true;
    for (auto& [key, value] : s.launch.env) {
      if (!(ok = r.S(key) && r.S(value))) break;
    }
    if (ok) {
      (void)(r.S(s.launch.workdir) && r.S(s.launch.setup) && r.S(s.launch.run) && r.S(s.spec_json));
    }
  }
  if (absl::Status status = r.Finish(); !status.ok()) return status;
  return s;
}

std::string EncodeCancellation(const Cancellation& c) {
  Writer w;
  w.I(c.job.value());
  w.S(c.by);
  return w.Take();
}

absl::StatusOr<Cancellation> DecodeCancellation(std::string_view body) {
  Reader r(body, "cancel");
  Cancellation c;
  (void)(r.Id(c.job) && r.S(c.by));
  if (absl::Status status = r.Finish(); !status.ok()) return status;
  return c;
}

std::string EncodeTimer(const TimerRecord& t) {
  Writer w;
  w.I(t.seq);
  w.U(t.tag);
  return w.Take();
}

absl::StatusOr<TimerRecord> DecodeTimer(std::string_view body) {
  Reader r(body, "timer");
  TimerRecord t;
  (void)(r.I(t.seq) && r.U(t.tag));
  if (absl::Status status = r.Finish(); !status.ok()) return status;
  return t;
}

std::string EncodeReport(const RunReport& rep) {
  Writer w;
  w.I(rep.key.job.value());
  w.I(rep.key.attempt);
  w.U(static_cast<uint64_t>(rep.status));
  w.I(rep.exit_code);
  w.S(rep.reason);
  return w.Take();
}

absl::StatusOr<RunReport> DecodeReport(std::string_view body) {
  Reader r(body, "report");
  RunReport rep;
  uint64_t status = 0;
  int64_t exit_code = 0;
  if (r.Id(rep.key.job) && r.I(rep.key.attempt) && r.U(status) && r.I(exit_code) &&
      r.S(rep.reason)) {
    if (status > static_cast<uint64_t>(RunStatus::kCancelled)) {
      r.Fail("unknown run status");
    } else if (exit_code < -(1 << 16) || exit_code > (1 << 16)) {
      r.Fail("exit code out of range");
    }
    rep.status = static_cast<RunStatus>(status);
    rep.exit_code = static_cast<int>(exit_code);
  }
  if (absl::Status s = r.Finish(); !s.ok()) return s;
  return rep;
}

std::string EncodeAnswer(const AnswerRecord& rec) {
  const ProviderAnswered& a = rec.answered;
  Writer w;
  w.I(rec.ask);
  w.I(a.answer.request);
  w.I(a.answer.provider.value());
  w.U(a.answer.offers.size());
  for (const std::optional<Offer>& offer : a.answer.offers) {
    w.B(offer.has_value());
    if (!offer) continue;
    w.I(offer->pool.value());
    w.I(offer->price_per_accel_hour);
    w.I(offer->start);
  }
  return w.Take();
}

absl::StatusOr<AnswerRecord> DecodeAnswer(std::string_view body) {
  Reader r(body, "answer");
  AnswerRecord rec;
  ProviderAnswered& a = rec.answered;
  size_t offers = 0;
  if (r.I(rec.ask) && r.I(a.answer.request) && r.Id(a.answer.provider) && r.Count(offers)) {
    a.answer.offers.resize(offers);
    for (std::optional<Offer>& offer : a.answer.offers) {
      bool present = false;
      if (!r.B(present)) break;
      if (!present) continue;
      Offer o;
      if (!r.Id(o.pool) || !r.I(o.price_per_accel_hour) || !r.I(o.start)) break;
      offer = o;
    }
  }
  if (absl::Status status = r.Finish(); !status.ok()) return status;
  return rec;
}

std::string EncodeCapacity(const CapacityChanged& c) {
  Writer w;
  w.I(c.pool.value());
  w.I(c.nodes);
  return w.Take();
}

absl::StatusOr<CapacityChanged> DecodeCapacity(std::string_view body) {
  Reader r(body, "capacity");
  CapacityChanged c;
  (void)(r.Id(c.pool) && r.I32(c.nodes));
  if (absl::Status status = r.Finish(); !status.ok()) return status;
  return c;
}

}  // namespace arbiter::serve
