#pragma once

// Drives paginators over hand-made pages, as the REST driver does, and
// describes each request as text ("offset=10&limit=10", "GET <url>").

#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/extract/http/http_types.hpp"
#include "core/extract/rest/paginator.hpp"

namespace ingestd::extract::rest::testing {

inline std::string ToJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return buffer.GetString();
}

/// One response: a JSON body ("" or invalid JSON: none), the number of
/// records the data selector found, and headers.
struct FakePage {
  FakePage(std::string body_text, std::size_t item_count = 0, http::HeaderList header_list = {})  // NOLINT: implicit
      : body(std::move(body_text)), items(item_count), headers(std::move(header_list)) {}
  std::string body;
  std::size_t items = 0;
  http::HeaderList headers;
};

/// A response and its parsed body, kept together so PageResponse can
/// point into them.
class HeldPage {
 public:
  explicit HeldPage(const FakePage& page) {
    response_.status = 200;
    response_.headers = page.headers;
    response_.body = page.body;
    response_.final_url = "https://api.test/items";
    has_body_ = !page.body.empty() && !doc_.Parse(page.body.c_str()).HasParseError();
    items_ = page.items;
  }
  PageResponse view() const { return PageResponse{&response_, has_body_ ? &doc_ : nullptr, items_}; }

 private:
  http::HttpResponse response_;
  rapidjson::Document doc_;
  bool has_body_ = false;
  std::size_t items_ = 0;
};

/// "k=v&k2=v2 {body}" or "GET <next_url>".
inline std::string Describe(const PageRequest& request) {
  if (request.next_url) return "GET " + *request.next_url;
  std::string out;
  for (const auto& [key, value] : request.params) {
    if (!out.empty()) out += '&';
    out += key + "=" + value;
  }
  if (request.json) out += (out.empty() ? "" : " ") + ToJson(*request.json);
  return out;
}

struct WalkResult {
  std::vector<std::string> requests;
  /// has_next() turned false (rather than the pages running out).
  bool stopped = false;
  /// The first error's message, if any.
  std::string error;
};

/// Init, then for each page: describe the request, Update, and Next while
/// has_next().
inline WalkResult Walk(Paginator& paginator, const std::vector<FakePage>& pages, PageRequest request = {}) {
  WalkResult result;
  if (Status init = paginator.Init(request); !init.ok()) {
    result.error = init.error().message();
    return result;
  }
  for (const FakePage& fake : pages) {
    result.requests.push_back(Describe(request));
    HeldPage held(fake);
    if (Status updated = paginator.Update(held.view()); !updated.ok()) {
      result.error = updated.error().message();
      return result;
    }
    if (!paginator.has_next()) {
      result.stopped = true;
      return result;
    }
    if (Status next = paginator.Next(request); !next.ok()) {
      result.error = next.error().message();
      return result;
    }
  }
  return result;
}

inline std::unique_ptr<Paginator> Make(const PaginatorConfig& config) {
  Result<std::unique_ptr<Paginator>> made = MakePaginator(config);
  EXPECT_TRUE(made.ok()) << made.error().ToString();
  return made.ok() ? std::move(made).value() : nullptr;
}

inline std::string MakeError(const PaginatorConfig& config) {
  Result<std::unique_ptr<Paginator>> made = MakePaginator(config);
  EXPECT_FALSE(made.ok());
  return made.ok() ? std::string() : made.error().message();
}

}  // namespace ingestd::extract::rest::testing
