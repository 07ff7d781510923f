#include "server/rpc/request_validation.hpp"

#include <algorithm>
#include <variant>

#include "core/json/bounded_parse.hpp"
#include "core/json/json_type_name.hpp"
#include "core/json/rapidjson.hpp"
#include "ingestd/v1/control.pb.h"
#include "server/rpc/proto_mapping.hpp"
#include "server/runs/run_proto.hpp"

namespace ingestd::rpc {

namespace v1 = ingestd::v1;

Status RequireField(std::string_view field, std::string_view value) {
  if (value.empty()) return InvalidArgument(std::string(field) + ": required");
  return OkStatus();
}

Status ValidateIdempotencyKey(std::string_view field, std::string_view key) {
  if (key.size() > kMaxIdempotencyKeyLength) {
    return InvalidArgument(std::string(field) + ": " + std::to_string(key.size()) + " characters, more than " +
                           std::to_string(kMaxIdempotencyKeyLength));
  }
  for (std::size_t i = 0; i < key.size(); ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    if (c < 0x20 || c > 0x7e) {
      return InvalidArgument(std::string(field) + ": character " + std::to_string(i) +
                             " is not printable ASCII (0x20 to 0x7e allowed)");
    }
  }
  return OkStatus();
}

std::size_t PageSize(std::uint32_t requested, std::size_t default_size, std::size_t max_size) {
  const std::size_t size = requested == 0 ? default_size : static_cast<std::size_t>(requested);
  return std::min(size, max_size);
}

std::size_t FetchLimit(std::size_t page_size, std::size_t max_fetch) { return std::min(page_size + 1, max_fetch); }

bool HasMorePages(std::size_t fetched, std::size_t page_size, std::size_t fetch_limit) {
  if (fetched > page_size) return true;
  return fetch_limit == page_size && fetched == page_size;
}

Result<std::vector<catalog::RunStatus>> StatusesFromProto(const google::protobuf::RepeatedField<int>& statuses) {
  std::vector<catalog::RunStatus> out;
  for (int i = 0; i < statuses.size(); ++i) {
    const int value = statuses.Get(i);
    std::optional<catalog::RunStatus> status;
    if (v1::RunStatus_IsValid(value)) status = runs::RunStatusFromProto(static_cast<v1::RunStatus>(value));
    if (!status) {
      return InvalidArgument("statuses[" + std::to_string(i) + "]: " +
                             (v1::RunStatus_IsValid(value) ? v1::RunStatus_Name(value) : std::to_string(value)) +
                             " is not a run status; expected QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED");
    }
    if (std::find(out.begin(), out.end(), *status) == out.end()) out.push_back(*status);
  }
  return out;
}

Result<bool> QueueIfActive(int on_active) {
  switch (on_active) {
    case v1::ON_ACTIVE_UNSPECIFIED:
    case v1::ON_ACTIVE_REFUSE: return false;
    case v1::ON_ACTIVE_QUEUE: return true;
    default:
      return InvalidArgument("on_active: unknown value " + std::to_string(on_active) +
                             "; expected ON_ACTIVE_REFUSE or ON_ACTIVE_QUEUE");
  }
}

namespace {

// RapidJSON's Writer::RawNumber writes its argument as a *string* (quoted),
// so numbers read with kParseNumbersAsStringsFlag must be written as raw
// values instead, or "base_page": 1 comes back as "base_page": "1".
struct NumberPreservingWriter : rapidjson::Writer<rapidjson::StringBuffer> {
  using rapidjson::Writer<rapidjson::StringBuffer>::Writer;
  bool RawNumber(const char* str, rapidjson::SizeType length, bool /*copy*/) {
    return RawValue(str, length, rapidjson::kNumberType);
  }
};

}  // namespace

Result<std::string> CanonicalJson(std::string_view json) {
  rapidjson::StringBuffer buffer;
  NumberPreservingWriter writer(buffer);
  rapidjson::MemoryStream memory(json.data(), json.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> stream(memory);
  rapidjson::Reader reader;
  // Numbers pass through as written (Writer::RawNumber), so a long integer
  // or a decimal in the spec is stored exactly; iterative: no recursion.
  constexpr unsigned kFlags =
      rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag;
  rapidjson::ParseResult result = reader.Parse<kFlags>(stream, writer);
  if (result.IsError()) {
    return InvalidArgument("spec_json: not JSON at byte " + std::to_string(result.Offset()) + ": " +
                           rapidjson::GetParseError_En(result.Code()));
  }
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<std::string> PushedRecordLine(std::string_view record, std::size_t index, std::size_t message,
                                     std::size_t max_bytes) {
  const std::string where = "records[" + std::to_string(index) + "] of message " + std::to_string(message);
  if (record.size() > max_bytes) {
    return ResourceExhausted(where + ": " + std::to_string(record.size()) + " bytes, more than the limit of " +
                             std::to_string(max_bytes) + " bytes per record");
  }
  rapidjson::Document doc;
  JsonParseFailure failure;
  if (!ParseJsonBounded(doc, record, kMaxPushedRecordDepth, failure)) {
    return InvalidArgument(where + ": expected a JSON object: " + (failure.too_deep ? "" : "not JSON: ") +
                           failure.message + " (at byte " + std::to_string(failure.offset) + ")");
  }
  if (!doc.IsObject()) return InvalidArgument(where + ": expected a JSON object, got " + std::string(JsonTypeName(doc)));
  std::string line(record);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

namespace {

bool IsPushResource(const pipeline::ResourceSpec& resource) {
  return std::holds_alternative<pipeline::PushConfig>(resource.source);
}

}  // namespace

std::string QuotedList(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ", ";
    out += "\"" + name + "\"";
  }
  return out;
}

Result<std::string> ResolvePushResource(const pipeline::PipelineSpec& spec, std::string_view requested) {
  std::vector<std::string> push;
  for (const pipeline::ResourceSpec& resource : spec.resources) {
    if (IsPushResource(resource)) push.push_back(resource.name);
  }
  if (push.empty()) {
    return FailedPrecondition("pipeline " + spec.name +
                              " has no push resource; add one with {\"kind\": \"push\"}"
                              " as a resource's source");
  }
  if (requested.empty()) {
    if (push.size() == 1) return push.front();
    return InvalidArgument("resource: required: pipeline " + spec.name + " has several push resources: " +
                           QuotedList(push));
  }
  if (std::find(push.begin(), push.end(), requested) != push.end()) return std::string(requested);
  bool exists = false;
  for (const pipeline::ResourceSpec& resource : spec.resources) exists = exists || resource.name == requested;
  return InvalidArgument("resource: \"" + std::string(requested) + "\" " +
                         (exists ? "is not a push resource" : "is not a resource") + " of pipeline " + spec.name +
                         "; push resources: " + QuotedList(push));
}

Status RequireRootTable(const pipeline::PipelineSpec& spec, std::string_view table) {
  std::vector<std::string> tables;
  for (const pipeline::ResourceSpec* resource : RootTableResources(spec)) {
    if (resource->table_name == table) return OkStatus();
    tables.push_back(resource->table_name);
  }
  return InvalidArgument("table: \"" + std::string(table) + "\" is not a root table of pipeline " + spec.name +
                         "; root tables: " + QuotedList(tables));
}

Status RequireResource(const pipeline::PipelineSpec& spec, std::string_view resource) {
  std::vector<std::string> names;
  for (const pipeline::ResourceSpec& r : spec.resources) {
    if (r.name == resource) return OkStatus();
    names.push_back(r.name);
  }
  return InvalidArgument("resource: \"" + std::string(resource) + "\" is not a resource of pipeline " + spec.name +
                         "; resources: " + QuotedList(names));
}

}  // namespace ingestd::rpc
