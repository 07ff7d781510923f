#pragma once

// Private to the worker pool: the messages besides jobs and outcomes that
// pass between the parent and a normalize worker, the worker's flags and
// its exit codes. Both sides are the same binary, so there is one version.
//
// Worker -> parent, once at start:     {"hello":{"protocol":1,"pid":N}}
// Parent -> worker, per job:           NormalizeJobToJson
// Worker -> parent, per job:           NormalizeJobOutcomeToJson, or
//   {"fatal":{"reason":"out_of_memory","message":"..."}} just before the
//   worker exits with kExitOutOfMemory (the job exceeded the memory limit).

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace ingestd::workers::protocol {

inline constexpr int kProtocolVersion = 1;

/// The descriptors the pool gives a worker, and the flags naming them.
inline constexpr int kRequestFd = 3;
inline constexpr int kReplyFd = 4;
inline constexpr int kLivenessFd = 5;
inline constexpr std::string_view kRequestFdFlag = "--request-fd";
inline constexpr std::string_view kReplyFdFlag = "--reply-fd";
inline constexpr std::string_view kLivenessFdFlag = "--liveness-fd";
inline constexpr std::string_view kMemoryLimitFlag = "--memory-limit-bytes";

/// Worker exit codes besides 0 (its request stream ended).
inline constexpr int kExitProtocolError = 1;
inline constexpr int kExitOutOfMemory = 3;
inline constexpr int kExitParentGone = 4;

std::string HelloToJson(pid_t pid);
/// OK when `frame` is a hello of this protocol version from `pid`.
Status CheckHello(std::string_view frame, pid_t pid);

std::string OutOfMemoryToJson(std::string_view message);
/// True when `frame` is the out-of-memory message (written compactly by
/// OutOfMemoryToJson, so its start identifies it).
bool IsOutOfMemory(std::string_view frame);

}  // namespace ingestd::workers::protocol
