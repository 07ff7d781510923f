// offset and page_number: a number in the request that grows by a step per
// page (dlt's RangePaginator). With a total in the first response they also
// know how many pages there are, which gives the driver random access.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/extract/rest/paginator.hpp"
#include "core/extract/rest/paginator_internal.hpp"
#include "core/json/json_type_name.hpp"

namespace ingestd::extract::rest::internal {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

struct RangeSettings {
  std::string_view type_name;  // "offset" or "page_number"
  std::int64_t initial = 0;    // the value of the first request
  std::int64_t step = 1;       // added per page: limit, or 1
  std::int64_t base_index = 0;  // added to the total before comparing (base_page)
  std::optional<std::int64_t> maximum;
  std::optional<JsonPath> total_path;
  std::optional<JsonPath> has_more_path;
  bool stop_after_empty_page = true;
  RequestTarget value_target;
  // offset: the page size, written into every request next to the offset.
  std::optional<RequestTarget> limit_target;
  std::int64_t limit = 0;
};

// The total at total_path: nullopt when absent or null (not an error, unlike
// dlt: paging then stops by the other conditions). Integers, numbers (cut
// toward zero, as dlt's int()) and strings holding an integer are accepted.
Result<std::optional<std::int64_t>> ReadTotal(const JsonPath& path, const rapidjson::Value& body) {
  const rapidjson::Value* value = path.FindFirst(body);
  if (value == nullptr || value->IsNull()) return std::optional<std::int64_t>();
  if (value->IsInt64()) return std::optional<std::int64_t>(value->GetInt64());
  if (value->IsUint64()) return std::optional<std::int64_t>(kInt64Max);  // beyond int64: as good as endless
  if (value->IsDouble()) {
    const double d = value->GetDouble();
    if (std::isfinite(d) && std::fabs(d) < 9.2e18) return std::optional<std::int64_t>(static_cast<std::int64_t>(d));
    return InvalidArgument("value at " + path.text() + " is " + ScalarText(*value) + ", expected an integer");
  }
  if (value->IsString()) {
    std::string_view text(value->GetString(), value->GetStringLength());
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    std::int64_t parsed = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (!text.empty() && ec == std::errc() && ptr == text.data() + text.size()) {
      return std::optional<std::int64_t>(parsed);
    }
    return InvalidArgument("value at " + path.text() + " is the string \"" +
                           std::string(value->GetString(), value->GetStringLength()) + "\", expected an integer");
  }
  return InvalidArgument("value at " + path.text() + " is " + std::string(JsonTypeName(*value)) +
                         ", expected an integer");
}

// Stop rule, as dlt's RangePaginator.update_state: after a page, the value
// grows by the step; paging stops when the new value is >= total + base
// (offset: base 0, total = items; page_number: base = base_page, total =
// pages) or >= maximum (maximum_offset / maximum_page are exclusive: the
// last request has a value below them). So with base_page 1 and total 3,
// pages 1, 2, 3 are requested; with maximum_page 3, pages 1 and 2.
class RangePaginator final : public Paginator {
 public:
  explicit RangePaginator(RangeSettings settings) : s_(std::move(settings)), current_(s_.initial) {}

  std::unique_ptr<Paginator> Clone() const override { return std::make_unique<RangePaginator>(s_); }
  std::string_view type_name() const override { return s_.type_name; }

  Status Init(PageRequest& request) override {
    has_next_ = true;
    current_ = s_.initial;
    updates_ = 0;
    page_count_.reset();
    return WithType(Write(request, current_));
  }

  Status Update(const PageResponse& page) override { return WithType(UpdateImpl(page)); }

  bool has_next() const override { return has_next_; }

  Status Next(PageRequest& request) override {
    if (!has_next_) return WithType(Internal("there is no next page"));
    return WithType(Write(request, current_));
  }

  std::optional<std::int64_t> KnownPageCount() const override { return page_count_; }

  Status SetPage(PageRequest& request, std::int64_t index) const override {
    if (!page_count_ || index < 0 || index >= *page_count_) {
      return WithType(Internal("page " + std::to_string(index) + " is out of range (" +
                               (page_count_ ? std::to_string(*page_count_) : std::string("unknown")) + " pages)"));
    }
    // index < page_count_ keeps initial + index * step below the end value.
    return WithType(Write(request, s_.initial + index * s_.step));
  }

 private:
  Status UpdateImpl(const PageResponse& page) {
    ++updates_;
    if (s_.stop_after_empty_page && page.item_count == 0) {
      has_next_ = false;
      return OkStatus();
    }
    std::optional<std::int64_t> total;
    if (s_.total_path && page.body != nullptr) {
      INGESTD_ASSIGN_OR_RETURN(total, ReadTotal(*s_.total_path, *page.body));
    }
    std::int64_t next = 0;
    if (__builtin_add_overflow(current_, s_.step, &next)) {
      has_next_ = false;
      return OkStatus();
    }
    current_ = next;
    const std::optional<std::int64_t> end = EndValue(total);
    if (end && current_ >= *end) has_next_ = false;
    // Unlike dlt, where a true has_more overrides a reached total, has_more
    // can only stop paging.
    if (s_.has_more_path) {
      if (page.body == nullptr) return InvalidArgument("response body is not JSON, cannot read has_more_path");
      INGESTD_ASSIGN_OR_RETURN(bool more, ReadHasMore(*s_.has_more_path, page.body));
      if (!more) has_next_ = false;
    }
    // Random access needs a total and no has_more flag, which could stop
    // paging anywhere.
    if (updates_ == 1 && total && !s_.has_more_path) page_count_ = PageCount(*end);
    return OkStatus();
  }

  // The first value not to request: min(total + base, maximum).
  std::optional<std::int64_t> EndValue(std::optional<std::int64_t> total) const {
    std::optional<std::int64_t> end;
    if (total) {
      std::int64_t with_base = 0;
      end = __builtin_add_overflow(*total, s_.base_index, &with_base) ? kInt64Max : with_base;
    }
    if (s_.maximum) end = end ? std::min(*end, *s_.maximum) : *s_.maximum;
    return end;
  }

  // Requests from the first value (always sent) while below `end`.
  std::int64_t PageCount(std::int64_t end) const {
    if (end <= s_.initial) return 1;
    const std::uint64_t span = static_cast<std::uint64_t>(end) - static_cast<std::uint64_t>(s_.initial);
    const auto step = static_cast<std::uint64_t>(s_.step);
    const std::uint64_t count = span / step + (span % step != 0 ? 1 : 0);
    return count > static_cast<std::uint64_t>(kInt64Max) ? kInt64Max : static_cast<std::int64_t>(count);
  }

  Status Write(PageRequest& request, std::int64_t value) const {
    INGESTD_TRY(s_.value_target.Write(request, value));
    if (s_.limit_target) INGESTD_TRY(s_.limit_target->Write(request, s_.limit));
    return OkStatus();
  }

  Status WithType(Status status) const {
    if (status.ok()) return status;
    return status.error().WithContext(std::string(s_.type_name) + " paginator");
  }

  RangeSettings s_;
  std::int64_t current_;
  bool has_next_ = true;
  int updates_ = 0;
  std::optional<std::int64_t> page_count_;
};

// Settings common to both kinds; `maximum_name` for the error message.
Status FillCommon(const PaginatorConfig& config, std::string_view maximum_name, RangeSettings& s) {
  if (config.total_path) {
    INGESTD_ASSIGN_OR_RETURN(s.total_path, ParseConfigPath("total_path", *config.total_path));
  }
  if (config.has_more_path) {
    INGESTD_ASSIGN_OR_RETURN(s.has_more_path, ParseConfigPath("has_more_path", *config.has_more_path));
  }
  s.stop_after_empty_page = config.stop_after_empty_page.value_or(true);
  if (!s.total_path && !s.maximum && !s.has_more_path && !s.stop_after_empty_page) {
    return InvalidArgument("one of total_path, " + std::string(maximum_name) +
                           ", has_more_path or stop_after_empty_page must be set, or paging never ends");
  }
  return OkStatus();
}

Result<RequestTarget> MakeTarget(std::string_view param_name, const std::string& param,
                                 std::string_view body_path_name, const std::optional<std::string>& body_path) {
  RequestTarget target;
  if (body_path) {
    INGESTD_ASSIGN_OR_RETURN(target.body_path, ParseBodyPath(body_path_name, *body_path));
    return target;
  }
  if (param.empty()) return InvalidArgument(std::string(param_name) + " must not be empty");
  target.param = param;
  return target;
}

}  // namespace

Result<std::unique_ptr<Paginator>> MakeOffsetPaginator(const PaginatorConfig& config) {
  if (!config.limit) return InvalidArgument("limit is required");
  if (*config.limit <= 0) return InvalidArgument("limit must be positive, got " + std::to_string(*config.limit));
  if (config.offset < 0) return InvalidArgument("offset must not be negative, got " + std::to_string(config.offset));
  RangeSettings s;
  s.type_name = "offset";
  s.initial = config.offset;
  s.step = *config.limit;
  s.base_index = 0;
  s.maximum = config.maximum_offset;
  s.limit = *config.limit;
  INGESTD_TRY(FillCommon(config, "maximum_offset", s));
  INGESTD_ASSIGN_OR_RETURN(s.value_target,
                           MakeTarget("offset_param", config.offset_param, "offset_body_path", config.offset_body_path));
  INGESTD_ASSIGN_OR_RETURN(s.limit_target,
                           MakeTarget("limit_param", config.limit_param, "limit_body_path", config.limit_body_path));
  return std::unique_ptr<Paginator>(std::make_unique<RangePaginator>(std::move(s)));
}

Result<std::unique_ptr<Paginator>> MakePageNumberPaginator(const PaginatorConfig& config) {
  RangeSettings s;
  s.type_name = "page_number";
  s.initial = config.page.value_or(config.base_page);
  s.step = 1;
  s.base_index = config.base_page;
  s.maximum = config.maximum_page;
  INGESTD_TRY(FillCommon(config, "maximum_page", s));
  INGESTD_ASSIGN_OR_RETURN(s.value_target,
                           MakeTarget("page_param", config.page_param, "page_body_path", config.page_body_path));
  return std::unique_ptr<Paginator>(std::make_unique<RangePaginator>(std::move(s)));
}

}  // namespace ingestd::extract::rest::internal
