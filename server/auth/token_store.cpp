#include "server/auth/token_store.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/common/ascii.hpp"
#include "core/json/json_type_name.hpp"
#include "core/json/rapidjson.hpp"
#include "core/package/file_io.hpp"
#include "core/pipeline/pipeline_runner.hpp"

namespace ingestd::auth {
namespace {

constexpr std::size_t kSha256Bytes = 32;
// A tokens file is a handful of lines; anything bigger is the wrong file.
constexpr std::size_t kMaxTokensFileBytes = 1u << 20;
constexpr std::string_view kBearerFormat = "expected \"Bearer <token>\"";

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

Result<std::string> Sha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1 ||
      length != kSha256Bytes) {
    return Internal("SHA-256 failed (OpenSSL EVP_Digest)");
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

// Bytes that cannot occur in a bearer token on the wire (RFC 6750's
// b64token is printable ASCII without spaces); a configured token holding
// one could never be presented.
bool HasSpaceOrControl(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7f) return true;
  }
  return false;
}

std::optional<std::string> HexToBytes(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexDigitValue(hex[i]);
    int lo = HexDigitValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes += static_cast<char>(hi * 16 + lo);
  }
  return bytes;
}

/// Wipes a secret's bytes before its memory is released, so a resolved
/// token does not linger in freed heap memory.
struct SecretWiper {
  std::string& secret;
  ~SecretWiper() {
    if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
  }
};

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kRead: return "read";
    case Role::kOperate: return "operate";
    case Role::kAdmin: return "admin";
  }
  return "unknown";
}

Result<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kRead, Role::kOperate, Role::kAdmin}) {
    if (name == RoleName(role)) return role;
  }
  return InvalidArgument("unknown role " + Quoted(name) + " (expected \"read\", \"operate\" or \"admin\")");
}

TokenStore TokenStore::Disabled() { return TokenStore(); }

Result<TokenStore> TokenStore::LoadFile(const std::string& path) {
  auto text = package::ReadSmallFile(path, kMaxTokensFileBytes);
  // The message names the path already ("open /x.json: No such file ...").
  // A file the operator named that cannot be read is their input's fault.
  if (!text.ok()) return InvalidArgument("tokens file: " + text.error().message());
  auto store = FromJson(*text);
  if (!store.ok()) return std::move(store).error().WithContext("tokens file " + path);
  return store;
}

Result<TokenStore> TokenStore::FromJson(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  // Parse errors report the offset only: the text may hold literal tokens.
  if (doc.HasParseError()) {
    return InvalidArgument("invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
                           rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) {
    return InvalidArgument(std::string("expected an object {\"tokens\": [...]}, got ") +
                           std::string(JsonTypeName(doc)));
  }
  const rapidjson::Value* tokens = nullptr;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string_view key(it->name.GetString(), it->name.GetStringLength());
    if (key != "tokens") return InvalidArgument("unknown key " + Quoted(key) + " (the only key is \"tokens\")");
    if (tokens != nullptr) return InvalidArgument("key \"tokens\" appears twice");
    tokens = &it->value;
  }
  if (tokens == nullptr) return InvalidArgument("missing key \"tokens\"");
  if (!tokens->IsArray()) {
    return InvalidArgument("tokens: expected an array, got " + std::string(JsonTypeName(*tokens)));
  }
  if (tokens->Size() == 0) {
    return InvalidArgument(
        "tokens: expected at least one token (to turn authentication off, do not set a tokens file)");
  }

  TokenStore store;
  store.enabled_ = true;
  std::set<std::string, std::less<>> names;
  for (std::size_t i = 0; i < tokens->Size(); ++i) {
    const rapidjson::Value& item = (*tokens)[i];
    std::string where = "tokens[" + std::to_string(i) + "]";
    if (!item.IsObject()) return InvalidArgument(where + ": expected an object, got " + std::string(JsonTypeName(item)));

    const rapidjson::Value* name = nullptr;
    const rapidjson::Value* role = nullptr;
    const rapidjson::Value* sha256 = nullptr;
    const rapidjson::Value* token = nullptr;
    for (auto it = item.MemberBegin(); it != item.MemberEnd(); ++it) {
      std::string_view key(it->name.GetString(), it->name.GetStringLength());
      const rapidjson::Value** slot = key == "name"     ? &name
                                      : key == "role"   ? &role
                                      : key == "sha256" ? &sha256
                                      : key == "token"  ? &token
                                                        : nullptr;
      if (slot == nullptr) {
        return InvalidArgument(where + ": unknown key " + Quoted(key) +
                               " (expected \"name\", \"role\" and one of \"sha256\" or \"token\")");
      }
      if (*slot != nullptr) return InvalidArgument(where + ": key " + Quoted(key) + " appears twice");
      *slot = &it->value;
    }

    Entry entry;
    if (name == nullptr) return InvalidArgument(where + ": missing key \"name\"");
    if (!name->IsString() || name->GetStringLength() == 0) {
      return InvalidArgument(where + ".name: expected a non-empty string");
    }
    entry.name.assign(name->GetString(), name->GetStringLength());
    if (HasSpaceOrControl(entry.name) || entry.name.find('"') != std::string::npos) {
      return InvalidArgument(where + ".name: expected no spaces, quotes or control characters");
    }
    where += " (" + Quoted(entry.name) + ")";
    if (!names.insert(entry.name).second) {
      return InvalidArgument(where + ": the name is used by an earlier entry; names must be unique");
    }

    if (role == nullptr) return InvalidArgument(where + ": missing key \"role\" (\"read\", \"operate\" or \"admin\")");
    if (!role->IsString()) {
      return InvalidArgument(where + ".role: expected \"read\", \"operate\" or \"admin\", got " +
                             std::string(JsonTypeName(*role)));
    }
    auto parsed_role = ParseRole(std::string_view(role->GetString(), role->GetStringLength()));
    if (!parsed_role.ok()) return std::move(parsed_role).error().WithContext(where + ".role");
    entry.role = *parsed_role;

    if ((sha256 == nullptr) == (token == nullptr)) {
      return InvalidArgument(where + ": set exactly one of \"sha256\" (hex SHA-256 of the token, from `printf %s " +
                             "\"$TOKEN\" | sha256sum`) or \"token\" (the token, env:NAME or file:PATH)");
    }
    if (sha256 != nullptr) {
      // The hex digest is not the secret, but still never echoed: a token
      // pasted here by mistake would otherwise end up in logs.
      if (!sha256->IsString()) {
        return InvalidArgument(where + ".sha256: expected a string of 64 hex digits, got " +
                               std::string(JsonTypeName(*sha256)));
      }
      std::string_view hex(sha256->GetString(), sha256->GetStringLength());
      auto bytes = hex.size() == 2 * kSha256Bytes ? HexToBytes(hex) : std::nullopt;
      if (!bytes) {
        return InvalidArgument(where + ".sha256: expected 64 hex digits (the SHA-256 of the token, from `printf %s " +
                               "\"$TOKEN\" | sha256sum`), got " + std::to_string(hex.size()) +
                               " characters" + (hex.size() == 2 * kSha256Bytes ? " that are not all hex digits" : ""));
      }
      entry.sha256 = std::move(*bytes);
    } else {
      if (!token->IsString() || token->GetStringLength() == 0) {
        return InvalidArgument(where + ".token: expected a non-empty string (the token, env:NAME or file:PATH)");
      }
      std::string reference(token->GetString(), token->GetStringLength());
      SecretWiper wipe_reference{reference};
      // ResolveSecret's errors name the reference (env:NAME, file:PATH),
      // never a value; a literal token resolves without error.
      auto resolved = pipeline::ResolveSecret(reference);
      if (!resolved.ok()) return std::move(resolved).error().WithContext(where + ".token");
      std::string secret = std::move(resolved).value();
      SecretWiper wipe_secret{secret};
      if (secret.empty()) return InvalidArgument(where + ".token: the token is empty");
      if (HasSpaceOrControl(secret)) {
        return InvalidArgument(where +
                               ".token: the token contains a space or control character, which a bearer token "
                               "cannot");
      }
      INGESTD_ASSIGN_OR_RETURN(entry.sha256, Sha256(secret));
    }
    for (const Entry& earlier : store.entries_) {
      if (earlier.sha256 == entry.sha256) {
        return InvalidArgument(where + ": same token as " + Quoted(earlier.name) +
                               "; each entry needs its own token");
      }
    }
    store.entries_.push_back(std::move(entry));
  }
  return store;
}

Result<Principal> TokenStore::Authenticate(std::string_view authorization) const {
  if (!enabled_) return Principal{"anonymous", Role::kAdmin};
  // No message below quotes any part of `authorization`: a client that sent
  // the bare token (no scheme) would otherwise see it echoed, and logged.
  if (authorization.empty()) {
    return Unauthenticated("missing authorization metadata; " + std::string(kBearerFormat));
  }
  constexpr std::string_view kScheme = "bearer ";
  if (!StartsWithIgnoreAsciiCase(authorization, kScheme)) {
    return Unauthenticated("malformed authorization metadata: " + std::string(kBearerFormat));
  }
  std::string_view presented = authorization.substr(kScheme.size());
  if (presented.empty()) return Unauthenticated("empty bearer token: " + std::string(kBearerFormat));
  if (HasSpaceOrControl(presented)) {
    return Unauthenticated("malformed authorization metadata: " + std::string(kBearerFormat) +
                           " with a single token");
  }
  INGESTD_ASSIGN_OR_RETURN(std::string digest, Sha256(presented));

  // Every entry is compared, in constant time, and the match is selected
  // without a branch on the comparison, so the time taken does not reveal
  // which entry (if any) matched.
  std::size_t match = entries_.size();
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const std::string& expected = entries_[i].sha256;
    std::size_t equal = static_cast<std::size_t>(CRYPTO_memcmp(expected.data(), digest.data(), kSha256Bytes) == 0);
    match = equal * i + (1 - equal) * match;
  }
  if (match == entries_.size()) return Unauthenticated("unknown bearer token");
  return Principal{entries_[match].name, entries_[match].role};
}

Status TokenStore::Authorize(const Principal& principal, Role required, std::string_view call) {
  if (principal.role >= required) return OkStatus();
  return PermissionDenied(std::string(call) + " needs role " + Quoted(RoleName(required)) + "; token " +
                          Quoted(principal.name) + " has role " + Quoted(RoleName(principal.role)));
}

}  // namespace ingestd::auth
