#pragma once

// The single include point for RapidJSON. Its configuration macros must be
// identical in every translation unit (ODR), so they are set here and nowhere
// else; include this header instead of <rapidjson/...>.

#include <cstddef>
#include <stdexcept>

// 64-bit sizes so documents over 4 GiB cannot wrap offsets.
#ifndef RAPIDJSON_NO_SIZETYPEDEFINE
#define RAPIDJSON_NO_SIZETYPEDEFINE
namespace rapidjson {
typedef ::std::size_t SizeType;
}
#endif

// A wrong-type Get*() is a bug; by default RapidJSON asserts only in debug
// builds and is undefined behaviour otherwise. Throwing turns it into a
// catchable failure at the edges (callers must still check Is*() first).
#ifndef RAPIDJSON_ASSERT
#define RAPIDJSON_ASSERT(x)                                                  \
  do {                                                                       \
    if (!(x)) throw std::logic_error("rapidjson assertion failed: " #x);    \
  } while (false)
#endif

#define RAPIDJSON_HAS_STDSTRING 1
// No RAPIDJSON_SSE2/SSE42: RapidJSON's SIMD whitespace scan reads whole
// aligned 16-byte blocks past the end of the input, which is out of bounds
// for any buffer not padded by the caller (AddressSanitizer reports it).
// Compact JSON has little whitespace, so the scalar scan costs next to
// nothing.

#include <rapidjson/document.h>
#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
