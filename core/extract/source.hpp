#pragma once

#include <stop_token>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace ingestd::extract {

/// Where a resource puts its items. The runner's sink buffers at most
/// `buffer_max_items` items and rotates them into JSONL item files; filters
/// (extract::IncrementalFilter) are sinks that forward to another sink, so
/// they sit between a resource and the writer:
///
///     FilesResource ──▶ IncrementalFilter ──▶ runner's item-file writer
///
/// Implementations are called from one thread (the one running Extract).
class ItemSink {
 public:
  virtual ~ItemSink() = default;

  /// Receives one item: the complete JSON text of one document, normally an
  /// object (the normalizer turns any other value v into {"value": v}). The
  /// text is valid JSON and valid UTF-8; the view is only valid during the
  /// call, so a sink that keeps the item copies it. Returning an error stops
  /// the extraction: the resource returns that error unchanged.
  virtual Status Accept(std::string_view json_item) = 0;
};

/// A source of items: files now, HTTP APIs and SQL tables later. Resources
/// are synchronous (core starts no threads) and stream: an implementation
/// holds at most one item plus fixed-size read buffers (one page for HTTP),
/// never a whole file or a whole result, and pushes every item into the sink
/// as soon as it is complete. Batching is the sink's job, so memory stays
/// bounded by what the sink buffers.
///
/// A Resource is created from its spec (pipeline::ResourceSpec) by the runner
/// and used for one run; it is not thread-safe.
class Resource {
 public:
  virtual ~Resource() = default;

  /// The resource name from the spec (also the state key
  /// `sources.<source>.resources.<name>`).
  virtual const std::string& name() const = 0;

  /// Reads every item and calls sink.Accept once per item, in source order.
  /// `stop` is checked between items; when it is requested the call returns
  /// kCancelled. On an error (unreadable or malformed input, a sink error)
  /// the items already accepted stay accepted; the runner decides whether
  /// to keep them. Errors name the input (file and line, URL, ...).
  virtual Status Extract(ItemSink& sink, std::stop_token stop) = 0;
};

/// The error a resource returns when `stop` was requested.
inline Error Cancelled(std::string_view resource) {
  return Error(ErrorCode::kCancelled, "resource " + std::string(resource) + ": extraction cancelled");
}

}  // namespace ingestd::extract
