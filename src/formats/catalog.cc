#include "formats/catalog.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "formats/csv.h"
#include "formats/parse.h"
#include "model/strings.h"

namespace arbiter {
namespace {

// Dollars as written in a catalog: exact to the micro-dollar where the text allows, else rounded.
std::optional<Micros> CatalogDollars(std::string_view text) {
  Micros exact = 0;
  if (ParseDollars(std::string(text).c_str(), &exact)) return exact;
  std::optional<double> d = ParseDouble(text);
  if (!d || *d < 0 || *d > 1e9) return std::nullopt;
  return static_cast<Micros>(std::llround(*d * kMicrosPerDollar));
}

}  // namespace

absl::StatusOr<std::vector<CatalogRow>> ParseSkyPilotCatalog(std::string_view file,
                                                             std::string_view text) {
  if (absl::Status s = CheckUtf8(file, text); !s.ok()) return s;
  CsvReader reader(file, text);
  std::vector<std::string> f;
  absl::StatusOr<bool> got = reader.Next(f);
  if (!got.ok()) return got.status();
  if (!*got) return ParseError({file, 0, {}}, "the file is empty", "a catalog header line");
  absl::StatusOr<CsvHeader> header =
      CsvHeader::Make(f, {"InstanceType", "AcceleratorName", "AcceleratorCount", "Price", "Region"},
                      file, reader.line());
  if (!header.ok()) return header.status();
  const int c_type = header->Find("InstanceType");
  const int c_acc = header->Find("AcceleratorName");
  const int c_count = header->Find("AcceleratorCount");
  const int c_price = header->Find("Price");
  const int c_spot = header->Find("SpotPrice");
  const int c_region = header->Find("Region");
  const int c_zone = header->Find("AvailabilityZone");
  std::vector<CatalogRow> rows;
  while (true) {
    got = reader.Next(f);
    if (!got.ok()) return got.status();
    if (!*got) break;
    const int64_t line = reader.line();
    if (absl::Status s = header->CheckRow(f, file, line); !s.ok()) return s;
    CatalogRow row;
    row.line = line;
    row.instance_type = f[c_type];
    row.accelerator = f[c_acc];
    row.region = f[c_region];
    if (c_zone >= 0) row.zone = f[c_zone];
    if (row.accelerator.empty() || f[c_price].empty()) continue;
    std::optional<double> count = ParseDouble(f[c_count]);
    if (!count || *count < 1 || *count > 1e6 || *count != std::floor(*count)) {
      return ParseError({file, line, "AcceleratorCount"}, StrCat("'", f[c_count], "'"),
                        "a whole number of accelerators >= 1");
    }
    row.count = static_cast<int32_t>(*count);
    std::optional<Micros> price = CatalogDollars(f[c_price]);
    if (!price) {
      return ParseError({file, line, "Price"}, StrCat("'", f[c_price], "' is not a price"),
                        "dollars per hour");
    }
    row.price = *price;
    if (row.accelerator.rfind("tpu", 0) == 0 && row.price == 700 * kMicrosPerDollar) continue;
    if (c_spot >= 0 && !f[c_spot].empty()) {
      std::optional<Micros> spot = CatalogDollars(f[c_spot]);
      if (!spot) {
        return ParseError({file, line, "SpotPrice"}, StrCat("'", f[c_spot], "' is not a price"),
                          "dollars per hour");
      }
      row.spot_price = *spot;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

absl::StatusOr<CatalogPrice> LookUpCatalogPrice(std::string_view file,
                                                const std::vector<CatalogRow>& rows,
                                                const CatalogQuery& query) {
  CatalogPrice price;
  std::set<std::string> regions;
  for (const CatalogRow& row : rows) {
    if (row.accelerator != query.accelerator) continue;
    if (!query.instance_type.empty() && row.instance_type != query.instance_type) continue;
    regions.insert(row.region);
    if (row.region != query.region) continue;
    const Micros per_accelerator = (row.price + row.count / 2) / row.count;
    price.on_demand =
        price.rows == 0 ? per_accelerator : std::min(price.on_demand, per_accelerator);
    if (row.spot_price) {
      const Micros spot = (*row.spot_price + row.count / 2) / row.count;
      price.spot = price.spot ? std::min(*price.spot, spot) : spot;
    }
    ++price.rows;
  }
  if (price.rows == 0) {
    const std::string what =
        StrCat(query.accelerator, query.instance_type.empty() ? "" : " on " + query.instance_type);
    if (regions.empty()) {
      return absl::NotFoundError(StrCat(file, ": no row for ", what));
    }
    return absl::NotFoundError(StrCat(file, ": no row for ", what, " in region ", query.region,
                                      "; regions with it: ", StrJoin(regions, ", ")));
  }
  return price;
}

}  // namespace arbiter
