// cursor and header_cursor: an opaque value from the response (a body path or
// a header) sent back with the next request (a query parameter or a body
// path). dlt's JSONResponseCursorPaginator and HeaderCursorPaginator.

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/extract/rest/paginator.hpp"
#include "core/extract/rest/paginator_internal.hpp"
#include "core/json/json_type_name.hpp"

namespace ingestd::extract::rest::internal {
namespace {

Status WithType(std::string_view type_name, Status status) {
  if (status.ok()) return status;
  return status.error().WithContext(std::string(type_name) + " paginator");
}

Result<RequestTarget> CursorTarget(const PaginatorConfig& config) {
  RequestTarget target;
  if (config.cursor_body_path) {
    INGESTD_ASSIGN_OR_RETURN(target.body_path, ParseBodyPath("cursor_body_path", *config.cursor_body_path));
    return target;
  }
  if (config.cursor_param.empty()) return InvalidArgument("cursor_param must not be empty");
  target.param = config.cursor_param;
  return target;
}

struct CursorSettings {
  JsonPath cursor_path;
  RequestTarget target;
  bool stop_after_empty_page = false;
  std::optional<JsonPath> has_more_path;
};

// Stops on a cursor that is missing, null or "" (dlt raised on a null cursor
// in the last page; a final page without a cursor is how most APIs end).
// A number is a cursor too, 0 included (dlt's truthiness test dropped it):
// sent as its JSON text in a parameter, as the number in a body.
class CursorPaginator final : public Paginator {
 public:
  explicit CursorPaginator(CursorSettings settings) : s_(std::move(settings)) {}

  std::unique_ptr<Paginator> Clone() const override { return std::make_unique<CursorPaginator>(s_); }
  std::string_view type_name() const override { return "cursor"; }

  Status Init(PageRequest& request) override {
    (void)request;  // the first request carries no cursor
    has_next_ = true;
    cursor_.SetNull();
    cursor_text_.clear();
    return OkStatus();
  }

  Status Update(const PageResponse& page) override { return WithType("cursor", UpdateImpl(page)); }

  bool has_next() const override { return has_next_; }

  Status Next(PageRequest& request) override {
    if (!has_next_) return WithType("cursor", Internal("there is no next page"));
    return WithType("cursor", s_.target.Write(request, cursor_text_, cursor_));
  }

 private:
  Status UpdateImpl(const PageResponse& page) {
    if (page.body == nullptr) {
      return InvalidArgument("response body is not JSON, cannot read cursor_path " + s_.cursor_path.text());
    }
    const rapidjson::Value* value = s_.cursor_path.FindFirst(*page.body);
    if (value == nullptr || value->IsNull() || (value->IsString() && value->GetStringLength() == 0)) {
      has_next_ = false;
    } else if (value->IsString() || value->IsNumber()) {
      cursor_.CopyFrom(*value, cursor_.GetAllocator());
      cursor_text_ = ScalarText(*value);
      has_next_ = true;
    } else {
      return InvalidArgument("value at " + s_.cursor_path.text() + " is " + std::string(JsonTypeName(*value)) +
                             ", expected a string or number");
    }
    // As dlt: an empty page stops before has_more is looked at.
    if (s_.stop_after_empty_page && page.item_count == 0) {
      has_next_ = false;
      return OkStatus();
    }
    // has_more can only stop: a true has_more with no cursor still ends
    // paging (dlt would send the parameter without a value).
    if (s_.has_more_path) {
      INGESTD_ASSIGN_OR_RETURN(bool more, ReadHasMore(*s_.has_more_path, page.body));
      if (!more) has_next_ = false;
    }
    return OkStatus();
  }

  CursorSettings s_;
  bool has_next_ = true;
  rapidjson::Document cursor_;  // the cursor as found (string or number), for body paths
  std::string cursor_text_;     // the cursor as a query parameter value
};

struct HeaderCursorSettings {
  std::string cursor_key;  // the response header
  RequestTarget target;
};

// Stops when the header is missing or empty.
class HeaderCursorPaginator final : public Paginator {
 public:
  explicit HeaderCursorPaginator(HeaderCursorSettings settings) : s_(std::move(settings)) {}

  std::unique_ptr<Paginator> Clone() const override { return std::make_unique<HeaderCursorPaginator>(s_); }
  std::string_view type_name() const override { return "header_cursor"; }

  Status Init(PageRequest& request) override {
    (void)request;
    has_next_ = true;
    cursor_.clear();
    return OkStatus();
  }

  Status Update(const PageResponse& page) override {
    std::optional<std::string_view> header;
    if (page.http != nullptr) header = page.http->Header(s_.cursor_key);
    has_next_ = header.has_value() && !header->empty();
    cursor_ = has_next_ ? std::string(*header) : std::string();
    return OkStatus();
  }

  bool has_next() const override { return has_next_; }

  Status Next(PageRequest& request) override {
    if (!has_next_) return WithType("header_cursor", Internal("there is no next page"));
    const rapidjson::Value as_json(rapidjson::StringRef(cursor_.data(), cursor_.size()));
    return WithType("header_cursor", s_.target.Write(request, cursor_, as_json));
  }

 private:
  HeaderCursorSettings s_;
  bool has_next_ = true;
  std::string cursor_;
};

}  // namespace

Result<std::unique_ptr<Paginator>> MakeCursorPaginator(const PaginatorConfig& config) {
  CursorSettings s;
  INGESTD_ASSIGN_OR_RETURN(s.cursor_path, ParseConfigPath("cursor_path", config.cursor_path));
  INGESTD_ASSIGN_OR_RETURN(s.target, CursorTarget(config));
  s.stop_after_empty_page = config.stop_after_empty_page.value_or(false);
  if (config.has_more_path) {
    INGESTD_ASSIGN_OR_RETURN(s.has_more_path, ParseConfigPath("has_more_path", *config.has_more_path));
  }
  return std::unique_ptr<Paginator>(std::make_unique<CursorPaginator>(std::move(s)));
}

Result<std::unique_ptr<Paginator>> MakeHeaderCursorPaginator(const PaginatorConfig& config) {
  if (config.cursor_key.empty()) return InvalidArgument("cursor_key must not be empty");
  HeaderCursorSettings s;
  s.cursor_key = config.cursor_key;
  INGESTD_ASSIGN_OR_RETURN(s.target, CursorTarget(config));
  return std::unique_ptr<Paginator>(std::make_unique<HeaderCursorPaginator>(std::move(s)));
}

}  // namespace ingestd::extract::rest::internal
