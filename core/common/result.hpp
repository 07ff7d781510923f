#pragma once

#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/common/check.hpp"
#include "core/common/error.hpp"

namespace ingestd {

/// Result<T>: a value or an Error, shaped like std::expected<T, Error> (GCC 12
/// has no <expected> in C++20 mode; this becomes an alias later).
///
/// There is no default constructor on purpose (Arrow's reasoning): a stray
/// `return {};` must not compile into an "ok" result with an empty value.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const Error& error() const& {
    INGESTD_CHECK(!ok());
    return std::get<1>(data_);
  }
  Error&& error() && {
    INGESTD_CHECK(!ok());
    return std::get<1>(std::move(data_));
  }

  T& value() & {
    INGESTD_CHECK(ok());
    return std::get<0>(data_);
  }
  const T& value() const& {
    INGESTD_CHECK(ok());
    return std::get<0>(data_);
  }
  T&& value() && {
    INGESTD_CHECK(ok());
    return std::get<0>(std::move(data_));
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> data_;
};

/// Status: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;  // success; unlike Result<T> there is no value to forget
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& {
    INGESTD_CHECK(!ok());
    return *error_;
  }
  Error&& error() && {
    INGESTD_CHECK(!ok());
    return std::move(*error_);
  }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status OkStatus() { return Status(); }

}  // namespace ingestd

#define INGESTD_CONCAT_INNER_(a, b) a##b
#define INGESTD_CONCAT_(a, b) INGESTD_CONCAT_INNER_(a, b)

/// INGESTD_TRY(expr): evaluate a Status or Result; on error return the error.
#define INGESTD_TRY(expr)                                        \
  do {                                                           \
    auto&& ingestd_try_result_ = (expr);                         \
    if (!ingestd_try_result_.ok()) [[unlikely]]                  \
      return std::move(ingestd_try_result_).error();             \
  } while (false)

/// INGESTD_ASSIGN_OR_RETURN(lhs, expr): `lhs = *expr` or return its error.
/// `lhs` may be a declaration: INGESTD_ASSIGN_OR_RETURN(auto schema, Load()).
#define INGESTD_ASSIGN_OR_RETURN(lhs, expr) \
  INGESTD_ASSIGN_OR_RETURN_IMPL_(INGESTD_CONCAT_(ingestd_result_, __LINE__), lhs, expr)
#define INGESTD_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) [[unlikely]]                          \
    return std::move(tmp).error();                     \
  lhs = std::move(tmp).value()
