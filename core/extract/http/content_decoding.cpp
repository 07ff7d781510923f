#include "core/extract/http/content_decoding.hpp"

#include <zlib.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/common/ascii.hpp"

namespace ingestd::extract::http {
namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;
// zlib's windowBits: 15 is the largest window; +16 selects the gzip wrapper,
// a negative value raw deflate.
constexpr int kZlibWindowBits = 15;
constexpr int kGzipWindowBits = 15 + 16;
constexpr int kRawWindowBits = -15;

enum class Coding { kIdentity, kGzip, kDeflate, kUnsupported };

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Coding ParseCoding(std::string_view token) {
  std::string lower(Trim(token));
  for (char& c : lower) c = AsciiLower(c);
  if (lower.empty() || lower == "identity") return Coding::kIdentity;
  if (lower == "gzip" || lower == "x-gzip") return Coding::kGzip;
  if (lower == "deflate") return Coding::kDeflate;
  return Coding::kUnsupported;
}

std::vector<Coding> ParseCodings(std::string_view value) {
  std::vector<Coding> codings;
  while (true) {
    const std::size_t comma = value.find(',');
    codings.push_back(ParseCoding(value.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return codings;
}

struct InflateStream {
  z_stream zs{};
  bool initialized = false;
  ~InflateStream() {
    if (initialized) inflateEnd(&zs);
  }
};

// The zlib format starts with CMF/FLG: compression method 8 and a header
// checksum that makes the first two bytes a multiple of 31 (RFC 1950 §2.2).
bool LooksLikeZlib(std::string_view data) {
  if (data.size() < 2) return false;
  const auto cmf = static_cast<unsigned char>(data[0]);
  const auto flg = static_cast<unsigned char>(data[1]);
  return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
}

Result<std::string> Inflate(std::string_view input, int window_bits, bool multi_member, std::size_t max_bytes,
                            std::string_view name) {
  InflateStream stream;
  if (inflateInit2(&stream.zs, window_bits) != Z_OK) return Internal("zlib inflateInit2 failed");
  stream.initialized = true;
  std::string out;
  stream.zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.zs.avail_in = static_cast<uInt>(input.size());
  char chunk[kChunkBytes];
  while (true) {
    stream.zs.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.zs.avail_out = sizeof chunk;
    const int rc = inflate(&stream.zs, Z_NO_FLUSH);
    const std::size_t produced = sizeof chunk - stream.zs.avail_out;
    if (out.size() + produced > max_bytes) {
      return ResourceExhausted("decoded response body exceeds max_response_bytes (" + std::to_string(max_bytes) +
                               ")");
    }
    out.append(chunk, produced);
    if (rc == Z_STREAM_END) {
      // gzip allows several members back to back; anything else after the
      // end of the stream is ignored, as browsers do.
      if (multi_member && stream.zs.avail_in > 0) {
        if (inflateReset(&stream.zs) != Z_OK) return Internal("zlib inflateReset failed");
        continue;
      }
      return out;
    }
    if (rc == Z_BUF_ERROR && stream.zs.avail_in == 0) {
      return DataLoss(std::string(name) + " response body is truncated");
    }
    if (rc != Z_OK) {
      return DataLoss(std::string(name) + " response body is corrupt" +
                      (stream.zs.msg != nullptr ? std::string(": ") + stream.zs.msg : std::string()));
    }
  }
}

}  // namespace

bool IsSupportedContentEncoding(std::string_view content_encoding) {
  const auto codings = ParseCodings(content_encoding);
  return std::none_of(codings.begin(), codings.end(), [](Coding c) { return c == Coding::kUnsupported; });
}

Result<std::string> DecodeContent(std::string_view content_encoding, std::string body, std::size_t max_bytes) {
  const std::vector<Coding> codings = ParseCodings(content_encoding);
  // No body (204, HEAD) is no body in any coding.
  if (body.empty()) return body;
  for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
    switch (*it) {
      case Coding::kIdentity:
        break;
      case Coding::kGzip: {
        INGESTD_ASSIGN_OR_RETURN(body, Inflate(body, kGzipWindowBits, /*multi_member=*/true, max_bytes, "gzip"));
        break;
      }
      case Coding::kDeflate: {
        const int bits = LooksLikeZlib(body) ? kZlibWindowBits : kRawWindowBits;
        INGESTD_ASSIGN_OR_RETURN(body, Inflate(body, bits, /*multi_member=*/false, max_bytes, "deflate"));
        break;
      }
      case Coding::kUnsupported:
        return InvalidArgument("unsupported Content-Encoding");
    }
  }
  if (body.size() > max_bytes) {
    return ResourceExhausted("response body exceeds max_response_bytes (" + std::to_string(max_bytes) + ")");
  }
  return body;
}

}  // namespace ingestd::extract::http
