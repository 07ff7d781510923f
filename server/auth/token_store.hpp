#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"

namespace ingestd::auth {

/// What a token may do. Each role includes the ones before it.
enum class Role : std::uint8_t {
  kRead,     // Get*, List*, WatchRun, DiffSchemas
  kOperate,  // + StartRun, CancelRun, Pause/ResumePipeline, PushRecords
  kAdmin,    // + ApplyPipeline, DeletePipeline, AlterContract, ResetState
};
std::string_view RoleName(Role role);  // "read", "operate", "admin"
/// The inverse of RoleName (exact, lower case). kInvalidArgument naming the
/// accepted names otherwise.
Result<Role> ParseRole(std::string_view name);

/// Who made a call.
struct Principal {
  /// The token's name from the tokens file ("airflow", "alice"); "anonymous"
  /// when authentication is disabled.
  std::string name;
  Role role = Role::kRead;
};

/// The daemon's bearer tokens, loaded from a tokens file (JSON):
///
///   {"tokens": [
///     {"name": "airflow", "role": "operate", "sha256": "<hex of SHA-256(token)>"},
///     {"name": "ops", "role": "admin", "token": "env:INGESTD_ADMIN_TOKEN"}
///   ]}
///
/// `sha256` keeps the secret out of the file; `token` is the secret itself
/// or a reference (`env:NAME`, `file:PATH`). Names are unique. Tokens are
/// compared in constant time and never logged or returned.
class TokenStore {
 public:
  /// Authentication disabled: every call is `anonymous` with role admin.
  /// The daemon allows this only on loopback listen addresses.
  static TokenStore Disabled();
  /// kInvalidArgument naming the entry and the fix (unknown role,
  /// duplicate name, neither or both of sha256/token, bad hex).
  static Result<TokenStore> LoadFile(const std::string& path);
  static Result<TokenStore> FromJson(std::string_view json);

  bool enabled() const { return enabled_; }

  /// Checks an `authorization` metadata value ("Bearer <token>").
  /// kUnauthenticated when missing, malformed or unknown (the message never
  /// echoes the token).
  Result<Principal> Authenticate(std::string_view authorization) const;

  /// kPermissionDenied when the principal's role is below `required`,
  /// naming the call, the role it needs and the role the token has.
  static Status Authorize(const Principal& principal, Role required, std::string_view call);

 private:
  struct Entry {
    std::string name;
    Role role = Role::kRead;
    std::string sha256;  // 32 raw bytes
  };
  bool enabled_ = false;
  std::vector<Entry> entries_;
};

}  // namespace ingestd::auth
