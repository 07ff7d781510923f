#include "core/extract/rest/rest_source.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <unordered_set>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "core/extract/http/http_client.hpp"
#include "core/extract/http/url.hpp"
#include "core/extract/rest/json_path.hpp"
#include "core/extract/rest/paginator.hpp"
#include "core/extract/rest/placeholders.hpp"
#include "core/extract/rest/request_builder.hpp"
#include "core/json/bounded_parse.hpp"
#include "core/json/json_type_name.hpp"
#include "core/json/rapidjson.hpp"

namespace ingestd::extract::rest {
namespace {

using http::HttpResponse;

constexpr std::string_view kResourcesPrefix = "resources.";
// Deeper responses are refused: records are walked recursively (written
// out, copied), and no API nests this deep.
constexpr std::size_t kMaxResponseDepth = 1000;
// How much of an error response's body an error message quotes.
constexpr std::size_t kBodySnippetBytes = 200;

class Extraction;
class Series;

// A page read and parsed; kept behind a pointer because `records` point
// into `doc` (possibly at its root, which a move would invalidate).
struct Page {
  HttpResponse response;
  rapidjson::Document doc;
  bool has_body = false;
  bool ignored = false;  // a response_action "ignore" matched
  std::vector<const rapidjson::Value*> records;
};

PageRequest CopyPageRequest(const PageRequest& request) {
  PageRequest copy;
  copy.url = request.url;
  copy.params = request.params;
  copy.next_url = request.next_url;
  if (request.json) {
    copy.json.emplace();
    copy.json->CopyFrom(*request.json, copy.json->GetAllocator());
  }
  return copy;
}

std::string JsonText(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// A printable, bounded excerpt of a response body for error messages.
std::string BodySnippet(const std::string& body) {
  std::string out;
  for (std::size_t i = 0; i < body.size() && out.size() < kBodySnippetBytes; ++i) {
    const unsigned char c = static_cast<unsigned char>(body[i]);
    out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
  }
  if (body.size() > kBodySnippetBytes) out += "...";
  return out;
}

std::string RedactedUrl(const std::string& url) {
  auto parsed = http::Url::Parse(url);
  return parsed.ok() ? parsed->Redacted() : std::string("(invalid URL)");
}

// The fields of a parent item that a child's placeholders name.
Result<std::vector<std::string>> ParentFieldsNamed(const EndpointConfig& endpoint, const std::string& parent) {
  std::vector<std::string> texts = {endpoint.path};
  for (const auto& [k, v] : endpoint.params) texts.push_back(v);
  for (const auto& [k, v] : endpoint.headers) texts.push_back(v);
  if (endpoint.json) texts.push_back(*endpoint.json);
  std::vector<std::string> fields;
  const std::string prefix = std::string(kResourcesPrefix) + parent + ".";
  for (const std::string& text : texts) {
    INGESTD_ASSIGN_OR_RETURN(std::vector<std::string> names, FindPlaceholders(text));
    for (const std::string& name : names) {
      if (name.rfind(prefix, 0) == 0) fields.push_back(name.substr(prefix.size()));
    }
  }
  return fields;
}

// One resource's extraction: its configuration resolved once, its request
// series, its children and their queues of parent items.
struct ResourceRun {
  const RestResourceBinding* binding = nullptr;
  std::unique_ptr<Authenticator> auth;
  std::optional<PaginatorConfig> paginator;  // unset: detect
  std::optional<JsonPath> selector;          // unset: detect
  ResourceRun* parent = nullptr;
  std::vector<ResourceRun*> children;
  // Fields of a parent item this resource needs (placeholders and
  // include_from_parent), each with its parsed path.
  std::vector<std::pair<std::string, JsonPath>> parent_fields;

  std::deque<ParentFields> queue;  // parent items waiting for their series
  int active = 0;                  // series in flight
  bool started = false;
  bool done = false;
  std::vector<std::shared_ptr<Series>> paused;  // waiting for children's queues to drain
  RestResourceStats stats;

  const std::string& name() const { return binding->name; }
  const EndpointConfig& endpoint() const { return binding->config->endpoint; }
  int QueueBound() const { return std::max(1, binding->config->concurrent_children); }
  // True while a child has a full queue: the resource should not request
  // more pages yet.
  bool Blocked() const {
    for (const ResourceRun* child : children) {
      if (static_cast<int>(child->queue.size()) >= child->QueueBound()) return true;
    }
    return false;
  }
};

class Extraction {
 public:
  Extraction(const RestSourceOptions& options) : options_(options) {}

  Status Setup(const std::vector<RestResourceBinding>& bindings);
  Status Run(std::stop_token stop);
  std::vector<RestResourceStats> Stats() const {
    std::vector<RestResourceStats> out;
    for (const auto& run : runs_) out.push_back(run->stats);
    return out;
  }

  http::HttpClient& client() { return *client_; }
  bool failed() const { return failed_; }
  void Fail(Error error) {
    if (failed_) return;
    failed_ = true;
    error_ = std::move(error);
    client_->Cancel();
  }
  void Emit(RestEvent::Kind kind, const ResourceRun& run, std::string message) {
    if (options_.on_event) options_.on_event(RestEvent{kind, run.name(), std::move(message)});
  }

  // A series of `run` ended (normally, ignored or failed).
  void SeriesFinished(ResourceRun& run);
  // Starts series for queued parent items while `run` has room.
  void Dispatch(ResourceRun& run);
  // Lets paused series of `run` continue when its children have room.
  void ResumePaused(ResourceRun& run);
  void CheckDone(ResourceRun& run);

 private:
  const RestSourceOptions& options_;
  boost::asio::io_context io_;
  std::unique_ptr<http::HttpClient> client_;
  std::vector<std::unique_ptr<ResourceRun>> runs_;
  bool failed_ = false;
  Error error_ = Error(ErrorCode::kInternal, "");
};

// One request series: the pages of one resource, or of one child for one
// parent item.
class Series : public std::enable_shared_from_this<Series> {
 public:
  Series(Extraction& extraction, ResourceRun& run, std::optional<ParentFields> parent)
      : ex_(extraction), run_(run), parent_fields_(std::move(parent)) {}

  void Start() {
    run_.active++;
    run_.stats.series++;
    Status started = Begin();
    if (!started.ok()) Fail(std::move(started).error());
  }

  // Called when back-pressure lifts.
  void Resume() {
    if (ex_.failed()) return Finish();
    if (parallel_) return LaunchPages();
    SendCurrent();
  }

 private:
  Status Begin() {
    const Incremental* incremental = run_.binding->incremental;
    lookup_ = MakeLookup(run_.parent ? run_.parent->name() : std::string(),
                         parent_fields_ ? &*parent_fields_ : nullptr, incremental);
    INGESTD_ASSIGN_OR_RETURN(SeriesRequest request,
                             BuildSeriesRequest(*run_.binding->config->client, run_.endpoint(), lookup_, incremental));
    current_ = std::move(request.page);
    headers_ = std::move(request.headers);
    if (run_.paginator) {
      INGESTD_ASSIGN_OR_RETURN(paginator_, MakePaginator(*run_.paginator));
      INGESTD_TRY(paginator_->Init(current_));
    }
    first_request_ = CopyPageRequest(current_);
    SendCurrent();
    return OkStatus();
  }

  void SendCurrent() {
    Result<http::HttpRequest> request = ToHttpRequest(run_.endpoint().method, current_, headers_, previous_url_);
    if (!request.ok()) return Fail(std::move(request).error());
    // A cycle (A, B, A, ...) loops as surely as a repeat, so every page of
    // the series is remembered, as a 64-bit hash (8 bytes a page).
    const std::size_t signature = std::hash<std::string>{}(request->method + " " + request->url + "\n" + request->body);
    if (!requested_.insert(signature).second) {
      return Fail(Error(ErrorCode::kFailedPrecondition,
                        std::string(paginator_ ? paginator_->type_name() : "paginator") +
                            " paginator asked for the same page twice (" + request->method + " " +
                            RedactedUrl(request->url) +
                            "); stopping instead of looping: check the paginator settings"));
    }
    Send(std::move(*request), -1);
  }

  // Sends one request after the authenticator is ready; index -1 is the
  // sequential page, >= 1 a concurrently fetched page.
  void Send(http::HttpRequest request, std::int64_t index) {
    auto self = shared_from_this();
    run_.auth->AsyncPrepare([self, request = std::move(request), index](Status ready) mutable {
      Status applied = ready.ok() ? self->run_.auth->Apply(request) : std::move(ready);
      if (self->ex_.failed() || !applied.ok()) {
        if (index >= 0) self->in_flight_--;
        if (!applied.ok()) return self->Fail(std::move(applied).error());
        return self->Finish();
      }
      const std::string method = request.method;
      const std::string url = request.url;
      self->ex_.client().AsyncSend(std::move(request),
                                   [self, index, method, url](Result<HttpResponse> response) {
                                     self->OnResponse(index, method, url, std::move(response));
                                   });
    });
  }

  // Reads a response into a Page; nullptr after a failure (already reported).
  std::unique_ptr<Page> ReadPage(const std::string& method, const std::string& url, Result<HttpResponse> response) {
    if (!response.ok()) {
      Fail(std::move(response).error());
      return nullptr;
    }
    auto page = std::make_unique<Page>();
    page->response = std::move(*response);
    const HttpResponse& r = page->response;
    for (const ResponseAction& action : run_.endpoint().response_actions) {
      const bool status_matches = !action.status_code || *action.status_code == r.status;
      const bool content_matches = !action.content || r.body.find(*action.content) != std::string::npos;
      if (status_matches && content_matches) {
        page->ignored = true;
        return page;
      }
    }
    const std::string where = method + " " + RedactedUrl(url);
    if (r.status >= 400) {
      Fail(Error(r.status >= 500 ? ErrorCode::kUnavailable : ErrorCode::kFailedPrecondition,
                 where + " returned " + std::to_string(r.status) + " " + r.reason +
                     (r.attempts > 1 ? " after " + std::to_string(r.attempts) + " attempts" : std::string()) +
                     (r.body.empty() ? std::string() : ": " + BodySnippet(r.body))));
      return nullptr;
    }
    if (r.body.find_first_not_of(" \t\r\n") != std::string::npos) {
      JsonParseFailure failure;
      if (!ParseJsonBounded(page->doc, r.body, kMaxResponseDepth, failure)) {
        auto content_type = r.Header("Content-Type");
        Fail(Error(ErrorCode::kDataLoss,
                   where + (failure.too_deep ? ": the response cannot be read (" : ": the response is not valid JSON (") +
                       failure.message + " at byte " + std::to_string(failure.offset) + ", Content-Type " +
                       (content_type ? std::string(*content_type) : std::string("absent")) + ")"));
        return nullptr;
      }
      page->has_body = true;
    }
    return page;
  }

  void SelectPageRecords(Page& page) {
    if (!page.has_body) return;
    if (run_.selector) {
      page.records = SelectRecords(page.doc, &*run_.selector, nullptr);
    } else if (detected_selector_) {
      page.records = SelectRecords(page.doc, &*detected_selector_, nullptr);
    } else {
      std::string detected;
      page.records = SelectRecords(page.doc, nullptr, &detected);
      auto path = JsonPath::Parse(detected.empty() ? "$" : detected);
      if (path.ok()) detected_selector_.emplace(std::move(*path));
    }
  }

  void OnResponse(std::int64_t index, const std::string& method, const std::string& url,
                  Result<HttpResponse> response) {
    if (index >= 0) in_flight_--;
    if (ex_.failed()) return Finish();
    std::unique_ptr<Page> page = ReadPage(method, url, std::move(response));
    if (!page) return;
    if (index >= 0) return OnParallelPage(index, std::move(page));
    if (page->ignored) {
      run_.stats.ignored++;
      ex_.Emit(RestEvent::Kind::kResponseIgnored, run_,
               method + " " + RedactedUrl(url) + " returned " + std::to_string(page->response.status) +
                   ": ignored by a response_action");
      return Finish();
    }
    SelectPageRecords(*page);
    previous_url_ = page->response.final_url.empty() ? url : page->response.final_url;
    PageResponse view{&page->response, page->has_body ? &page->doc : nullptr, page->records.size()};
    if (!paginator_) {
      Result<DetectedPaginator> detected = DetectPaginator(view);
      if (!detected.ok()) return Fail(std::move(detected).error());
      paginator_ = std::move(detected->paginator);
      ex_.Emit(RestEvent::Kind::kPaginatorDetected, run_, detected->explanation);
    } else {
      Status updated = paginator_->Update(view);
      if (!updated.ok()) return Fail(std::move(updated).error());
    }
    Status emitted = EmitRecords(*page);
    if (!emitted.ok()) return Fail(std::move(emitted).error());
    page.reset();
    if (!paginator_->has_next()) return Finish();
    const std::optional<std::int64_t> count = paginator_->KnownPageCount();
    if (pages_done_ == 1 && count && *count > 1 && run_.endpoint().concurrent_pages > 1) {
      parallel_ = true;
      page_count_ = *count;
      return LaunchPages();
    }
    Status next = paginator_->Next(current_);
    if (!next.ok()) return Fail(std::move(next).error());
    if (run_.Blocked()) return Pause();
    SendCurrent();
  }

  // Concurrent paging: pages 1..page_count_-1, at most concurrent_pages in
  // flight, passed on in page order.
  void LaunchPages() {
    const int limit = std::max(1, run_.endpoint().concurrent_pages);
    while (in_flight_ < limit && next_index_ < page_count_) {
      if (run_.Blocked()) return Pause();
      PageRequest request = CopyPageRequest(first_request_);
      Status set = paginator_->SetPage(request, next_index_);
      if (!set.ok()) return Fail(std::move(set).error());
      Result<http::HttpRequest> http_request = ToHttpRequest(run_.endpoint().method, request, headers_, previous_url_);
      if (!http_request.ok()) return Fail(std::move(http_request).error());
      in_flight_++;
      Send(std::move(*http_request), next_index_++);
    }
    if (in_flight_ == 0 && next_index_ >= page_count_) Finish();
  }

  void OnParallelPage(std::int64_t index, std::unique_ptr<Page> page) {
    if (page->ignored) {
      run_.stats.ignored++;
    } else {
      SelectPageRecords(*page);
    }
    ready_.emplace(index, std::move(page));
    while (!ready_.empty() && ready_.begin()->first == emit_index_) {
      std::unique_ptr<Page> next = std::move(ready_.begin()->second);
      ready_.erase(ready_.begin());
      emit_index_++;
      if (next->ignored) continue;
      Status emitted = EmitRecords(*next);
      if (!emitted.ok()) return Fail(std::move(emitted).error());
    }
    LaunchPages();
  }

  Status EmitRecords(Page& page) {
    pages_done_++;
    run_.stats.pages++;
    rapidjson::Document::AllocatorType& alloc = page.doc.GetAllocator();
    const RestResourceConfig& config = *run_.binding->config;
    for (const rapidjson::Value* record_ptr : page.records) {
      // The records belong to this page's document, which we own.
      rapidjson::Value& record = const_cast<rapidjson::Value&>(*record_ptr);
      if (!config.include_from_parent.empty() && parent_fields_) {
        if (!record.IsObject()) {
          return Error(ErrorCode::kInvalidArgument,
                       "include_from_parent needs object records, got " + std::string(JsonTypeName(record)));
        }
        for (const std::string& field : config.include_from_parent) {
          auto it = parent_fields_->find(field);
          rapidjson::Document value(&alloc);
          value.Parse(it == parent_fields_->end() ? "null" : it->second.c_str());
          const std::string name = "_" + run_.parent->name() + "_" + field;
          if (record.HasMember(name.c_str())) record.RemoveMember(name.c_str());
          record.AddMember(rapidjson::Value(name.c_str(), alloc), rapidjson::Value(value, alloc), alloc);
        }
      }
      // The compact text is needed by the incremental and the sink; a parent
      // that only feeds children needs none.
      std::string_view json;
      if (run_.binding->incremental != nullptr || run_.binding->sink != nullptr) {
        buffer_.Clear();
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer_);
        record.Accept(writer);
        json = std::string_view(buffer_.GetString(), buffer_.GetSize());
      }
      if (run_.binding->incremental != nullptr) {
        INGESTD_ASSIGN_OR_RETURN(bool keep, run_.binding->incremental->Accept(json));
        if (!keep) continue;
      }
      run_.stats.items++;
      if (run_.binding->sink != nullptr) INGESTD_TRY(run_.binding->sink->Accept(json));
      for (ResourceRun* child : run_.children) {
        ParentFields fields;
        for (const auto& [name, path] : child->parent_fields) {
          const rapidjson::Value* found = path.FindFirst(record);
          if (found == nullptr) {
            return Error(ErrorCode::kInvalidArgument,
                         "an item has no field `" + name + "`, which child resource " + child->name() + " needs");
          }
          fields.emplace(name, JsonText(*found));
        }
        child->queue.push_back(std::move(fields));
        ex_.Dispatch(*child);
      }
    }
    return OkStatus();
  }

  void Pause() { run_.paused.push_back(shared_from_this()); }

  void Fail(Error error) {
    ex_.Fail(std::move(error).WithContext("resource " + run_.name()));
    Finish();
  }

  void Finish() {
    if (finished_ || in_flight_ > 0) return;
    finished_ = true;
    ex_.SeriesFinished(run_);
  }

  Extraction& ex_;
  ResourceRun& run_;
  std::optional<ParentFields> parent_fields_;
  PlaceholderLookup lookup_;
  PageRequest current_;
  PageRequest first_request_;
  http::HeaderList headers_;
  std::unique_ptr<Paginator> paginator_;
  std::optional<JsonPath> detected_selector_;
  std::string previous_url_;
  std::unordered_set<std::size_t> requested_;  // hashes of the pages requested (sequential paging)
  rapidjson::StringBuffer buffer_;
  std::uint64_t pages_done_ = 0;
  bool finished_ = false;
  // concurrent paging
  bool parallel_ = false;
  std::int64_t page_count_ = 0;
  std::int64_t next_index_ = 1;
  std::int64_t emit_index_ = 1;
  int in_flight_ = 0;
  std::map<std::int64_t, std::unique_ptr<Page>> ready_;
};

Status Extraction::Setup(const std::vector<RestResourceBinding>& bindings) {
  if (bindings.empty()) return OkStatus();
  const ClientConfig& client_config = *bindings.front().config->client;
  http::HttpEventCallback on_http_event = options_.on_http_event;
  INGESTD_ASSIGN_OR_RETURN(client_, http::HttpClient::Create(io_, client_config.http, options_.metrics,
                                                             std::move(on_http_event), options_.random_seed));
  std::map<std::string, ResourceRun*, std::less<>> by_name;
  for (const RestResourceBinding& binding : bindings) {
    auto run = std::make_unique<ResourceRun>();
    run->binding = &binding;
    run->stats.name = binding.name;
    by_name[binding.name] = run.get();
    runs_.push_back(std::move(run));
  }
  for (auto& run_ptr : runs_) {
    ResourceRun& run = *run_ptr;
    const RestResourceConfig& config = *run.binding->config;
    const EndpointConfig& endpoint = config.endpoint;
    auto context = [&](Error e) { return std::move(e).WithContext("resource " + run.name()); };
    const std::optional<AuthConfig>& auth = endpoint.auth ? endpoint.auth : config.client->auth;
    if (auth) {
      auto created = Authenticator::Create(*auth, options_.resolve_secret, config.client->base_url, *client_);
      if (!created.ok()) return context(std::move(created).error());
      run.auth = std::move(*created);
    }
    if (endpoint.paginator) {
      run.paginator = endpoint.paginator;
    } else if (config.client->paginator) {
      run.paginator = config.client->paginator;
    }
    if (run.paginator && run.paginator->type == PaginatorConfig::Type::kAuto) run.paginator.reset();
    if (endpoint.data_selector) {
      auto selector = JsonPath::Parse(*endpoint.data_selector);
      if (!selector.ok()) return context(std::move(selector).error().WithContext("data_selector"));
      run.selector.emplace(std::move(*selector));
    }
    if (config.parent) {
      auto parent = by_name.find(*config.parent);
      if (parent == by_name.end()) {
        return context(Error(ErrorCode::kInvalidArgument,
                             "parent resource " + *config.parent + " is not extracted in this run"));
      }
      run.parent = parent->second;
      parent->second->children.push_back(&run);
      INGESTD_ASSIGN_OR_RETURN(std::vector<std::string> fields, ParentFieldsNamed(endpoint, *config.parent));
      for (const std::string& f : config.include_from_parent) fields.push_back(f);
      std::sort(fields.begin(), fields.end());
      fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
      for (const std::string& f : fields) {
        auto path = JsonPath::Parse(f);
        if (!path.ok()) return context(std::move(path).error().WithContext("parent field " + f));
        run.parent_fields.emplace_back(f, std::move(*path));
      }
    }
  }
  return OkStatus();
}

// An authenticator that adds nothing, for endpoints without auth.
class NoAuthenticator final : public Authenticator {
 public:
  explicit NoAuthenticator(http::HttpClient& client) : client_(client) {}
  void AsyncPrepare(std::function<void(Status)> done) override {
    boost::asio::post(client_.executor(), [done = std::move(done)] { done(OkStatus()); });
  }
  Status Apply(http::HttpRequest&) const override { return OkStatus(); }

 private:
  http::HttpClient& client_;
};

Status Extraction::Run(std::stop_token stop) {
  if (runs_.empty()) return OkStatus();
  for (auto& run : runs_) {
    if (!run->auth) run->auth = std::make_unique<NoAuthenticator>(*client_);
  }
  boost::asio::post(client_->executor(), [this] {
    for (auto& run : runs_) {
      if (run->parent != nullptr) continue;
      run->started = true;
      std::make_shared<Series>(*this, *run, std::nullopt)->Start();
    }
  });
  std::stop_callback on_stop(stop, [this] {
    boost::asio::post(client_->executor(), [this] {
      Fail(Error(ErrorCode::kCancelled, "rest_api extraction cancelled"));
    });
    client_->Cancel();
  });
  io_.run();
  if (failed_) return error_;
  for (const auto& run : runs_) {
    if (!run->done) {
      return Error(ErrorCode::kInternal, "resource " + run->name() + ": extraction ended before the resource finished");
    }
  }
  return OkStatus();
}

void Extraction::SeriesFinished(ResourceRun& run) {
  run.active--;
  if (failed_) return;
  Dispatch(run);
  if (run.parent != nullptr) ResumePaused(*run.parent);
  CheckDone(run);
}

void Extraction::Dispatch(ResourceRun& run) {
  while (!failed_ && !run.queue.empty() && run.active < std::max(1, run.binding->config->concurrent_children)) {
    ParentFields fields = std::move(run.queue.front());
    run.queue.pop_front();
    run.started = true;
    std::make_shared<Series>(*this, run, std::move(fields))->Start();
  }
}

void Extraction::ResumePaused(ResourceRun& run) {
  while (!failed_ && !run.paused.empty() && !run.Blocked()) {
    std::shared_ptr<Series> series = std::move(run.paused.back());
    run.paused.pop_back();
    series->Resume();
  }
}

void Extraction::CheckDone(ResourceRun& run) {
  if (run.done || failed_) return;
  const bool inputs_done = run.parent == nullptr ? run.started : run.parent->done;
  if (!inputs_done || run.active > 0 || !run.queue.empty() || !run.paused.empty()) return;
  run.done = true;
  Emit(RestEvent::Kind::kResourceFinished, run,
       std::to_string(run.stats.items) + " items from " + std::to_string(run.stats.pages) + " pages in " +
           std::to_string(run.stats.series) + " request series");
  for (ResourceRun* child : run.children) CheckDone(*child);
}

}  // namespace

Result<std::vector<RestResourceStats>> ExtractRestApi(const std::vector<RestResourceBinding>& resources,
                                                      const RestSourceOptions& options, std::stop_token stop) {
  Extraction extraction(options);
  INGESTD_TRY(extraction.Setup(resources));
  INGESTD_TRY(extraction.Run(stop));
  return extraction.Stats();
}

}  // namespace ingestd::extract::rest
