#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/repeated_field.h>

#include "core/catalog/catalog.hpp"
#include "core/common/result.hpp"
#include "core/pipeline/pipeline_spec.hpp"
#include "ingestd/v1/control.pb.h"

namespace ingestd::rpc {

/// Request checks shared by the Control handlers. Pure. Every error is
/// kInvalidArgument (unless said otherwise) and its message starts with the
/// field name, as control.proto promises.

/// `<field>: required` when `value` is empty.
Status RequireField(std::string_view field, std::string_view value);

/// Longest idempotency key accepted (control.proto: up to 200 characters).
inline constexpr std::size_t kMaxIdempotencyKeyLength = 200;
/// Empty is fine (no key); otherwise at most 200 printable ASCII characters
/// (0x20..0x7e).
Status ValidateIdempotencyKey(std::string_view field, std::string_view key);

/// The page size to use: `requested`, or `default_size` for 0, clamped to
/// `max_size` (AIP-158: larger requests are coerced, not refused).
std::size_t PageSize(std::uint32_t requested, std::size_t default_size, std::size_t max_size);
/// How many rows to ask the catalog for to know whether a next page exists:
/// one more than the page, within `max_fetch`.
std::size_t FetchLimit(std::size_t page_size, std::size_t max_fetch);
/// Whether there is a page after one that fetched `fetched` rows with
/// FetchLimit: more than the page came back, or the fetch could not look
/// ahead and came back full (the next page may then be empty).
bool HasMorePages(std::size_t fetched, std::size_t page_size, std::size_t fetch_limit);

/// ListRuns' `statuses` in catalog form; `statuses[i]: ...` for
/// RUN_STATUS_UNSPECIFIED or an unknown value.
Result<std::vector<catalog::RunStatus>> StatusesFromProto(
    const google::protobuf::RepeatedField<int>& statuses);

/// StartRun's on_active: true to queue behind an active run, false to
/// refuse (UNSPECIFIED is REFUSE). `on_active: ...` for unknown values.
Result<bool> QueueIfActive(int on_active);

/// The canonical form of a spec as stored by ApplyPipeline: the same JSON
/// without insignificant whitespace (key order and numbers exactly as
/// written), so re-applying an unchanged spec is a no-op whatever its
/// formatting. `spec_json: ...` when it is not JSON.
Result<std::string> CanonicalJson(std::string_view json);

/// The push resource a PushRecords stream loads into: `requested` when it
/// names one of the spec's push resources (`resource: ...` listing them
/// otherwise); when empty, the only one (`resource: required ...` listing
/// them when there are several). kFailedPrecondition when the spec has no
/// push resource at all.
Result<std::string> ResolvePushResource(const pipeline::PipelineSpec& spec, std::string_view requested);

/// `table` must be a root table of the spec (a resource's table_name):
/// `table: ...` listing the known ones otherwise.
Status RequireRootTable(const pipeline::PipelineSpec& spec, std::string_view table);

/// `resource` must name one of the spec's resources: `resource: ...`
/// listing them otherwise.
Status RequireResource(const pipeline::PipelineSpec& spec, std::string_view resource);

/// Deepest nesting accepted in a pushed record.
inline constexpr std::size_t kMaxPushedRecordDepth = 1000;
/// Checks one pushed record (PushRecords `records[index]` of message
/// `message`, both counted from 0) and returns the line to stage for it,
/// without the newline: the record as sent, its line breaks (which valid
/// JSON has only as whitespace) turned into spaces, so numbers reach the
/// normalizer exactly as written. kInvalidArgument
/// `records[<i>] of message <m>: expected a JSON object...` when it is not
/// JSON, not an object or nests deeper than kMaxPushedRecordDepth;
/// kResourceExhausted when it is larger than `max_bytes`.
Result<std::string> PushedRecordLine(std::string_view record, std::size_t index, std::size_t message,
                                     std::size_t max_bytes);

/// `"a", "b", "c"`: names for error messages.
std::string QuotedList(const std::vector<std::string>& names);

}  // namespace ingestd::rpc
