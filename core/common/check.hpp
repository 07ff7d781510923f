#pragma once

#include <cstdio>
#include <cstdlib>

/// INGESTD_CHECK(cond): an invariant that holds unless ingestd has a bug. It
/// aborts in every build type (Envoy's rule): continuing with broken state
/// could corrupt loaded data, which is worse than a crash.
#define INGESTD_CHECK(cond)                                                                \
  do {                                                                                     \
    if (!(cond)) [[unlikely]] {                                                            \
      std::fprintf(stderr, "ingestd: check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (false)
