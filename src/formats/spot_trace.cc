#include "formats/spot_trace.h"

#include "formats/parse.h"
#include "model/strings.h"
#include "nlohmann/json.hpp"

namespace arbiter {

absl::StatusOr<SpotTrace> ParseSpotTrace(std::string_view file, std::string_view json) {
  if (absl::Status s = CheckUtf8(file, json); !s.ok()) return s;
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {  // a syntax error, or a number out of range
    return ParseError({file, 0, ""}, StrCat("not valid JSON (", e.what(), ")"),
                      "a spot trace: {\"metadata\": {\"gap_seconds\": N}, \"data\": [counts]}");
  }
  if (!doc.is_object() || !doc.contains("metadata") || !doc["metadata"].is_object() ||
      !doc["metadata"].contains("gap_seconds")) {
    return ParseError({file, 0, "metadata.gap_seconds"}, "missing",
                      "a spot trace: {\"metadata\": {\"gap_seconds\": N}, \"data\": [counts]}");
  }
  const nlohmann::json& gap = doc["metadata"]["gap_seconds"];
  if (!gap.is_number_integer() || gap.get<int64_t>() <= 0 || gap.get<int64_t>() > kMaxTime) {
    return ParseError({file, 0, "metadata.gap_seconds"}, StrCat("'", gap.dump(), "' is not valid"),
                      "a whole number of seconds in [1, 2^40]");
  }
  if (!doc.contains("data") || !doc["data"].is_array() || doc["data"].empty()) {
    return ParseError({file, 0, "data"}, "missing or empty", "a list of available counts");
  }
  SpotTrace trace;
  trace.gap = gap.get<int64_t>();
  if (static_cast<double>(doc["data"].size() - 1) * static_cast<double>(trace.gap) >
      static_cast<double>(kMaxTime)) {
    return ParseError(
        {file, 0, "data"},
        StrCat(doc["data"].size(), " ticks ", trace.gap, " s apart span more than 2^40 s"),
        "a trace within the times Arbiter simulates");
  }
  trace.counts.reserve(doc["data"].size());
  for (size_t i = 0; i < doc["data"].size(); ++i) {
    const nlohmann::json& v = doc["data"][i];
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > (1 << 30)) {
      return ParseError({file, 0, StrCat("data[", i, "]")},
                        StrCat("'", v.dump(), "' is not a count"), "a whole number >= 0");
    }
    trace.counts.push_back(static_cast<int32_t>(v.get<int64_t>()));
  }
  return trace;
}

absl::StatusOr<SpotTrace> LoadSpotTrace(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path, kMaxJsonBytes);
  if (!text.ok()) return text.status();
  return ParseSpotTrace(path, *text);
}

}  // namespace arbiter
