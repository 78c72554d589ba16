// Strongly typed indices. Every entity in Arbiter lives in a vector and is named by its index
// there; the tag keeps a pool index from being used as a job index.
#ifndef ARBITER_MODEL_IDS_H_
#define ARBITER_MODEL_IDS_H_

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace arbiter {

template <typename Tag>
class Id {
 public:
  constexpr Id() = default;
  constexpr explicit Id(int32_t value) : value_(value) {}
  template <typename Int>
  static constexpr Id FromIndex(Int index) {
    return Id(static_cast<int32_t>(index));
  }

  constexpr int32_t value() const { return value_; }
  constexpr size_t index() const { return static_cast<size_t>(value_); }
  constexpr bool valid() const { return value_ >= 0; }

  friend constexpr auto operator<=>(Id, Id) = default;

 private:
  int32_t value_ = -1;
};

using AcceleratorTypeId = Id<struct AcceleratorTypeTag>;
using ProviderId = Id<struct ProviderTag>;
using RegionId = Id<struct RegionTag>;
using PoolId = Id<struct PoolTag>;
using TenantId = Id<struct TenantTag>;
using ContractId = Id<struct ContractTag>;
using JobId = Id<struct JobTag>;

}  // namespace arbiter

template <typename Tag>
struct std::hash<arbiter::Id<Tag>> {
  size_t operator()(arbiter::Id<Tag> id) const noexcept { return std::hash<int32_t>()(id.value()); }
};

#endif  // ARBITER_MODEL_IDS_H_
